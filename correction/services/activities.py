"""Activity records (日常管理): 教育学习 and 公益活动 hours, 个别谈话 and 走访, with the monthly totals they owe.

Officers record activities directly (confirmed); a supervisee may submit education or public-welfare work
about themself, which counts only once an officer confirms it. Durations are stored in whole minutes.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction

import sqlalchemy as sa

from correction.clock import local_date
from correction.components import components
from correction.db import accumulate, db, transaction
from correction.errors import InvalidTransition, NotFound, RuleViolation
from correction.models import (
    ACTIVE_STATUSES, Activity, ActivityKind, ActivityStatus, ActivityTotal, Subject, SubjectStatus, User,
)
from correction.rules.obligations import Timeline
from correction.rules.periods import Period, period_containing
from correction.services.accounts import supervisee_subject
from correction.services.obligations import timeline_of
from correction.services.paging import Page, page_of
from correction.services.scope import read_subject, require_officer, subject_filter, visible_subject

# The kinds with a monthly hours quota (rule `obligations.monthly_hours`); only these may be self-submitted.
COUNTED_KINDS = (ActivityKind.education, ActivityKind.public_welfare)
# Durations are entered in half hours, at most one day: input bounds, not rules of law.
HOURS_STEP = MIN_HOURS = Fraction(1, 2)
MAX_HOURS = 24
HOURS_MESSAGE = f"时长应在{float(MIN_HOURS)}到{MAX_HOURS}小时之间，并以{float(HOURS_STEP)}小时为单位。"


@dataclass(frozen=True)
class MonthOfActivities:
    """One page of a subject's activities in a month, with the month's hours against the quota."""

    items: list[Activity]
    page: int
    per_page: int
    total: int
    totals: dict


def minutes_from_hours(hours) -> int:
    """Whole minutes of a duration given in hours (0.5 to 24, in steps of 0.5).

    :raises RuleViolation: out of range or not a multiple of half an hour.
    """
    try:  # exactly: 0.3 h is refused, not rounded
        exact = None if isinstance(hours, bool | str) else Fraction(hours)
    except (TypeError, ValueError, OverflowError):  # not a number, NaN, infinity
        exact = None
    if exact is None or not MIN_HOURS <= exact <= MAX_HOURS or (exact / HOURS_STEP).denominator != 1:
        raise RuleViolation.on("hours", HOURS_MESSAGE)
    return int(exact * 60)


def month_of(day: date) -> Period:
    """The calendar month holding `day`."""
    return period_containing("monthly", day, day)


def hours_against_quota(timeline: Timeline, month_start: date, today: date, strict_months: int, quotas: dict,
                        minutes: Mapping[tuple[str, str], int]) -> dict:
    """The month's required, confirmed and pending hours of each counted kind.

    The quota is the one of the level governing the month's last day (today's while the month runs, the last
    day before the file closed in its final month); a month in which the subject was never under correction
    requires nothing (`required_hours` None). `minutes` sums the month's records by (kind, status).
    """
    month = month_of(month_start)
    under_correction = (timeline.reported_in_on is not None and timeline.reported_in_on <= month.end
                        and (timeline.ended_on is None or timeline.ended_on > month.start))
    last_day = min(month.end, today)
    if timeline.ended_on is not None:
        last_day = min(last_day, timeline.ended_on - timedelta(days=1))
    level = timeline.level_on(last_day, strict_months) if under_correction else None
    totals: dict = {"month": month.start, "level": None if level is None else str(level)}
    for kind in COUNTED_KINDS:
        totals[str(kind)] = {
            "required_hours": quotas[str(kind)][str(level)] if level is not None else None,
            "confirmed_hours": minutes.get((str(kind), str(ActivityStatus.confirmed)), 0) / 60,
            "pending_hours": minutes.get((str(kind), str(ActivityStatus.pending)), 0) / 60,
        }
    return totals


def monthly_hours(subject: Subject, month_start: date, as_of: datetime) -> dict:
    """Education and public-welfare hours of the month holding `month_start`: required, confirmed, pending."""
    rules = components().rules
    month = month_of(month_start)
    rows = db.session.execute(
        sa.select(Activity.kind, Activity.status, sa.func.sum(Activity.minutes))
        .where(Activity.subject_id == subject.id, Activity.occurred_on >= month.start,
               Activity.occurred_on <= month.end, Activity.kind.in_(COUNTED_KINDS))
        .group_by(Activity.kind, Activity.status))
    minutes = {(str(kind), str(status)): int(total) for kind, status, total in rows}
    return hours_against_quota(timeline_of(subject), month.start, local_date(as_of),
                               rules["classification.new_intake_strict_months"],
                               rules["obligations.monthly_hours"], minutes)


def count_confirmed(activity: Activity) -> None:
    """Adds a confirmed activity to its month's total (read by the overdue query), in the caller's transaction."""
    accumulate(ActivityTotal, {"month": month_of(activity.occurred_on).start, "kind": ActivityKind(activity.kind),
                               "subject_id": activity.subject_id}, "minutes", activity.minutes)


def rebuild_totals() -> int:
    """Recompute every monthly total from the confirmed activities (after a bulk load, or to repair); returns
    the number of totals. In the caller's transaction."""
    if db.session.get_bind().dialect.name == "postgresql":
        month = sa.cast(sa.func.date_trunc("month", Activity.occurred_on), sa.Date)
    else:
        month = sa.func.date(Activity.occurred_on, "start of month")
    db.session.execute(sa.delete(ActivityTotal))
    sums = sa.select(month, Activity.kind, Activity.subject_id, sa.func.sum(Activity.minutes)) \
        .where(Activity.status == ActivityStatus.confirmed).group_by(month, Activity.kind, Activity.subject_id)
    return db.session.execute(sa.insert(ActivityTotal).from_select(
        ["month", "kind", "subject_id", "minutes"], sums)).rowcount


def _check_open(subject: Subject) -> None:
    if subject.status not in ACTIVE_STATUSES:
        raise InvalidTransition("subject_closed", "矫正已解除或终止，档案不可再修改。")
    if subject.status != SubjectStatus.under_correction:
        raise InvalidTransition("not_reported_in", "矫正对象尚未报到，不能登记活动。")


def _new_activity(subject: Subject, recorded_by: User, as_of: datetime, kind: ActivityKind, occurred_on: date,
                  hours, note: str | None, status: ActivityStatus) -> Activity:
    _check_open(subject)
    kind = ActivityKind(kind)
    if occurred_on > local_date(as_of):
        raise RuleViolation.on("occurred_on", "活动日期不能晚于今天。")
    if occurred_on < subject.reported_in_on:
        raise RuleViolation.on("occurred_on", "活动日期不能早于报到日期。")
    minutes = minutes_from_hours(hours)
    decided = status != ActivityStatus.pending
    activity = Activity(subject_id=subject.id, kind=kind, occurred_on=occurred_on, minutes=minutes, note=note,
                        status=status, recorded_by_id=recorded_by.id,
                        decided_by_id=recorded_by.id if decided else None, decided_at=as_of if decided else None,
                        created_at=as_of)
    db.session.add(activity)
    if status == ActivityStatus.confirmed:
        count_confirmed(activity)
    return activity


def record_activity(actor: User, subject_id: int, *, as_of: datetime, kind: ActivityKind, occurred_on: date,
                    hours, note: str | None = None) -> Activity:
    """An officer records an activity of a subject in scope; it counts at once (confirmed).

    :raises Forbidden: the actor is not an officer.
    :raises NotFound: the subject is missing or outside the actor's scope.
    :raises InvalidTransition: the file is closed, or the subject has not reported in.
    :raises RuleViolation: a date in the future or before the report-in; hours out of range or step.
    """
    require_officer(actor)
    with transaction():
        subject = visible_subject(actor, subject_id)
        activity = _new_activity(subject, actor, as_of, kind, occurred_on, hours, note, ActivityStatus.confirmed)
    return activity


def submit_activity(user: User, *, as_of: datetime, kind: ActivityKind, occurred_on: date, hours,
                    note: str | None = None) -> Activity:
    """A supervisee submits education or public-welfare work of their own; it counts once confirmed.

    :raises Unauthorized: the user is not a bound supervisee.
    :raises InvalidTransition: the file is closed, or the subject has not reported in.
    :raises RuleViolation: another kind; a date in the future or before the report-in; hours out of range.
    """
    with transaction():
        subject = supervisee_subject(user)
        if ActivityKind(kind) not in COUNTED_KINDS:
            raise RuleViolation.on("kind", "只能自行申报教育学习或公益活动。", "kind_not_self_reportable")
        activity = _new_activity(subject, user, as_of, kind, occurred_on, hours, note, ActivityStatus.pending)
    return activity


def decide_activity(actor: User, activity_id: int, *, as_of: datetime, confirm: bool,
                    note: str | None = None) -> Activity:
    """An officer confirms or rejects a submitted activity; exactly one decision is taken.

    The model keeps one note, so a decision note is appended to the submitted one as 审核意见.

    :raises Forbidden: the actor is not an officer.
    :raises NotFound: the activity is missing or its subject outside the actor's scope.
    :raises InvalidTransition: already decided (also when two officers decide at once), or the file is closed.
    """
    require_officer(actor)
    with transaction():
        activity = db.session.scalar(sa.select(Activity).join(Subject, Subject.id == Activity.subject_id)
                                     .where(Activity.id == activity_id, subject_filter(actor)))
        if activity is None:
            raise NotFound("activity_not_found", "活动记录不存在。")
        subject = db.session.get(Subject, activity.subject_id)
        if subject.status not in ACTIVE_STATUSES:
            raise InvalidTransition("subject_closed", "矫正已解除或终止，档案不可再修改。")
        combined = activity.note
        if note:
            combined = "\n".join(filter(None, [activity.note, f"审核意见：{note}"]))
        # The conditional update is the claim: of two officers deciding at once, exactly one wins.
        claimed = db.session.execute(
            sa.update(Activity)
            .where(Activity.id == activity.id, Activity.status == ActivityStatus.pending)
            .values(status=ActivityStatus.confirmed if confirm else ActivityStatus.rejected,
                    decided_by_id=actor.id, decided_at=as_of, note=combined)
            .execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            raise InvalidTransition("already_decided", "该活动记录已审核，不能重复审核。")
        db.session.refresh(activity)
        if confirm:
            count_confirmed(activity)
    return activity


def _month_page(subject: Subject, month_start: date | None, as_of: datetime, page: int,
                per_page: int) -> MonthOfActivities:
    today = local_date(as_of)
    month = month_of(month_start or today)
    if month.start > today:
        raise RuleViolation.on("month", "不能查询未来的月份。")
    stmt = (sa.select(Activity)
            .where(Activity.subject_id == subject.id, Activity.occurred_on >= month.start,
                   Activity.occurred_on <= month.end)
            .order_by(Activity.occurred_on.desc(), Activity.id.desc()))
    found: Page = page_of(stmt, page, per_page)
    return MonthOfActivities(found.items, found.page, found.per_page, found.total,
                             monthly_hours(subject, month.start, as_of))


def list_activities(actor: User, subject_id: int, *, as_of: datetime, month: date | None = None, page: int = 1,
                    per_page: int = 20) -> MonthOfActivities:
    """A subject's activities in a month (default: this month), newest first, with the month's hours.

    :raises NotFound: the subject is missing or outside the actor's scope.
    :raises RuleViolation: a month in the future.
    """
    return _month_page(read_subject(actor, subject_id, "activities"), month, as_of, page, per_page)


def list_own_activities(user: User, *, as_of: datetime, month: date | None = None, page: int = 1,
                        per_page: int = 20) -> MonthOfActivities:
    """The supervisee's own activities in a month, with the month's hours against the quota.

    :raises Unauthorized: the user is not a bound supervisee.
    :raises RuleViolation: a month in the future.
    """
    return _month_page(supervisee_subject(user), month, as_of, page, per_page)
