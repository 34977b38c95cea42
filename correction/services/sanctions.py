"""Sanctions (训诫、警告、提请撤销) as officers decided them, counted for the ladder and for fast-track eligibility."""

from collections import Counter
from datetime import datetime, time

import sqlalchemy as sa

from correction.clock import LOCAL_TZ, local_date
from correction.components import components
from correction.db import db
from correction.models import Sanction, SanctionKind
from correction.rules.sanctions import SanctionRules, Suggestion, suggest
from correction.rules.terms import add_months


def sanction_rules() -> SanctionRules:
    return SanctionRules.from_table(components().rules)


def lookback_start(rules: SanctionRules, as_of: datetime) -> datetime:
    """The first instant whose sanctions still count at `as_of`: the same local day `lookback_months` earlier."""
    return datetime.combine(add_months(local_date(as_of), -rules.lookback_months), time(0), tzinfo=LOCAL_TZ)


def sanctions_since(subject_ids, since: datetime, until: datetime) -> dict[int, Counter]:
    """Per subject, how many sanctions of each kind were decided in [since, until] (one grouped query)."""
    counts: dict[int, Counter] = {}
    ids = list(set(subject_ids))
    if not ids:
        return counts
    rows = db.session.execute(sa.select(Sanction.subject_id, Sanction.kind, sa.func.count()).where(
        Sanction.subject_id.in_(ids), Sanction.decided_at >= since, Sanction.decided_at <= until)
        .group_by(Sanction.subject_id, Sanction.kind))
    for subject_id, kind, count in rows:
        counts.setdefault(subject_id, Counter())[SanctionKind(kind)] = count
    return counts


def warnings_within(subject_id: int, since: datetime) -> int:
    """警告 decided for the subject since `since` (for the 涉企 fast track's "recently warned" refusal)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Sanction).where(
        Sanction.subject_id == subject_id, Sanction.kind == SanctionKind.warning, Sanction.decided_at >= since))


def suggestion_for(rules: SanctionRules, category: str, counts: Counter | None, absence_days: int) -> Suggestion:
    """The ladder's suggestion for a subject with these sanction counts within the lookback."""
    counts = counts or Counter()
    return suggest(rules, category, admonitions=counts[SanctionKind.admonition],
                   warnings=counts[SanctionKind.warning], absence_days=absence_days)
