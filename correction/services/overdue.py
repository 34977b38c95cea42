"""The overdue query (逾期查询): every subject in scope past a deadline at an instant, set-based in SQL.

One statement. Its common table `x` reads each subject in scope once, with what every deadline kind needs:
the level in force on each period's last day, whether the period's report exists (EXISTS, which PostgreSQL runs
as one hashed scan of the period's reports for the whole country and as index probes for a county) and the
month's confirmed minutes per kind (`activity_totals`, kept on write). Each kind is then a filter over `x`,
joined with UNION ALL. The periods are the same for everyone on a given day (calendar cadences), so they are
computed once in Python and bound as parameters. No loop over subjects, the same statement on SQLite and
PostgreSQL, and any instant, past or future, can be asked. bench/overdue.py times it at national scale.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from correction.clock import local_date
from correction.components import components
from correction.db import db
from correction.models import ActivityTotal, Report, Subject, SubjectLevel, User
from correction.rules.obligations import report_streams
from correction.rules.periods import Period, latest_closed_period
from correction.rules.terms import add_months
from correction.services.obligations import HOUR_KINDS, OverdueItem
from correction.services.paging import Page
from correction.services.scope import subject_filter


def last_new_intake_report_in(day: date, months: int) -> date:
    """The latest report-in date whose new-intake 严管 months have ended by `day`: a subject who reported in
    after it is still a new intake on `day` (exact under month-end clamping)."""
    candidate = add_months(day, -months)
    while add_months(candidate + timedelta(days=1), months) <= day:
        candidate += timedelta(days=1)
    while add_months(candidate, months) > day:
        candidate -= timedelta(days=1)
    return candidate


@dataclass(frozen=True)
class _Owed:
    """One deadline kind of the statement: a period owed, its due day and the columns of `x` that decide it."""

    kind: str
    period: Period
    due: date
    level: str | None       # label of the level column governing the period, or None (every level owes it)
    levels: tuple = ()      # the levels that owe it (with `level`)
    categories: tuple | None = None
    reported: str | None = None  # label of the "report exists" column
    minutes: str | None = None   # label of the confirmed-minutes column (hours kinds)


class _Plan:
    """The columns of `x` and the deadline kinds filtered from it, for one day and scope."""

    def __init__(self, today: date, rules):
        self.today = today
        self.strict_months = rules["classification.new_intake_strict_months"]
        self.anchor = rules["obligations.biweekly_anchor"]
        self.columns: dict[str, sa.ColumnElement] = {}
        self.joins: list[tuple] = []
        self.owed: list[_Owed] = []
        self._level_labels: dict[date, str] = {}
        for stream in report_streams(rules):
            for cadence in sorted(stream.cadences()):
                period = latest_closed_period(cadence, today, stream.grace_days, self.anchor)
                exists = sa.exists().where(Report.subject_id == Subject.id, Report.kind == stream.kind,
                                           Report.period_start == period.start)
                if stream.categories is not None:  # probed only for the categories that owe it
                    exists = sa.case((Subject.category.in_(stream.categories), exists), else_=sa.true())
                reported = self._add(f"r{len(self.columns)}", exists)
                level, levels = None, ()
                if stream.cadence_by_level:
                    level = self._level_on(period.end)
                    levels = tuple(lv for lv, c in stream.cadence_by_level.items() if c == cadence)
                self.owed.append(_Owed(stream.kind, period, period.deadline(stream.grace_days), level, levels,
                                       stream.categories, reported=reported))
        month = latest_closed_period("monthly", today, 0, self.anchor)
        self.quotas = {kind: rules[f"obligations.monthly_hours.{kind}"] for kind in HOUR_KINDS}
        for kind in HOUR_KINDS:
            total = sa.orm.aliased(ActivityTotal, name=f"t_{kind}")
            self.joins.append((total, sa.and_(total.subject_id == Subject.id, total.month == month.start,
                                              total.kind == kind)))
            minutes = self._add(f"m_{kind}", sa.func.coalesce(total.minutes, 0))
            self.owed.append(_Owed(f"{kind}_hours", month, month.end, self._level_on(month.end), minutes=minutes))
        self.earliest = min(owed.period.start for owed in self.owed)

    def _add(self, label: str, column) -> str:
        self.columns[label] = column.label(label)
        return label

    def _level_on(self, day: date) -> str:
        """The column of the level governing `day`: 严管 for a new intake, else the span closed after `day` that
        covers it (a few thousand rows), else the level in force now (`subjects.level`, the open span's)."""
        if day not in self._level_labels:
            closed = sa.orm.aliased(SubjectLevel, name=f"c{len(self._level_labels)}")
            self.joins.append((closed, sa.and_(closed.subject_id == Subject.id, closed.valid_from <= day,
                                               closed.valid_to > day)))
            new_intake = Subject.reported_in_on > last_new_intake_report_in(day, self.strict_months)
            level = sa.case((new_intake, sa.literal("strict")), else_=sa.func.coalesce(closed.level, Subject.level))
            self._level_labels[day] = self._add(f"l{len(self._level_labels)}", level)
        return self._level_labels[day]

    def statement(self, scope) -> sa.Select:
        source = sa.select(Subject.id, Subject.name, Subject.office_id, Subject.category, Subject.reported_in_on,
                           Subject.ended_on, Subject.report_in_due, *self.columns.values())
        for target, on in self.joins:
            source = source.outerjoin(target, on)
        x = source.where(scope, sa.or_(Subject.ended_on.is_(None), Subject.ended_on > self.earliest)) \
            .cte("x").prefix_with("MATERIALIZED")
        return sa.union_all(self._report_in(x), *(self._branch(x, owed) for owed in self.owed))

    @staticmethod
    def _row(x, kind, period: Period | None, due, required=None, done=None) -> list:
        return [x.c.id, x.c.name, x.c.office_id, sa.literal(kind),
                sa.literal(period.start if period else None, sa.Date),
                sa.literal(period.end if period else None, sa.Date),
                sa.literal(due, sa.Date) if isinstance(due, date) else due,
                sa.cast(required if required is not None else sa.null(), sa.Integer),
                sa.cast(done if done is not None else sa.null(), sa.Integer)]

    def _report_in(self, x) -> sa.Select:
        today = self.today
        return sa.select(*self._row(x, "report_in", None, x.c.report_in_due)).where(
            x.c.report_in_due < today, sa.or_(x.c.reported_in_on.is_(None), x.c.reported_in_on > today),
            sa.or_(x.c.ended_on.is_(None), x.c.ended_on > today))

    def _branch(self, x, owed: _Owed) -> sa.Select:
        active = [x.c.reported_in_on.is_not(None), x.c.reported_in_on <= owed.period.start,
                  sa.or_(x.c.ended_on.is_(None), x.c.ended_on > owed.period.end)]
        if owed.minutes is None:
            conditions = [*active, sa.not_(x.c[owed.reported])]
            if owed.level is not None:
                conditions.append(x.c[owed.level].in_(owed.levels))
            if owed.categories is not None:
                conditions.append(x.c.category.in_(owed.categories))
            return sa.select(*self._row(x, owed.kind, owed.period, owed.due)).where(*conditions)
        quota = self.quotas[owed.kind.removesuffix("_hours")]
        required = sa.case(*((x.c[owed.level] == lv, int(hours * 60)) for lv, hours in quota.items()), else_=0)
        done = x.c[owed.minutes]
        return sa.select(*self._row(x, owed.kind, owed.period, owed.due, required, done)) \
            .where(*active, done < required)


def find_overdue(as_of: datetime, scope: sa.ColumnElement[bool] | None = None) -> list[OverdueItem]:
    """Every subject matching `scope` (a SQL condition on Subject) past a deadline at `as_of`, most late first."""
    today = local_date(as_of)
    statement = _Plan(today, components().rules).statement(sa.true() if scope is None else scope)
    rows = db.session.execute(statement).all()
    # Unpacked by position: attribute access per row costs a second at national scale (bench/overdue.py).
    items = [OverdueItem(subject_id, name, office_id, kind, start, end, due, (today - due).days,
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
