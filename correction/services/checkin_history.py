"""Check-in history: what a supervisee still owes (the required check-in of the current period, open spot
checks), and what officers and inspectors read (one subject's fixes with their verdicts and distances, the latest
fix of every subject in scope: one statement, an index probe per subject)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from correction.clock import local_date
from correction.components import components
from correction.db import db
from correction.models import CheckIn, SpotCheck, SpotCheckStatus, Subject, User, Verdict
from correction.rules.location import checkin_cadence, is_late, period_closes_at, period_ends_at, period_opens_at
from correction.rules.periods import Period, period_containing, previous_period
from correction.services.obligations import timeline_of
from correction.services.paging import Page, page_of
from correction.services.scope import read_subject, subject_filter


def counts_for(period: Period, grace_hours: int) -> sa.ColumnElement[bool]:
    """A fix counts for a required check-in period when captured in it and received by its close."""
    return sa.and_(CheckIn.captured_at >= period_opens_at(period), CheckIn.captured_at < period_ends_at(period),
                   CheckIn.received_at < period_closes_at(period, grace_hours))


@dataclass(frozen=True)
class Duty:
    """A check-in the supervisee owes: for a period of their cadence (`checkin`), or for a spot check."""

    kind: str  # checkin, spot_check
    due: date
    due_at: datetime
    status: str  # open, fulfilled
    period_start: date | None = None
    period_end: date | None = None
    spot_check_id: int | None = None


def checkin_duties(subject: Subject, as_of: datetime) -> list[Duty]:
    """The required check-in of the current period (and of the last one while its grace lasts), by the cadence of
    the subject's level, and the spot checks open now."""
    rules = components().rules
    anchor, grace = rules["obligations.biweekly_anchor"], rules["obligations.checkin_window.grace_hours"]
    level = timeline_of(subject).level_on(local_date(as_of), rules["classification.new_intake_strict_months"])
    cadence = checkin_cadence(rules["obligations.checkin.cadence"], level)
    duties = []
    if cadence is not None:
        current = period_containing(cadence, local_date(as_of), anchor)
        last = previous_period(cadence, current, anchor)
        for period in ([last] if period_closes_at(last, grace) > as_of else []) + [current]:
            done = db.session.scalar(sa.select(CheckIn.id).where(
                CheckIn.subject_id == subject.id, counts_for(period, grace)).limit(1))
            duties.append(Duty("checkin", period.end, period_closes_at(period, grace).astimezone(UTC),
                               "fulfilled" if done else "open", period.start, period.end))
    spot_checks = db.session.scalars(sa.select(SpotCheck).where(
        SpotCheck.subject_id == subject.id, SpotCheck.status == SpotCheckStatus.pending,
        SpotCheck.requested_at <= as_of, SpotCheck.respond_by >= as_of).order_by(SpotCheck.respond_by))
    duties += [Duty("spot_check", local_date(s.respond_by), s.respond_by, "open", spot_check_id=s.id)
               for s in spot_checks]
    return duties


def late(checkin: CheckIn) -> bool:
    """Captured longer before it was received than `location.late_fix_minutes`."""
    return is_late(checkin.captured_at, checkin.received_at, components().rules["location.late_fix_minutes"])


def subject_checkins(actor: User, subject_id: int, page: int, per_page: int) -> Page:
    """A subject's fixes, the latest capture first.

    :raises NotFound: missing or outside the actor's scope.
    """
    read_subject(actor, subject_id, "checkins")
    return page_of(sa.select(CheckIn).where(CheckIn.subject_id == subject_id).options(selectinload(CheckIn.subject))
                   .order_by(CheckIn.captured_at.desc(), CheckIn.id.desc()), page, per_page)


def _newest(column) -> sa.ScalarSelect:
    """`column` of the subject's latest fix (by capture time, then id), correlated to `Subject`: a LIMIT 1 probe."""
    return sa.select(column).where(CheckIn.subject_id == Subject.id).order_by(
        CheckIn.captured_at.desc(), CheckIn.id.desc()).limit(1).correlate(Subject).scalar_subquery()


def latest_checkins(actor: User, page: int, per_page: int, verdict: Verdict | None = None) -> Page:
    """The latest fix (by capture time) of each subject in scope that has one, the most recent first; `verdict`
    keeps only subjects whose latest fix has it (e.g. who is outside right now).

    :raises Forbidden: the role reads no subject files.
    """
    # The key of each subject's latest fix, (id, captured_at), from LIMIT 1 probes of the (subject, captured_at)
    # index; then each fix by its primary key. Joined on an expression instead, PostgreSQL hashes the id of every
    # fix in every partition (bench/checkin_plans.py); on these columns it probes the one month of each.
    latest = sa.select(_newest(CheckIn.id).label("id"), _newest(CheckIn.captured_at).label("captured_at")).select_from(
        Subject).where(subject_filter(actor)).offset(0).subquery()
    stmt = sa.select(CheckIn).join(latest, sa.and_(CheckIn.id == latest.c.id,
                                                   CheckIn.captured_at == latest.c.captured_at))
    if verdict is not None:
        stmt = stmt.where(CheckIn.verdict == verdict)
    return page_of(stmt.options(selectinload(CheckIn.subject)).order_by(CheckIn.captured_at.desc(), CheckIn.id.desc()),
                   page, per_page)
