"""外出: trip requests from the mini-program, routed by days to the judicial office or the county agency, decided
once (two officers at once: one wins, one gets 409), then departure, return (销假) and extensions."""

import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from correction.clock import LOCAL_TZ, local_date
from correction.components import components
from correction.db import claim, db, transaction
from correction.errors import Conflict, Forbidden, InvalidTransition, NotFound, RuleViolation
from correction.models import (
    ApproverLevel, Destination, EventKind, LeaveKind, LeaveRequest, LeaveStatus, Subject,
    SubjectStatus, UnitKind, User,
)
from correction.rules.leave import check_leave, city_code_problem, fast_track_refusal, leave_days
from correction.rules.terms import add_months
from correction.services.accounts import supervisee_subject
from correction.services.obligations import timeline_of
from correction.services.paging import Page, page_of
from correction.services.sanctions import warnings_within
from correction.services.steps import record_step
from correction.services.scope import read_record, require_officer, subject_filter, visible_record, visible_subject
from correction.services.subjects import record_event, serialize_on
from correction.services.uploads import attach_to_leave

DECIDED = ("already_decided", "该申请已由他人处理。")
NOT_FOUND = ("leave_not_found", "外出申请不存在。")
OPEN = (LeaveStatus.submitted, LeaveStatus.forwarded, LeaveStatus.approved, LeaveStatus.departed)
PENDING = (LeaveStatus.submitted, LeaveStatus.forwarded)
AWAY = (LeaveStatus.approved, LeaveStatus.departed)


def add_destinations(destinations: list[dict], **owner: int) -> None:
    """The cities of a trip (`leave_id=`) or a permit (`permit_id=`).

    :raises RuleViolation: a code that is not a prefecture-level city.
    """
    for index, destination in enumerate(destinations):
        problem = city_code_problem(destination["city_code"])
        if problem:
            raise RuleViolation.on(f"destinations.{index}.city_code", problem)
        db.session.add(Destination(city_code=destination["city_code"], city_name=destination["city_name"],
                                   address=destination.get("address"), **owner))


def approved_days_in(subject_id: int, year: int) -> int:
    """Days of this year's approved trips (for the regional yearly cap)."""
    rows = db.session.scalars(sa.select(LeaveRequest).where(
        LeaveRequest.subject_id == subject_id, LeaveRequest.kind != LeaveKind.extension,
        LeaveRequest.status.in_((*AWAY, LeaveStatus.returned)),
        LeaveRequest.start_date <= date(year, 12, 31), LeaveRequest.end_date >= date(year, 1, 1)))
    return sum(leave_days(max(r.start_date, date(year, 1, 1)), min(r.end_date, date(year, 12, 31))) for r in rows)


def fast_track_problem(subject: Subject, today: date) -> str | None:
    """Why the subject may not use the 涉企 fast track today, or None."""
    rules = components().rules
    role = subject.enterprise_role
    level = timeline_of(subject).level_on(today, rules["classification.new_intake_strict_months"])
    since = datetime.combine(add_months(today, -rules["leave.fast_track.warning_lookback_months"]), time(0),
                             tzinfo=LOCAL_TZ)
    return fast_track_refusal(rules["leave.fast_track"], role.role if role else None,
                              role is not None and role.verified_at is not None,
                              role is not None and role.fast_track_suspended_at is not None, level,
                              warnings_within(subject.id, since) > 0)


def submit_leave(user: User, *, as_of: datetime, destinations: list[dict], start_date: date, end_date: date,
                 reason_type: str, reason: str, itinerary: str | None = None, fast_track: bool = False,
                 attachments: list[int] = ()) -> LeaveRequest:
    """A trip request, routed by its days; short notice is a warning, caps and conflicts refuse it.

    :raises RuleViolation: dates, reason or destinations break a rule, or the fast track is not open to them.
    :raises Conflict: another open request overlaps these dates.
    :raises InvalidTransition: the subject is not under correction.
    """
    rules = components().rules
    today = local_date(as_of)
    with transaction():
        subject = supervisee_subject(user)
        if subject.status != SubjectStatus.under_correction:
            raise InvalidTransition("not_under_correction", "报到后、矫正期间才能申请外出。")
        if fast_track and (refusal := fast_track_problem(subject, today)):
            raise RuleViolation.on("fast_track", refusal, "fast_track_not_eligible")
        check = check_leave(rules.section("leave"), today, start_date, end_date, reason_type, fast_track,
                            approved_days_in(subject.id, start_date.year))
        if check.problem:
            raise RuleViolation.on(*check.problem)
        if end_date > subject.term_end:
            raise RuleViolation.on("end_date", "外出不得超过矫正期满日期。")
        overlap = db.session.scalar(sa.select(LeaveRequest.id).where(
            LeaveRequest.subject_id == subject.id, LeaveRequest.status.in_(OPEN),
            LeaveRequest.start_date <= end_date, LeaveRequest.end_date >= start_date))
        if overlap:
            raise Conflict("leave_overlap", "与已有的外出申请时间重叠。")
        serialize_on(subject)  # the overlap check holds against a concurrent request of the same subject
        request = LeaveRequest(
            subject_id=subject.id, kind=LeaveKind.trip, reason_type=reason_type, reason=reason, itinerary=itinerary,
            start_date=start_date, end_date=end_date, days=check.days,
            approver_level=ApproverLevel(check.approver_level),
            fast_track=fast_track, short_notice="short_notice" in check.warnings, warnings=list(check.warnings),
            status=LeaveStatus.submitted, submitted_at=as_of,
            decision_due_at=as_of + timedelta(hours=rules["leave.fast_track"]["decision_hours"]) if fast_track
            else None)
        db.session.add(request)
        db.session.flush()
        add_destinations(destinations, leave_id=request.id)
        attach_to_leave(subject, request.id, attachments)
        record_step("submitted", user, as_of, reason, leave_id=request.id)
    return request


def _visible(actor: User, request_id: int) -> LeaveRequest:
    return visible_record(actor, LeaveRequest, request_id, NOT_FOUND)


def get_request(actor: User, request_id: int) -> LeaveRequest:
    """One request with its steps, for officers and inspectors (the inspection list links to it).

    :raises NotFound: missing or outside the actor's scope.
    """
    return read_record(actor, LeaveRequest, request_id, NOT_FOUND, "leave")


def decide(actor: User, request_id: int, *, as_of: datetime, approve: bool, opinion: str | None) -> LeaveRequest:
    """Approve, forward or reject at the actor's level.

    A judicial office approves within its authority and forwards above it with its opinion; only the county
    agency decides a forwarded or county-level request.

    :raises NotFound: missing or outside the officer's scope.
    :raises Forbidden: a judicial office deciding a request already forwarded to the county agency.
    :raises Conflict: already decided (or decided at the same moment by someone else).
    """
    require_officer(actor)
    with transaction():
        request = _visible(actor, request_id)
        if request.status not in PENDING:
            raise Conflict("already_decided", "该申请已由他人处理。")
        at_county = actor.unit.kind == UnitKind.county_agency
        if request.status == LeaveStatus.forwarded and not at_county:
            raise Forbidden("county_decides", "该申请已报县级社区矫正机构审批，司法所不能作出决定。")
        before = request.status
        if request.approver_level == ApproverLevel.county_agency and not at_county:
            # Above the office's authority: its opinion, favourable or not, goes to the county agency.
            claim(request, (before,), DECIDED, status=LeaveStatus.forwarded)
            step, opinion = "forwarded", f"{'拟同意' if approve else '拟不同意'}：{opinion or ''}"
        elif not approve:
            claim(request, (before,), DECIDED, status=LeaveStatus.rejected, decided_at=as_of, decided_by_id=actor.id)
            step = "rejected"
        else:
            claim(request, (before,), DECIDED, status=LeaveStatus.approved, decided_at=as_of, decided_by_id=actor.id)
            step = "approved"
            if request.kind == LeaveKind.extension:
                original = db.session.get(LeaveRequest, request.extends_id)
                original.end_date, original.days = request.end_date, leave_days(original.start_date, request.end_date)
        record_step(step, actor, as_of, opinion, leave_id=request.id)
    return request


def cancel(user: User, request_id: int, *, as_of: datetime) -> LeaveRequest:
    """The supervisee withdraws a request before departure.

    :raises InvalidTransition: decided against, departed or over.
    """
    with transaction():
        request = _own(user, request_id)
        if request.status not in (*PENDING, LeaveStatus.approved) or request.departed_at is not None:
            raise InvalidTransition("cannot_cancel", "已出发或已结束的外出不能撤回。")
        claim(request, (request.status,), DECIDED, status=LeaveStatus.cancelled)
        record_step("cancelled", user, as_of, leave_id=request.id)
    return request


def _own(user: User, request_id: int) -> LeaveRequest:
    subject = supervisee_subject(user)
    request = db.session.get(LeaveRequest, request_id)
    if request is None or request.subject_id != subject.id:
        raise NotFound("leave_not_found", "外出申请不存在。")
    return request


def depart(user: User, request_id: int, *, as_of: datetime) -> LeaveRequest:
    """The supervisee reports leaving (on or after the approved start).

    :raises InvalidTransition: not approved, or before the start date.
    """
    with transaction():
        request = _own(user, request_id)
        if request.status != LeaveStatus.approved or local_date(as_of) < request.start_date:
            raise InvalidTransition("cannot_depart", "只有已批准的外出在开始日期后才能报告出发。")
        claim(request, (LeaveStatus.approved,), DECIDED, status=LeaveStatus.departed, departed_at=as_of)
        record_step("departed", user, as_of, leave_id=request.id)
    return request


def return_from(user: User, request_id: int, *, as_of: datetime, location: dict) -> LeaveRequest:
    """销假: back home, with a location fix; a return after the end date stays visible as late.

    :raises InvalidTransition: the trip is not approved or under way.
    """
    with transaction():
        request = _own(user, request_id)
        if request.status not in AWAY or request.kind == LeaveKind.extension:
            raise InvalidTransition("cannot_return", "只有已批准或已出发的外出才能销假。")
        claim(request, (request.status,), DECIDED, status=LeaveStatus.returned, returned_at=as_of,
              return_lat=location["lat"], return_lng=location["lng"], return_coord_type=location["coord_type"],
              return_accuracy_m=location.get("accuracy_m"))
        late = local_date(as_of) > request.end_date
        record_step("returned", user, as_of, "逾期销假" if late else None, leave_id=request.id)
    return request


def extend(user: User, request_id: int, *, as_of: datetime, end_date: date, reason: str) -> LeaveRequest:
    """Ask for a later end date; it goes to the level that approved the trip.

    :raises InvalidTransition: the trip is not approved or under way, or an extension is already pending.
    :raises RuleViolation: the new end date is not later, or breaks a cap.
    """
    with transaction():
        original = _own(user, request_id)
        if original.status not in AWAY or original.kind == LeaveKind.extension:
            raise InvalidTransition("cannot_extend", "只有已批准或已出发的外出才能申请延期。")
        if end_date <= original.end_date:
            raise RuleViolation.on("end_date", "延期后的结束日期应晚于原结束日期。")
        pending = db.session.scalar(sa.select(LeaveRequest.id).where(
            LeaveRequest.extends_id == original.id, LeaveRequest.status.in_(PENDING)))
        if pending:
            raise InvalidTransition("extension_pending", "已有待审批的延期申请。")
        subject = db.session.get(Subject, original.subject_id)
        cap = components().rules["leave.per_trip_max_days"]
        if end_date > subject.term_end or (cap and leave_days(original.start_date, end_date) > cap):
            raise RuleViolation.on("end_date", "延期后超过单次外出上限或矫正期满日期。")
        request = LeaveRequest(
            subject_id=original.subject_id, kind=LeaveKind.extension, extends_id=original.id,
            reason_type=original.reason_type, reason=reason, start_date=original.end_date + timedelta(days=1),
            end_date=end_date, days=(end_date - original.end_date).days, approver_level=original.approver_level,
            fast_track=original.fast_track, warnings=[], status=LeaveStatus.submitted, submitted_at=as_of)
        db.session.add(request)
        db.session.flush()
        record_step("submitted", user, as_of, reason, leave_id=request.id)
    return request


def own_requests(user: User, page: int, per_page: int) -> Page:
    subject = supervisee_subject(user)
    return page_of(sa.select(LeaveRequest).where(LeaveRequest.subject_id == subject.id)
                   .order_by(LeaveRequest.submitted_at.desc(), LeaveRequest.id.desc()), page, per_page)


def queue(actor: User, page: int, per_page: int, status: str | None = "pending") -> Page:
    """Requests in scope; `pending` means waiting at the actor's level, fast track first by time left."""
    stmt = sa.select(LeaveRequest).join(Subject).where(subject_filter(actor))
    if status == "pending":
        at_county = actor.unit is not None and actor.unit.kind == UnitKind.county_agency
        stmt = stmt.where(LeaveRequest.status.in_(PENDING) if at_county
                          else LeaveRequest.status == LeaveStatus.submitted)
    elif status is not None:
        stmt = stmt.where(LeaveRequest.status == status)
    stmt = stmt.order_by(LeaveRequest.fast_track.desc(), LeaveRequest.decision_due_at.asc(),
                         LeaveRequest.submitted_at.asc(), LeaveRequest.id)
    return page_of(stmt, page, per_page)


def overdue_returns(as_of: datetime, scope: sa.ColumnElement[bool] | None = None) -> list[LeaveRequest]:
    """未按时销假: trips approved or under way whose end date has passed without a return."""
    stmt = sa.select(LeaveRequest).join(Subject).where(
        LeaveRequest.status.in_(AWAY), LeaveRequest.kind != LeaveKind.extension,
        LeaveRequest.end_date < local_date(as_of))
    if scope is not None:
        stmt = stmt.where(scope)
    return list(db.session.scalars(stmt.order_by(LeaveRequest.end_date, LeaveRequest.id)))


def approved_in_month(county_id: int, month_start: date) -> list[LeaveRequest]:
    """The monthly list for the procuratorate: trips approved in the month, in the county."""
    month_end = (month_start.replace(day=28) + timedelta(days=4)).replace(day=1)
    start, end = (datetime.combine(d, time(0), tzinfo=LOCAL_TZ) for d in (month_start, month_end))
    return list(db.session.scalars(sa.select(LeaveRequest).join(Subject).where(
        Subject.county_id == county_id, LeaveRequest.decided_at >= start, LeaveRequest.decided_at < end,
        LeaveRequest.status.in_((*AWAY, LeaveStatus.returned)))
        .order_by(LeaveRequest.decided_at, LeaveRequest.id)))


@dataclass(frozen=True)
class FastTrackStats:
    decided: int
    median_hours: float | None
    within_deadline_share: float | None


def fast_track_stats(scope: sa.ColumnElement[bool], start: datetime, end: datetime) -> FastTrackStats:
    """Decision times of fast-track requests submitted in [start, end): median hours and share within deadline."""
    rows = db.session.execute(sa.select(LeaveRequest.submitted_at, LeaveRequest.decided_at,
                                        LeaveRequest.decision_due_at).join(Subject).where(
        scope, LeaveRequest.fast_track.is_(True), LeaveRequest.kind == LeaveKind.trip,
        LeaveRequest.decided_at.is_not(None), LeaveRequest.submitted_at >= start,
        LeaveRequest.submitted_at < end)).all()
    if not rows:
        return FastTrackStats(0, None, None)
    hours = [(decided - submitted).total_seconds() / 3600 for submitted, decided, _ in rows]
    within = sum(1 for _, decided, due in rows if decided <= due)
    return FastTrackStats(len(rows), round(statistics.median(hours), 2), round(within / len(rows), 4))


def escalate_missed_fast_track(as_of: datetime) -> list[LeaveRequest]:
    """Fast-track requests still undecided past their deadline: mark each once (escalated to the county agency's
    head) and return the newly escalated ones, for the scheduler to notify. A second call marks nothing twice."""
    with transaction():
        due = list(db.session.scalars(sa.select(LeaveRequest).where(
            LeaveRequest.fast_track.is_(True), LeaveRequest.status.in_(PENDING),
            LeaveRequest.decision_due_at < as_of, LeaveRequest.escalated_at.is_(None)).with_for_update()))
        for request in due:
            request.escalated_at = as_of
            record_step("escalated", None, as_of, "涉企简捷审批超过时限，已报县级社区矫正机构负责人",
                        leave_id=request.id)
    return due


def overdue_returns_in_scope(actor: User, as_of: datetime) -> list[LeaveRequest]:
    """The officer's or inspector's view of 未按时销假."""
    return overdue_returns(as_of, subject_filter(actor))


def monthly_list(actor: User, month_start: date) -> list[LeaveRequest]:
    """The month's approved trips of the actor's county (the list sent to the procuratorate each month).

    :raises Forbidden: the actor belongs to no county.
    """
    county_id = actor.unit.county_id if actor.unit else None
    if county_id is None:
        raise Forbidden("forbidden", "当前账号不属于任何县级机构。")
    return approved_in_month(county_id, month_start)


def fast_track_stats_in_scope(actor: User, first_day: date, last_day: date) -> FastTrackStats:
    """Fast-track decision times for requests submitted between two days (inclusive), in the actor's scope."""
    start = datetime.combine(first_day, time(0), tzinfo=LOCAL_TZ)
    end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=LOCAL_TZ)
    return fast_track_stats(subject_filter(actor), start, end)


def set_fast_track(actor: User, subject_id: int, *, as_of: datetime, suspended: bool, reason: str) -> Subject:
    """Withdraw the 涉企 fast track after a violation, or restore it; recorded in the subject's history.

    :raises NotFound: missing or outside scope.
    :raises InvalidTransition: the subject has no enterprise role.
    """
    require_officer(actor)
    with transaction():
        subject = visible_subject(actor, subject_id)
        role = subject.enterprise_role
        if role is None:
            raise InvalidTransition("no_enterprise_role", "该对象没有登记民营企业任职信息。")
        role.fast_track_suspended_at = as_of if suspended else None
        role.fast_track_suspended_reason = reason if suspended else None
        record_event(subject, EventKind.enterprise_role, actor, as_of,
                     to_value="fast_track_suspended" if suspended else "fast_track_restored", reason=reason)
    return subject
