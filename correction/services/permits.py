"""经常性跨市县: standing permits for listed cities, approved once by the county agency for up to
`travel_permit.max_validity_months`, then trips under them notified (报备) instead of requested; 销假 of such a
trip is the ordinary leave return."""

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from correction.clock import local_date
from correction.components import components
from correction.db import claim, db, transaction
from correction.errors import Conflict, Forbidden, InvalidTransition, NotFound, RuleViolation
from correction.models import (
    ApproverLevel, LeaveKind, LeaveRequest, LeaveStatus, PermitStatus, Subject, SubjectStatus, TravelPermit, User,
)
from correction.rules.leave import leave_days
from correction.rules.terms import add_months
from correction.services.accounts import supervisee_subject
from correction.services.leave import DECIDED, OPEN, add_destinations, fast_track_problem
from correction.services.steps import record_step
from correction.services.paging import Page, page_of
from correction.services.subjects import serialize_on
from correction.services.scope import is_county_officer, require_officer, subject_filter, visible_record

# A trip under a permit has no reason type of its own (the permit's reason covers it); this one is in the
# `leave.reason_types` list, so the leave lists and statistics read it like any other trip.
TRIP_REASON_TYPE = "work"


def _check_validity(subject: Subject, today: date, valid_from: date, valid_to: date) -> None:
    """From today or later, to no earlier than the start, at most the rule's months (both ends counted, as for a
    term), and not past the end of the correction term.

    :raises RuleViolation: on `valid_from` or `valid_to`.
    """
    months = components().rules["travel_permit.max_validity_months"]
    if valid_from < today:
        raise RuleViolation.on("valid_from", "有效期开始日期不能早于今天。")
    if valid_to < valid_from:
        raise RuleViolation.on("valid_to", "有效期结束日期不能早于开始日期。")
    if valid_to >= add_months(valid_from, months):
        raise RuleViolation.on("valid_to", f"经常性跨市县活动一次审批的有效期不得超过{months}个月。")
    if valid_to > subject.term_end:
        raise RuleViolation.on("valid_to", "有效期不得超过矫正期满日期。")


def submit_permit(user: User, *, as_of: datetime, destinations: list[dict], valid_from: date, valid_to: date,
                  reason: str, frequency: str, fast_track: bool = False) -> TravelPermit:
    """The supervisee applies for a standing permit; the county agency decides it (by the fast-track deadline
    when the 涉企 fast track applies).

    :raises InvalidTransition: the subject is not under correction.
    :raises RuleViolation: validity, destinations or fast-track eligibility break a rule.
    """
    today = local_date(as_of)
    with transaction():
        subject = supervisee_subject(user)
        if subject.status != SubjectStatus.under_correction:
            raise InvalidTransition("not_under_correction", "报到后、矫正期间才能申请经常性跨市县活动。")
        if fast_track and (refusal := fast_track_problem(subject, today)):
            raise RuleViolation.on("fast_track", refusal, "fast_track_not_eligible")
        _check_validity(subject, today, valid_from, valid_to)
        if not destinations:
            raise RuleViolation.on("destinations", "至少填写一个目的地城市。")
        hours = components().rules["leave.fast_track"]["decision_hours"]
        permit = TravelPermit(subject_id=subject.id, reason=reason, frequency=frequency, valid_from=valid_from,
                              valid_to=valid_to, fast_track=fast_track, status=PermitStatus.submitted,
                              submitted_at=as_of,
                              decision_due_at=as_of + timedelta(hours=hours) if fast_track else None)
        db.session.add(permit)
        db.session.flush()
        add_destinations(destinations, permit_id=permit.id)
        record_step("submitted", user, as_of, reason, permit_id=permit.id)
    return permit


def _visible(actor: User, permit_id: int) -> TravelPermit:
    return visible_record(actor, TravelPermit, permit_id, ("permit_not_found", "经常性跨市县活动申请不存在。"))


def _own(user: User, permit_id: int) -> TravelPermit:
    subject = supervisee_subject(user)
    permit = db.session.get(TravelPermit, permit_id)
    if permit is None or permit.subject_id != subject.id:
        raise NotFound("permit_not_found", "经常性跨市县活动申请不存在。")
    return permit


def _county_permit(actor: User, permit_id: int) -> TravelPermit:
    """A permit in scope that the actor, a county-agency officer, may decide on.

    :raises Forbidden: not an officer, or an officer of a judicial office.
    :raises NotFound: missing or outside the officer's scope.
    """
    require_officer(actor)
    permit = _visible(actor, permit_id)
    if not is_county_officer(actor):
        raise Forbidden("county_decides", "经常性跨市县活动由县级社区矫正机构审批，司法所不能作出决定。")
    return permit


def decide_permit(actor: User, permit_id: int, *, as_of: datetime, approve: bool,
                  opinion: str | None) -> TravelPermit:
    """The county agency approves or rejects a submitted permit, once.

    :raises NotFound: missing or outside the officer's scope.
    :raises Forbidden: the actor is not a county-agency officer.
    :raises Conflict: already decided, or decided at the same moment by someone else.
    :raises InvalidTransition: approving for a subject no longer under correction.
    """
    with transaction():
        permit = _county_permit(actor, permit_id)
        if permit.status != PermitStatus.submitted:
            raise Conflict("already_decided", "该申请已由他人处理。")
        if approve and permit.subject.status != SubjectStatus.under_correction:
            raise InvalidTransition("not_under_correction", "矫正对象已不在矫正期间，不能批准。")
        status = PermitStatus.approved if approve else PermitStatus.rejected
        claim(permit, (PermitStatus.submitted,), DECIDED, status=status, decided_at=as_of, decided_by_id=actor.id)
        record_step(status.value, actor, as_of, opinion, permit_id=permit.id)
    return permit


def _cancel_trips_not_begun(permit: TravelPermit, actor: User, as_of: datetime, opinion: str) -> None:
    """Trips notified under the permit that have not begun lose their ground; trips under way stay open, so the
    supervisee still returns (销假) through the leave endpoints."""
    trips = db.session.scalars(sa.select(LeaveRequest).where(
        LeaveRequest.permit_id == permit.id, LeaveRequest.status == LeaveStatus.approved,
        LeaveRequest.departed_at.is_(None), LeaveRequest.start_date > local_date(as_of))).all()
    for trip in trips:
        done = db.session.execute(sa.update(LeaveRequest).where(
            LeaveRequest.id == trip.id, LeaveRequest.status == LeaveStatus.approved,
            LeaveRequest.version == trip.version).values(version=trip.version + 1, status=LeaveStatus.cancelled)
        ).rowcount
        if done == 1:  # otherwise the supervisee reported departure meanwhile: the trip goes on
            record_step("cancelled", actor, as_of, opinion, leave_id=trip.id)
        db.session.expire(trip)


def revoke_permit(actor: User, permit_id: int, *, as_of: datetime, reason: str) -> TravelPermit:
    """The county agency revokes an approved permit after a violation; trips not yet begun are cancelled.

    :raises NotFound: missing or outside the officer's scope.
    :raises Forbidden: the actor is not a county-agency officer.
    :raises InvalidTransition: the permit is not approved (or was changed at the same moment).
    """
    with transaction():
        permit = _county_permit(actor, permit_id)
        if permit.status != PermitStatus.approved:
            raise InvalidTransition("cannot_revoke", "只有已批准的经常性跨市县活动许可才能撤销。")
        claim(permit, (PermitStatus.approved,), DECIDED, status=PermitStatus.revoked)
        record_step("revoked", actor, as_of, reason, permit_id=permit.id)
        _cancel_trips_not_begun(permit, actor, as_of, f"许可已撤销：{reason}")
    return permit


def cancel_permit(user: User, permit_id: int, *, as_of: datetime) -> TravelPermit:
    """The supervisee withdraws an application, or gives up an approved permit (trips not yet begun go with it).

    :raises NotFound: not the supervisee's own permit.
    :raises InvalidTransition: rejected, revoked or already cancelled.
    """
    with transaction():
        permit = _own(user, permit_id)
        if permit.status not in (PermitStatus.submitted, PermitStatus.approved):
            raise InvalidTransition("cannot_cancel", "已驳回、已撤销或已撤回的申请不能撤回。")
        was_approved = permit.status == PermitStatus.approved
        claim(permit, (permit.status,), DECIDED, status=PermitStatus.cancelled)
        record_step("cancelled", user, as_of, permit_id=permit.id)
        if was_approved:
            _cancel_trips_not_begun(permit, user, as_of, "本人撤回经常性跨市县活动许可。")
    return permit


def notify_trip(user: User, permit_id: int, *, as_of: datetime, city_code: str, depart_date: date,
                return_date: date) -> LeaveRequest:
    """报备 one trip under an approved permit: an approved trip at once, returned (销假) like any other trip.

    :raises NotFound: not the supervisee's own permit.
    :raises InvalidTransition: the permit is not approved, or the subject is not under correction.
    :raises RuleViolation: dates outside the validity, or a city the permit does not list.
    :raises Conflict: another open trip of the subject overlaps these dates.
    """
    today = local_date(as_of)
    with transaction():
        permit = _own(user, permit_id)
        subject = permit.subject
        if subject.status != SubjectStatus.under_correction:
            raise InvalidTransition("not_under_correction", "报到后、矫正期间才能报备外出。")
        if permit.status != PermitStatus.approved:
            raise InvalidTransition("permit_not_approved", "该经常性跨市县活动许可未获批准或已失效。")
        if depart_date < max(today, permit.valid_from):
            raise RuleViolation.on("depart_date", "出发日期不能早于今天，也不能早于许可有效期开始日期。")
        if return_date < depart_date:
            raise RuleViolation.on("return_date", "返回日期不能早于出发日期。")
        if return_date > min(permit.valid_to, subject.term_end):
            raise RuleViolation.on("return_date", "返回日期不能晚于许可有效期结束日期。")
        destination = next((d for d in permit.destinations if d.city_code == city_code), None)
        if destination is None:
            raise RuleViolation.on("city_code", "该城市不在许可列明的目的地范围内。", "destination_not_permitted")
        overlap = db.session.scalar(sa.select(LeaveRequest.id).where(
            LeaveRequest.subject_id == subject.id, LeaveRequest.status.in_(OPEN),
            LeaveRequest.start_date <= return_date, LeaveRequest.end_date >= depart_date))
        if overlap:
            raise Conflict("leave_overlap", "与已有的外出申请时间重叠。")
        serialize_on(subject)  # the overlap check holds against a concurrent notice of the same subject
        trip = LeaveRequest(
            subject_id=subject.id, kind=LeaveKind.permit_trip, permit_id=permit.id, reason_type=TRIP_REASON_TYPE,
            reason=permit.reason, start_date=depart_date, end_date=return_date,
            days=leave_days(depart_date, return_date), approver_level=ApproverLevel.county_agency,
            fast_track=permit.fast_track, warnings=[], status=LeaveStatus.approved, submitted_at=as_of,
            decided_at=as_of, decided_by_id=permit.decided_by_id)
        db.session.add(trip)
        db.session.flush()
        add_destinations([{"city_code": destination.city_code, "city_name": destination.city_name,
                           "address": destination.address}], leave_id=trip.id)
        record_step("notified", user, as_of, f"依经常性跨市县活动许可（第{permit.id}号）报备", leave_id=trip.id)
    return trip


def own_permits(user: User, page: int, per_page: int) -> Page:
    """The supervisee's permits, newest first."""
    subject = supervisee_subject(user)
    return page_of(sa.select(TravelPermit).where(TravelPermit.subject_id == subject.id)
                   .order_by(TravelPermit.submitted_at.desc(), TravelPermit.id.desc()), page, per_page)


def list_permits(actor: User, page: int, per_page: int, status: PermitStatus | None = None) -> Page:
    """Permits of subjects in scope: fast track first by its deadline, then the oldest application first."""
    stmt = sa.select(TravelPermit).join(Subject).where(subject_filter(actor))
    if status is not None:
        stmt = stmt.where(TravelPermit.status == status)
    return page_of(stmt.order_by(TravelPermit.fast_track.desc(), TravelPermit.decision_due_at.asc(),
                                 TravelPermit.submitted_at.asc(), TravelPermit.id), page, per_page)
