"""The population of a scope over a period (在册人数与增减), from the dated history, in one SQL statement.

Definitions (days are Asia/Shanghai dates; a period is `first_day`…`last_day`, inclusive):

- A subject is **received** on the date of its intake event (接收), and **ends** on `ended_on` (解除, 终止, or the
  hand-over to an agency outside this deployment, 迁出) — or on its receipt date when the end was dated earlier.
- A subject is **active at the end of day D** when received on or before D and not ended on or before D: received
  and not ended (awaiting report-in counts; a subject received and ended on one day is never active).
- `active_at_start` is the count at the end of the day before `first_day`, `active_at_end` at the end of
  `last_day`; `received` and the ends count the events dated within the period. Hence, exactly,
  `active_at_end = active_at_start + received − released − terminated − transferred_out`, for the total and for
  each category.
- A subject's **level** on a day is the management level of the span in force then (`subject_levels`, the
  recorded level, not the obligations' new-intake rule); a receipt counts at the level of its day, an end at the
  level of the last active day, and a level change within the period moves a subject from one level to another
  (`level_changed_out`, `level_changed_in`), so each level reconciles too, with those two terms.
- Scope is a subject filter (`scope.subject_filter`): a file counts, with its whole history, where it is now.
"""

from collections import Counter
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from correction.db import db
from correction.models import Category, EventKind, Level, ReleaseType, Subject, SubjectEvent, SubjectLevel

RELEASED = (ReleaseType.expiry, ReleaseType.pardon)
TERMINATED = (ReleaseType.revocation, ReleaseType.custody, ReleaseType.death, ReleaseType.other)
FLOWS = ("active_at_start", "received", "released", "terminated", "transferred_out", "active_at_end")


def _level_at(subject_id, day, *, before: bool = False) -> sa.ColumnElement:
    """The level in force at the end of `day` (or of the day before it): the latest span starting by then, or
    the first span for a day before every span."""
    starts = SubjectLevel.valid_from < day if before else SubjectLevel.valid_from <= day
    spans = sa.select(SubjectLevel.level).where(SubjectLevel.subject_id == subject_id)
    return sa.func.coalesce(
        spans.where(starts).order_by(SubjectLevel.valid_from.desc()).limit(1).scalar_subquery(),
        spans.order_by(SubjectLevel.valid_from).limit(1).scalar_subquery())


def _statement(scope: sa.ColumnElement[bool], first_day: date, last_day: date) -> sa.CompoundSelect:
    first, last = sa.literal(first_day, sa.Date), sa.literal(last_day, sa.Date)
    received_on = sa.select(sa.func.min(SubjectEvent.effective_on)).where(
        SubjectEvent.subject_id == Subject.id, SubjectEvent.kind == EventKind.intake).scalar_subquery()
    dated = sa.select(Subject.id, Subject.category, Subject.end_type, Subject.ended_on,
                      received_on.label("r")).where(scope).subquery()
    ends = sa.case((dated.c.ended_on < dated.c.r, dated.c.r), else_=dated.c.ended_on)
    touched = sa.select(dated.c.id, dated.c.category, dated.c.end_type, dated.c.r, ends.label("e")).where(
        dated.c.r <= last, sa.or_(ends.is_(None), ends >= first)).subquery()
    b = touched.c
    at_receipt = _level_at(b.id, b.r)
    base = sa.select(
        b.id, b.category, b.end_type, b.r, b.e,
        _level_at(b.id, first, before=True).label("level_start"),
        _level_at(b.id, last).label("level_end"),
        at_receipt.label("level_in"),
        sa.case((b.e > b.r, _level_at(b.id, b.e, before=True)), else_=at_receipt).label("level_out"),
    ).cte("population")
    p = base.c
    text = sa.String

    def branch(measure: str, level, *where, kind=None):
        grouped = (p.category, level) if kind is None else (p.category, level, kind)
        return sa.select(sa.literal(measure, text).label("measure"), sa.cast(p.category, text).label("category"),
                         sa.cast(level, text).label("level"), sa.cast(sa.null() if kind is None else kind, text)
                         .label("kind"), sa.func.count().label("n")).where(*where).group_by(*grouped)

    new, old = aliased(SubjectLevel), aliased(SubjectLevel)
    changes = sa.select(sa.literal("level_change", text), sa.cast(p.category, text), sa.cast(new.level, text),
                        sa.cast(old.level, text), sa.func.count()).select_from(base).join(
        new, sa.and_(new.subject_id == p.id, new.valid_from >= first, new.valid_from <= last, new.valid_from > p.r,
                     sa.or_(p.e.is_(None), new.valid_from < p.e))).join(
        old, sa.and_(old.subject_id == p.id, old.valid_to == new.valid_from)).group_by(
        p.category, new.level, old.level)
    return sa.union_all(
        branch("active_at_start", p.level_start, p.r < first, sa.or_(p.e.is_(None), p.e >= first)),
        branch("received", p.level_in, p.r >= first),
        branch("ended", p.level_out, p.e.is_not(None), p.e <= last, kind=p.end_type),
        branch("active_at_end", p.level_end, sa.or_(p.e.is_(None), p.e > last)),
        changes)


def population(scope: sa.ColumnElement[bool], first_day: date, last_day: date) -> dict:
    """The flows of the period in total, by category and by level, with releases and terminations by type."""
    totals, by_type = Counter(), Counter()
    by_category = {c.value: Counter() for c in Category}
    by_level = {level.value: Counter() for level in Level}
    for measure, category, level, kind, n in db.session.execute(_statement(scope, first_day, last_day)):
        if measure == "level_change":
            by_level[level]["level_changed_in"] += n
            by_level[kind]["level_changed_out"] += n
            continue
        if measure == "ended":
            by_type[kind] += n
            measure = _end_measure(ReleaseType(kind))
        totals[measure] += n
        by_category[category][measure] += n
        if level is not None:
            by_level[level][measure] += n
    level_flows = (*FLOWS, "level_changed_in", "level_changed_out")
    return {
        **{name: totals[name] for name in FLOWS},
        "released_by_type": {t.value: by_type[t.value] for t in RELEASED},
        "terminated_by_type": {t.value: by_type[t.value] for t in TERMINATED},
        "by_category": {c: {name: counts[name] for name in FLOWS} for c, counts in by_category.items()},
        "by_level": {lv: {name: counts[name] for name in level_flows} for lv, counts in by_level.items()},
    }


def _end_measure(end_type: ReleaseType) -> str:
    return {ReleaseType.expiry: "released", ReleaseType.pardon: "released",
            ReleaseType.transferred: "transferred_out"}.get(end_type, "terminated")
