"""The overdue query (逾期查询): every subject in scope past a deadline at an instant, set-based in SQL.

One statement, one row per late subject. It reads each subject in scope once with what every deadline kind
needs (the level in force on each period's last day, whether the period's report exists, the month's confirmed
minutes per kind from `activity_totals`, kept on write), decides each kind in SQL and answers a bit mask of the
kinds the subject is late for; the rows are unpivoted into items here. The periods are the same
for everyone on a given day (calendar cadences), so they are computed once in Python and bound as parameters.

Two forms of the same statement, chosen by the number of subjects in scope (bench/overdue.py measures both):
a county *probes* per subject (correlated subqueries on the primary keys and the reports index, a few
microseconds each), the country *scans* per period (outer joins and `IN` over one period's reports, which
PostgreSQL hashes once). No loop over subjects; both forms give the same answer on SQLite and PostgreSQL
(tests/services/test_overdue.py), and any instant, past or future, can be asked.
"""

from concurrent.futures import ThreadPoolExecutor
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

# Above this many subjects in scope the statement scans per period instead of probing per subject: a probe
# costs ~10 index lookups per subject, a scan a fixed ~2 s at national scale (bench/overdue.py).
PROBE_MAX_SUBJECTS = 50_000
# The scan form runs in this many id ranges at once, each on its own connection (and database backend): the
# benchmark machine's two cores; a larger database server can take more.
SCAN_PARTS = 2


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
    """One deadline kind: the period owed and its due day, and who owes it."""

    kind: str
    period: Period
    due: date
    levels: tuple | None = None      # the levels on the period's last day that owe it (None: every level)
    categories: tuple | None = None  # the categories that owe it (None: every category)
    quota: dict | None = None        # hours kinds: required hours per level on the period's last day

    @property
    def level_day(self) -> date | None:
        return self.period.end if self.levels is not None or self.quota is not None else None


class _Plan:
    """The deadlines owed on one day, and the statement that finds who is late for them in a scope.

    Three layers: `s` reads each subject in scope once with the level on each period's last day; `x` adds the
    facts (each owed period's report present or not, the month's confirmed minutes per kind); the outer query
    turns them into one flag per deadline and keeps the rows with any flag. OFFSET 0 keeps each layer a query of
    its own, so that PostgreSQL does not copy a fact's subquery into every expression that reads it.
    """

    def __init__(self, today: date, rules, probe: bool):
        self.today = today
        self.probe = probe
        self.strict_months = rules["classification.new_intake_strict_months"]
        anchor = rules["obligations.biweekly_anchor"]
        self.owed: list[_Owed] = []
        for stream in report_streams(rules):
            for cadence in sorted(stream.cadences()):
                period = latest_closed_period(cadence, today, stream.grace_days, anchor)
                levels = tuple(lv for lv, c in stream.cadence_by_level.items() if c == cadence) \
                    if stream.cadence_by_level else None
                self.owed.append(_Owed(stream.kind, period, period.deadline(stream.grace_days), levels,
                                       stream.categories))
        month = latest_closed_period("monthly", today, 0, anchor)
        for kind in HOUR_KINDS:
            self.owed.append(_Owed(f"{kind}_hours", month, month.end,
                                   quota=rules[f"obligations.monthly_hours.{kind}"]))
        self.days = sorted({owed.level_day for owed in self.owed if owed.level_day})
        self.earliest = min(owed.period.start for owed in self.owed)

    # --- the facts, in the probe or the scan form ---

    def _reported(self, owed: _Owed, subject_id, ids: tuple[int, int] | None) -> sa.ColumnElement[bool]:
        """Whether the subject's report for the period exists."""
        if self.probe:  # LIMIT keeps PostgreSQL from hashing the whole period for a few hundred subjects
            return sa.select(sa.literal(1)).where(Report.subject_id == subject_id, Report.kind == owed.kind,
                                                  Report.period_start == owed.period.start) \
                .limit(1).scalar_subquery().is_not(None)
        return subject_id.in_(sa.select(Report.subject_id).where(
            Report.kind == owed.kind, Report.period_start == owed.period.start, _within(Report.subject_id, ids)))

    def _minutes(self, owed: _Owed, subject_id, joins: list, ids: tuple[int, int] | None) -> sa.ColumnElement[int]:
        """The subject's confirmed minutes of the hours kind in the month."""
        kind, month = owed.kind.removesuffix("_hours"), owed.period.start
        if self.probe:
            return sa.func.coalesce(sa.select(ActivityTotal.minutes).where(
                ActivityTotal.month == month, ActivityTotal.kind == kind,
                ActivityTotal.subject_id == subject_id).scalar_subquery(), 0)
        total = sa.orm.aliased(ActivityTotal, name=f"t_{kind}")
        joins.append((total, sa.and_(total.subject_id == subject_id, total.month == month, total.kind == kind,
                                     _within(total.subject_id, ids))))
        return sa.func.coalesce(total.minutes, 0)

    def _levels(self, joins: list, ids: tuple[int, int] | None) -> list[sa.ColumnElement[str]]:
        """The level governing each of `days`: 严管 for a new intake, else the span closed after the day that
        covers it (a few thousand rows; the scan form reads them in one pass), else the level in force now
        (`subjects.level`, the open span's)."""
        covers = {day: (SubjectLevel.valid_from <= day, SubjectLevel.valid_to > day) for day in self.days}
        if self.probe:
            closed = [sa.select(SubjectLevel.level).where(SubjectLevel.subject_id == Subject.id, *covers[day])
                      .limit(1).scalar_subquery() for day in self.days]
        else:
            spans = sa.select(SubjectLevel.subject_id, *(
                sa.func.max(sa.case((sa.and_(*covers[day]), SubjectLevel.level))).label(f"l{index}")
                for index, day in enumerate(self.days))).where(
                SubjectLevel.valid_to > self.days[0], SubjectLevel.valid_from <= self.days[-1],
                _within(SubjectLevel.subject_id, ids),
            ).group_by(SubjectLevel.subject_id).subquery("spans")
            joins.append((spans, spans.c.subject_id == Subject.id))
            closed = [spans.c[f"l{index}"] for index in range(len(self.days))]
        return [sa.case((Subject.reported_in_on > last_new_intake_report_in(day, self.strict_months),
                         sa.literal("strict")), else_=sa.func.coalesce(span, Subject.level))
                for day, span in zip(self.days, closed, strict=True)]

    # --- the statement ---

    def statement(self, scope: sa.ColumnElement[bool], ids: tuple[int, int] | None = None) -> sa.Select:
        """The statement for the subjects in `scope`, or those of them whose ids are in `ids` (inclusive; the
        range is repeated on every table the scan form reads, which PostgreSQL would not infer from the join)."""
        joins: list[tuple] = []
        subjects = sa.select(Subject.id, Subject.name, Subject.office_id, Subject.category, Subject.reported_in_on,
                             Subject.ended_on, Subject.report_in_due,
                             *(level.label(f"l{index}") for index, level in enumerate(self._levels(joins, ids))))
        for target, on in joins:
            subjects = subjects.outerjoin(target, on)
        s = subjects.where(scope, self._active_on(Subject.ended_on, self.earliest), _within(Subject.id, ids)) \
            .offset(0).subquery("s")
        joins, facts = [], []
        for index, owed in enumerate(self.owed):
            if owed.quota:
                fact = self._minutes(owed, s.c.id, joins, ids)
            else:  # looked up only for the subjects who owe the period: one periodic cadence each, one category
                owes = [s.c[f"l{self.days.index(owed.level_day)}"].in_(owed.levels)] if owed.levels else []
                if owed.categories is not None:
                    owes.append(s.c.category.in_(owed.categories))
                reported = self._reported(owed, s.c.id, ids)
                fact = sa.case((sa.and_(*owes), reported), else_=sa.true()) if owes else reported
            facts.append(fact.label(f"f{index}"))
        facts_of = sa.select(s, *facts).select_from(s)
        for target, on in joins:
            facts_of = facts_of.outerjoin(target, on)
        x = facts_of.offset(0).subquery("x")
        today = self.today
        flags = [sa.and_(x.c.report_in_due < today, sa.or_(x.c.reported_in_on.is_(None),
                                                           x.c.reported_in_on > today),
                         self._active_on(x.c.ended_on, today))]
        required = []
        for index, owed in enumerate(self.owed):
            fact = x.c[f"f{index}"]
            level = x.c[f"l{self.days.index(owed.level_day)}"] if owed.level_day else None
            active = [x.c.reported_in_on.is_not(None), x.c.reported_in_on <= owed.period.start,
                      self._active_on(x.c.ended_on, owed.period.end)]
            if owed.quota:
                minutes = sa.case(*((level == lv, int(hours * 60)) for lv, hours in owed.quota.items()), else_=0)
                required.append(minutes.label(f"q{index}"))
                flags.append(sa.and_(*active, fact < minutes))
                continue
            conditions = [*active, sa.not_(fact)]
            if owed.levels is not None:
                conditions.append(level.in_(owed.levels))
            if owed.categories is not None:
                conditions.append(x.c.category.in_(owed.categories))
            flags.append(sa.and_(*conditions))
        mask = sum((sa.case((flag, 1 << bit), else_=0) for bit, flag in enumerate(flags)), sa.literal(0))
        return sa.select(x.c.id, x.c.name, x.c.office_id, x.c.report_in_due, mask,
                         *(x.c[f"f{index}"] for index, owed in enumerate(self.owed) if owed.quota), *required) \
            .where(sa.or_(*flags))

    @staticmethod
    def _active_on(ended_on, day: date) -> sa.ColumnElement[bool]:
        return sa.or_(ended_on.is_(None), ended_on > day)

    def unpivot(self, rows) -> list[OverdueItem]:
        """One item per bit of each row's mask (bit 0 report-in, bit i + 1 deadline i), read by position:
        the four subject columns, the mask, then the confirmed and the required minutes of each hours kind."""
        today = self.today
        hours = [index for index, owed in enumerate(self.owed) if owed.quota]
        minutes = {index: (5 + len(hours) + position, 5 + position) for position, index in enumerate(hours)}
        deadlines = [(1 << (index + 1), owed.kind, owed.period.start, owed.period.end, owed.due,
                      (today - owed.due).days, minutes.get(index)) for index, owed in enumerate(self.owed)]
        owed_by_mask: dict[int, list] = {}  # a few dozen distinct masks among hundreds of thousands of rows
        items = []
        for row in rows:
            subject_id, name, office_id, report_in_due, mask = row[:5]
            if mask & 1:
                items.append(OverdueItem(subject_id, name, office_id, "report_in", None, None, report_in_due,
                                         (today - report_in_due).days))
            owed = owed_by_mask.get(mask)
            if owed is None:
                owed = owed_by_mask[mask] = [deadline[1:] for deadline in deadlines if mask & deadline[0]]
            for kind, start, end, due, late, hours_at in owed:
                required, done = (row[hours_at[0]] / 60, row[hours_at[1]] / 60) if hours_at else (None, None)
                items.append(OverdueItem(subject_id, name, office_id, kind, start, end, due, late, required, done))
        return items


def find_overdue(as_of: datetime, scope: sa.ColumnElement[bool] | None = None, *,
                 probe: bool | None = None) -> list[OverdueItem]:
    """Every subject matching `scope` (a SQL condition on Subject) past a deadline at `as_of`, most late first.

    `probe` forces a form of the statement; by default it follows the number of subjects in scope.
    """
    scope = sa.true() if scope is None else scope
    count, first, last = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(Subject.id), sa.func.max(Subject.id)).where(scope)).one()
    if count == 0:
        return []
    plan = _Plan(local_date(as_of), components().rules, count <= PROBE_MAX_SUBJECTS if probe is None else probe)
    if plan.probe:
        rows = db.session.connection().execute(plan.statement(scope)).all()
    else:
        step = (last - first) // SCAN_PARTS + 1
        rows = _run_in_parts([plan.statement(scope, (low, min(low + step - 1, last)))
                              for low in range(first, last + 1, step)])
    return sorted(plan.unpivot(rows), key=lambda item: (-item.days_late, item.subject_id, item.kind))


def _within(column: sa.ColumnElement[int], ids: tuple[int, int] | None) -> sa.ColumnElement[bool]:
    return sa.true() if ids is None else column.between(*ids)


def _run_in_parts(statements: list[sa.Select]) -> list:
    """The rows of all `statements`. On PostgreSQL each runs on a connection of its own, at once, in the session
    transaction's snapshot (exported and imported as pg_dump's parallel jobs do), so the parts are one consistent
    read; SQLite (one process, the embedded default) runs them one after the other in the session."""
    session = db.session.connection()
    if session.dialect.name != "postgresql":
        return [row for statement in statements for row in session.execute(statement).all()]
    snapshot = session.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
    engine = db.engine

    def run(statement: sa.Select) -> list:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
            connection.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")  # the server's own identifier
            rows = connection.execute(statement).all()
            connection.rollback()
            return rows

    with ThreadPoolExecutor(len(statements)) as pool:
        return [row for rows in pool.map(run, statements) for row in rows]


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
