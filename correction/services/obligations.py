"""What one subject owes and when, computed in Python from the rule table and their dated history.

This is the per-subject view (the mini-program's `/me/obligations`, matching a report to its period). The
whole-population overdue query is set-based SQL in `correction.services.overdue`; both read the same rules, and
the tests hold them to the same answers.
"""

from datetime import date, datetime
from typing import NamedTuple

import sqlalchemy as sa

from correction.clock import local_date
from correction.components import components
from correction.db import db
from correction.models import Activity, ActivityStatus, Report, Subject, SubjectLevel
from correction.rules.obligations import LevelSpan, Stream, Timeline, owed_periods_around, owes, report_streams
from correction.rules.periods import Period, latest_closed_period

HOUR_KINDS = ("education", "public_welfare")
OVERDUE_KINDS = ("report_in", "periodic", "health_report", "medical_review", "education_hours",
                 "public_welfare_hours")


class OverdueItem(NamedTuple):
    """One subject past one deadline at an instant (a named tuple: the country's list builds 170,000 of them,
    four times faster than as a frozen dataclass)."""

    subject_id: int
    subject_name: str
    office_id: int
    kind: str  # report_in, periodic, health_report, medical_review, education_hours, public_welfare_hours
    period_start: date | None
    period_end: date | None
    due: date
    days_late: int
    required_hours: float | None = None
    done_hours: float | None = None


def timeline_of(subject: Subject) -> Timeline:
    spans = db.session.scalars(sa.select(SubjectLevel).where(SubjectLevel.subject_id == subject.id)
                               .order_by(SubjectLevel.valid_from))
    return Timeline(subject.category, subject.reported_in_on, subject.ended_on,
                    tuple(LevelSpan(s.level, s.valid_from, s.valid_to) for s in spans))


def _anchor_and_strict_months() -> tuple[date, int]:
    rules = components().rules
    return rules["obligations.biweekly_anchor"], rules["classification.new_intake_strict_months"]


def reported_periods(subject_id: int, kind: str, starts: list[date]) -> set[date]:
    """Which of these period starts already have a report of `kind`."""
    if not starts:
        return set()
    return set(db.session.scalars(sa.select(Report.period_start).where(
        Report.subject_id == subject_id, Report.kind == kind, Report.period_start.in_(starts))))


def stream_periods(subject: Subject, stream: Stream, today: date) -> list[Period]:
    """The owed periods of one stream around `today` (latest closed, in grace, current), oldest first."""
    anchor, strict_months = _anchor_and_strict_months()
    return owed_periods_around(stream, timeline_of(subject), today, strict_months, anchor)


def stream(kind: str) -> Stream:
    """The recurring report stream of `kind`.

    :raises KeyError: not a recurring kind.
    """
    return {s.kind: s for s in report_streams(components().rules)}[kind]


def required_hours(level: str | None, kind: str) -> float:
    return float(components().rules[f"obligations.monthly_hours.{kind}"].get(level, 0)) if level else 0.0


def confirmed_minutes(subject_id: int, month: Period) -> dict[str, int]:
    rows = db.session.execute(sa.select(Activity.kind, sa.func.sum(Activity.minutes)).where(
        Activity.subject_id == subject_id, Activity.status == ActivityStatus.confirmed,
        Activity.occurred_on.between(month.start, month.end)).group_by(Activity.kind))
    return {str(kind): int(total) for kind, total in rows}


def subject_overdue(subject: Subject, as_of: datetime) -> list[OverdueItem]:
    """Everything this subject is late with at `as_of`, one subject at a time (the per-subject reference)."""
    today = local_date(as_of)
    anchor, strict_months = _anchor_and_strict_months()
    timeline = timeline_of(subject)

    def item(kind: str, period: Period | None, due: date, required=None, done=None) -> OverdueItem:
        return OverdueItem(subject.id, subject.name, subject.office_id, kind, period and period.start,
                           period and period.end, due, (today - due).days, required, done)

    items = []
    if (subject.report_in_due < today and (subject.reported_in_on is None or subject.reported_in_on > today)
            and (subject.ended_on is None or subject.ended_on > today)):
        items.append(item("report_in", None, subject.report_in_due))
    for report_stream in report_streams(components().rules):
        for cadence in sorted(report_stream.cadences()):
            period = latest_closed_period(cadence, today, report_stream.grace_days, anchor)
            if owes(report_stream, timeline, period, cadence, strict_months) and not reported_periods(
                    subject.id, report_stream.kind, [period.start]):
                items.append(item(report_stream.kind, period, period.deadline(report_stream.grace_days)))
    month = latest_closed_period("monthly", today, 0, anchor)
    if timeline.active_over(month):
        level = timeline.level_on(month.end, strict_months)
        done = confirmed_minutes(subject.id, month)
        for kind in HOUR_KINDS:
            required = required_hours(level, kind)
            if done.get(kind, 0) < required * 60:
                items.append(item(f"{kind}_hours", month, month.end, required, done.get(kind, 0) / 60))
    return items
