"""Reminders for the scheduler: report deadlines coming up for supervisees, and terms ending soon (解矫 preparation)
for the responsible officers and the supervisee. Each is one query per period (not a loop over subjects) and is
sent once, by dedupe key, however often or late the job runs.

A deadline closes at the end of its last on-time day in Asia/Shanghai. A run reminds of every deadline closing
within the largest `reminders.before_hours` from now, at the most urgent tier whose window holds it (within 2 h:
the two-hour reminder; else within 24 h: the day-before one), so a late or missed run still reminds.
"""

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from correction.clock import LOCAL_TZ, local_date
from correction.components import components
from correction.db import db, transaction
from correction.models import (
    ACTIVE_STATUSES, Report, Subject, SubjectLevel, SubjectStatus, SuperviseeAccount, User,
)
from correction.rules.obligations import Stream, report_streams
from correction.rules.periods import Period, period_containing
from correction.services.notify import notify, officers_of
from correction.services.overdue import last_new_intake_report_in

LABELS = {"report_in": "报到", "periodic": "定期报告", "health_report": "身体状况报告", "medical_review": "病情复查"}
INBOX_PAGE = "/me/obligations"


def _closes_at(last_day: date) -> datetime:
    """The instant a deadline whose last on-time day is `last_day` closes: the next local midnight."""
    return datetime.combine(last_day + timedelta(days=1), time(), LOCAL_TZ)


def _day(day: date) -> str:
    return f"{day.month}月{day.day}日"


def remind_due_reports(as_of: datetime) -> dict[str, int]:
    """Remind supervisees who still owe the report-in or a recurring report whose deadline closes soon.

    Returns the number of new reminders per kind (report_in, periodic, health_report, medical_review).
    """
    rules = components().rules
    tiers = sorted(rules["reminders.before_hours"])
    horizon = as_of + timedelta(hours=tiers[-1])

    def tier(closes: datetime) -> int:
        return next(hours for hours in tiers if closes - as_of <= timedelta(hours=hours))

    counts = dict.fromkeys(LABELS, 0)
    with transaction():
        due_days = db.session.execute(_supervisees().where(
            Subject.status == SubjectStatus.awaiting_report,
            Subject.report_in_due.between(local_date(as_of), local_date(horizon) - timedelta(days=1)))
            .add_columns(Subject.report_in_due)).all()
        for day in sorted({day for _, day in due_days}):
            hours = tier(_closes_at(day))
            counts["report_in"] += len(notify(
                [user_id for user_id, due in due_days if due == day], kind="reminder", title="报到提醒",
                body=f"请于{_day(day)}（含）前到司法所报到，距截止已不足{hours}小时。", as_of=as_of,
                link=INBOX_PAGE, data={"obligation": "report_in", "due": day.isoformat()},
                dedupe_key=f"reminder:report_in:{day}:{hours}h"))
        for stream in report_streams(rules):
            for cadence in sorted(stream.cadences()):
                for period in _periods_closing(stream, cadence, as_of, horizon):
                    due = period.deadline(stream.grace_days)
                    hours = tier(_closes_at(due))
                    counts[stream.kind] += len(notify(
                        _owing(stream, cadence, period), kind="reminder", title=f"{LABELS[stream.kind]}提醒",
                        body=f"{_day(period.start)}至{_day(period.end)}的{LABELS[stream.kind]}须于{_day(due)}（含）"
                             f"前提交，距截止已不足{hours}小时。",
                        as_of=as_of, link=INBOX_PAGE,
                        data={"obligation": stream.kind, "period_start": period.start.isoformat(),
                              "period_end": period.end.isoformat(), "due": due.isoformat()},
                        dedupe_key=f"reminder:{stream.kind}:{period.start}:{hours}h"))
    return counts


def _periods_closing(stream: Stream, cadence: str, as_of: datetime, horizon: datetime) -> Iterator[Period]:
    """The periods of `cadence` whose deadline closes after `as_of` and by `horizon` (calendar periods: the same
    for everyone)."""
    anchor = components().rules["obligations.biweekly_anchor"]
    # The earliest period still open at as_of: its last on-time day is today or later.
    period = period_containing(cadence, local_date(as_of) - timedelta(days=stream.grace_days), anchor)
    while _closes_at(period.deadline(stream.grace_days)) <= horizon:
        yield period
        period = period_containing(cadence, period.end + timedelta(days=1), anchor)


def _supervisees() -> sa.Select:
    """The active supervisee users with their subjects."""
    return (sa.select(SuperviseeAccount.user_id).join(Subject, Subject.id == SuperviseeAccount.subject_id)
            .join(User, User.id == SuperviseeAccount.user_id).where(User.is_active))


def _owing(stream: Stream, cadence: str, period: Period) -> list[int]:
    """Supervisees who owe `period` of `cadence` in `stream` and have not reported for it: the level in force on
    its last day (严管 while a new intake) has that cadence, as in `correction.rules.obligations.owes`."""
    stmt = _supervisees().where(
        Subject.status == SubjectStatus.under_correction, Subject.reported_in_on <= period.start,
        sa.or_(Subject.ended_on.is_(None), Subject.ended_on > period.end),
        ~sa.exists().where(Report.subject_id == Subject.id, Report.kind == stream.kind,
                           Report.period_start == period.start))
    if stream.categories is not None:
        stmt = stmt.where(Subject.category.in_(stream.categories))
    if stream.cadence_by_level:
        strict_months = components().rules["classification.new_intake_strict_months"]
        closed = sa.orm.aliased(SubjectLevel)
        level = sa.case((Subject.reported_in_on > last_new_intake_report_in(period.end, strict_months), "strict"),
                        else_=sa.func.coalesce(closed.level, Subject.level))
        stmt = stmt.outerjoin(closed, sa.and_(closed.subject_id == Subject.id, closed.valid_from <= period.end,
                                              closed.valid_to > period.end)).where(
            level.in_([lv for lv, c in stream.cadence_by_level.items() if c == cadence]))
    return list(db.session.scalars(stmt))


def remind_term_ending(as_of: datetime) -> dict[str, int]:
    """Tell the responsible officers and the supervisee, once per subject and term end, that the term ends within
    `reminders.term_ending_days` (解矫 preparation: 解除矫正宣告, 解除证明书).

    Returns the number of subjects reminded for the first time and of new notifications.
    """
    today = local_date(as_of)
    last = today + timedelta(days=components().rules["reminders.term_ending_days"])
    counts = {"subjects": 0, "notifications": 0}
    with transaction():
        subjects = db.session.scalars(sa.select(Subject).where(
            Subject.status.in_(ACTIVE_STATUSES), Subject.term_end.between(today, last)).order_by(Subject.id)).all()
        supervisee_of = {subject_id: user_id for user_id, subject_id in db.session.execute(
            _supervisees().add_columns(Subject.id).where(Subject.id.in_([s.id for s in subjects])))}
        for subject in subjects:
            key, data = f"term_ending:{subject.id}:{subject.term_end}", {"subject_id": subject.id,
                                                                         "term_end": subject.term_end.isoformat()}
            created = notify(officers_of(subject), kind="term_ending", title="矫正期即将届满",
                             body=f"{subject.name}的矫正期将于{subject.term_end:%Y-%m-%d}届满，请做好解除矫正准备。",
                             as_of=as_of, link=f"/subjects/{subject.id}", data=data, dedupe_key=key)
            if subject.id in supervisee_of:
                created += notify([supervisee_of[subject.id]], kind="term_ending", title="矫正期即将届满",
                                  body=f"您的社区矫正期将于{subject.term_end:%Y-%m-%d}届满，请按司法所通知办理解除矫正手续。",
                                  as_of=as_of, link="/me", data=data, dedupe_key=key)
            counts["subjects"] += bool(created)
            counts["notifications"] += len(created)
    return counts
