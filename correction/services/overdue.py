"""The overdue query (逾期查询): every subject in scope past a deadline at an instant, set-based in SQL.

Each deadline kind is one SELECT over subjects; they are joined with UNION ALL and run as one statement. The
periods are the same for everyone at a given day (calendar cadences), so they are computed once in Python and
bound as parameters; the per-subject part (level in force on the period's last day, new-intake 严管, a report
for that period, confirmed hours in the month) is joins and anti-joins on indexed columns. No loop over
subjects, the same statement on SQLite and PostgreSQL, and any instant, past or future, can be asked.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from correction.clock import local_date
from correction.components import components
from correction.db import db
from correction.models import Activity, ActivityStatus, Report, Subject, SubjectLevel, User
from correction.rules.obligations import report_streams
from correction.rules.periods import Period, latest_closed_period
from correction.rules.terms import add_months
from correction.services.obligations import HOUR_KINDS, OverdueItem
from correction.services.paging import Page
from correction.services.scope import subject_filter


@dataclass(frozen=True)
class _Ctx:
    today: date
    strict_months: int
    anchor: date


def last_new_intake_report_in(day: date, months: int) -> date:
    """The latest report-in date whose new-intake 严管 months have ended by `day`: a subject who reported in
    after it is still a new intake on `day` (exact under month-end clamping)."""
    candidate = add_months(day, -months)
    while add_months(candidate + timedelta(days=1), months) <= day:
        candidate += timedelta(days=1)
    while add_months(candidate, months) > day:
        candidate -= timedelta(days=1)
    return candidate


def _active_over(period: Period):
    return sa.and_(Subject.reported_in_on.is_not(None), Subject.reported_in_on <= period.start,
                   sa.or_(Subject.ended_on.is_(None), Subject.ended_on > period.end))


def _level_on(day: date, ctx: _Ctx):
    """(join condition, governing level expression) for the level in force on `day`."""
    span = sa.and_(SubjectLevel.subject_id == Subject.id, SubjectLevel.valid_from <= day,
                   sa.or_(SubjectLevel.valid_to.is_(None), SubjectLevel.valid_to > day))
    new_intake = Subject.reported_in_on > last_new_intake_report_in(day, ctx.strict_months)
    return span, sa.case((new_intake, sa.literal("strict")), else_=SubjectLevel.level)


def _columns(kind: str, period: Period | None, due):
    return [Subject.id.label("subject_id"), Subject.name.label("subject_name"), Subject.office_id.label("office_id"),
            sa.literal(kind).label("kind"),
            sa.literal(period.start if period else None, sa.Date).label("period_start"),
            sa.literal(period.end if period else None, sa.Date).label("period_end"),
            (sa.literal(due, sa.Date) if isinstance(due, date) else due).label("due"),
            sa.literal(None, sa.Integer).label("required_minutes"),
            sa.literal(None, sa.Integer).label("done_minutes")]


def _report_in(ctx: _Ctx, scope):
    return sa.select(*_columns("report_in", None, Subject.report_in_due)).where(
        scope, Subject.report_in_due < ctx.today,
        sa.or_(Subject.reported_in_on.is_(None), Subject.reported_in_on > ctx.today),
        sa.or_(Subject.ended_on.is_(None), Subject.ended_on > ctx.today))


def _report_streams(ctx: _Ctx, scope):
    for stream in report_streams(components().rules):
        for cadence in sorted(stream.cadences()):
            period = latest_closed_period(cadence, ctx.today, stream.grace_days, ctx.anchor)
            span, level = _level_on(period.end, ctx)
            if stream.cadence_by_level:
                governed = level.in_([lv for lv, c in stream.cadence_by_level.items() if c == cadence])
            else:
                governed = sa.true()
            reported = sa.exists().where(Report.subject_id == Subject.id, Report.kind == stream.kind,
                                         Report.period_start == period.start)
            stmt = sa.select(*_columns(stream.kind, period, period.deadline(stream.grace_days))) \
                .join(SubjectLevel, span).where(scope, _active_over(period), governed, ~reported)
            if stream.categories is not None:
                stmt = stmt.where(Subject.category.in_(stream.categories))
            yield stmt


def _hours(ctx: _Ctx, scope):
    month = latest_closed_period("monthly", ctx.today, 0, ctx.anchor)
    span, level = _level_on(month.end, ctx)
    rules = components().rules
    for kind in HOUR_KINDS:
        by_level = rules[f"obligations.monthly_hours.{kind}"]
        required = sa.case(*((level == lv, sa.literal(int(h * 60))) for lv, h in by_level.items()),
                           else_=sa.literal(0))
        done = sa.select(sa.func.coalesce(sa.func.sum(Activity.minutes), 0)).where(
            Activity.subject_id == Subject.id, Activity.kind == kind, Activity.status == ActivityStatus.confirmed,
            Activity.occurred_on.between(month.start, month.end)).scalar_subquery()
        columns = _columns(f"{kind}_hours", month, month.end)[:7] + [required.label("required_minutes"),
                                                                   done.label("done_minutes")]
        yield sa.select(*columns).join(SubjectLevel, span).where(scope, _active_over(month), done < required)


def find_overdue(as_of: datetime, scope: sa.ColumnElement[bool] | None = None) -> list[OverdueItem]:
    """Every subject matching `scope` (a SQL condition on Subject) past a deadline at `as_of`, most late first."""
    rules = components().rules
    scope = sa.true() if scope is None else scope
    ctx = _Ctx(local_date(as_of), rules["classification.new_intake_strict_months"],
               rules["obligations.biweekly_anchor"])
    union = sa.union_all(_report_in(ctx, scope), *_report_streams(ctx, scope), *_hours(ctx, scope)).subquery()
    rows = db.session.execute(sa.select(union)).all()
    # Unpacked by position: attribute access per row costs a second at national scale (bench/overdue.py).
    items = [OverdueItem(subject_id, name, office_id, kind, start, end, due, (ctx.today - due).days,
                         _hours_of(required), _hours_of(done))
             for subject_id, name, office_id, kind, start, end, due, required, done in rows]
    return sorted(items, key=lambda item: (-item.days_late, item.subject_id, item.kind))


def _hours_of(minutes: int | None) -> float | None:
    return None if minutes is None else minutes / 60


@dataclass(frozen=True)
class OverduePage(Page):
    as_of: datetime


def overdue_in_scope(actor: User, as_of: datetime, page: int, per_page: int, office_id: int | None = None,
                     kind: str | None = None) -> OverduePage:
    """One page of the overdue list for the actor's scope, optionally one office or one kind.

    :raises Forbidden: the role reads no subject files.
    """
    scope = subject_filter(actor)
    if office_id is not None:
        scope = sa.and_(scope, Subject.office_id == office_id)
    items = [item for item in find_overdue(as_of, scope) if kind is None or item.kind == kind]
    start = (page - 1) * per_page
    return OverduePage(items[start:start + per_page], page, per_page, len(items), as_of)
