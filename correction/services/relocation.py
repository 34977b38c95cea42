"""变更执行地 (change of residence): the supervisee applies, the judicial office gives its opinion, the county agency
consults the receiving county, decides and hands the file over, and the subject reports to the new agency.

When the receiving county agency is in this deployment the file moves to it at the hand-over (county, judicial
office, address), so from then on the request is in the receiving county's scope; otherwise the hand-over records
what was sent and the original county records the report-in it is told of. Every step is an ApprovalStep; every
state change is a conditional UPDATE on the status, so of two officers acting at once one wins and one gets 409.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from correction.clock import LOCAL_TZ, local_date
from correction.components import components
from correction.db import claim, db, transaction
from correction.errors import Conflict, Forbidden, InvalidTransition, RuleViolation
from correction.models import (
    ACTIVE_STATUSES, ApprovalStep, EventKind, RelocationRequest, RelocationStatus, ReleaseType, Subject,
    SubjectStatus, Unit, UnitKind, User,
)
from correction.rules import relocation as rules_of
from correction.rules.relocation import Deadlines, RelocationRules
from correction.services.accounts import supervisee_subject
from correction.services.paging import Page, page_of
from correction.services.scope import read_record, require_officer, subject_filter, visible_record
from correction.services.steps import record_step
from correction.services.subjects import record_event

OPEN = (RelocationStatus.submitted, RelocationStatus.consulting, RelocationStatus.approved,
        RelocationStatus.handed_over)
UNDECIDED = (RelocationStatus.submitted, RelocationStatus.consulting)
APPROVED = (RelocationStatus.approved, RelocationStatus.handed_over, RelocationStatus.reported)
_ALREADY_DECIDED = ("already_decided", "该申请已由他人处理或已作出决定。")
NOT_FOUND = ("relocation_not_found", "变更执行地申请不存在。")


@dataclass(frozen=True)
class Relocation:
    """A request as people see it: the row, the deadline of each step, warnings on the application."""

    request: RelocationRequest
    deadlines: Deadlines
    warnings: tuple[str, ...]
    reported_late: bool | None  # None until the report-in at the new agency is recorded


@dataclass(frozen=True)
class MissedDeadline:
    """One request past one step's deadline (kinds: consult, reply, handover, report_in)."""

    relocation_id: int
    subject_id: int
    subject_name: str
    county_id: int
    office_id: int
    kind: str
    due: date
    days_late: int


def _rules() -> RelocationRules:
    return RelocationRules.from_table(components().rules)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ)


def _deadlines(request: RelocationRequest, rules: RelocationRules) -> Deadlines:
    approved_on = local_date(request.decided_at) if request.status in APPROVED else None
    due = rules_of.deadlines(rules, move_date=request.move_date, submitted_on=local_date(request.submitted_at),
                             consult_sent_on=request.consult_sent_on, approved_on=approved_on)
    # The report-in deadline is fixed at the decision (the subject is told it); the rest follow the table.
    return replace(due, report_due=request.report_due) if request.report_due else due


def _view(request: RelocationRequest, rules: RelocationRules) -> Relocation:
    late = None if request.reported_on is None else request.reported_on > request.report_due
    return Relocation(request, _deadlines(request, rules),
                      rules_of.warnings(rules, local_date(request.submitted_at), request.move_date), late)


def _require_unit(actor: User, kind: UnitKind) -> None:
    """County-agency steps and the judicial office's opinion, checked before any lookup (so no record leaks).

    :raises Forbidden: not an officer, or an officer of the other kind of unit.
    """
    require_officer(actor)
    if actor.unit is None or actor.unit.kind != kind:
        if kind == UnitKind.county_agency:
            raise Forbidden("county_agency_only",
                            "变更执行地的征求意见、决定和移交由县级社区矫正机构办理，司法所不能操作。")
        raise Forbidden("judicial_office_only", "司法所意见只能由司法所工作人员填写。")


def _visible(actor: User, relocation_id: int) -> RelocationRequest:
    return visible_record(actor, RelocationRequest, relocation_id, NOT_FOUND)


def _writable(actor: User, relocation_id: int, expected: tuple[RelocationStatus, ...],
              refusal: tuple[str, str]) -> RelocationRequest:
    """The request in scope, its subject's file open and its status one of `expected` (else 409 `refusal`)."""
    request = _visible(actor, relocation_id)
    if request.subject.status not in ACTIVE_STATUSES:
        raise InvalidTransition("subject_closed", "矫正已解除或终止，档案不可再修改。")
    if request.status not in expected:
        raise InvalidTransition(*refusal)
    return request


def _check_day(field: str, day: date, not_before: date, today: date, what: str) -> None:
    if day > today or day < not_before:
        raise RuleViolation.on(field, f"{what}不能晚于今天，也不能早于{not_before.isoformat()}。")


def submit_relocation(user: User, *, as_of: datetime, new_address: str, new_county_code: str, reason: str,
                      move_date: date) -> Relocation:
    """变更执行地申请 from the supervisee; applying later than the rule's days ahead is a warning, not a refusal.

    :raises Unauthorized: the user is not a bound supervisee.
    :raises InvalidTransition: the file is closed, or the subject has not reported in.
    :raises RuleViolation: a county code that is not a county, the current county, or a move date out of range.
    :raises Conflict: an open request exists (also when two are submitted at once).
    """
    rules = _rules()
    with transaction():
        subject = supervisee_subject(user)
        if subject.status not in ACTIVE_STATUSES:
            raise InvalidTransition("subject_closed", "矫正已解除或终止，无需申请变更执行地。")
        if subject.status != SubjectStatus.under_correction:
            raise InvalidTransition("not_reported_in", "报到之后才能申请变更执行地。")
        problem = rules_of.county_code_problem(new_county_code)
        if problem:
            raise RuleViolation.on("new_county_code", problem)
        if new_county_code == subject.county.code:
            raise RuleViolation.on("new_county_code", "新居住地与现执行地在同一县（市、区），无需变更执行地。",
                                   "same_county")
        today = local_date(as_of)
        problem = rules_of.move_date_problem(today, move_date, subject.term_end)
        if problem:
            raise RuleViolation.on("move_date", problem)
        if db.session.scalar(sa.select(RelocationRequest.id).where(
                RelocationRequest.subject_id == subject.id, RelocationRequest.status.in_(OPEN))):
            raise Conflict("relocation_open", "已有正在办理的变更执行地申请。")
        # No unique key can say "one open request per subject", so the subject row is the claim: of two
        # applications at once, the second finds its version gone and gets 409.
        claimed = db.session.execute(sa.update(Subject).where(
            Subject.id == subject.id, Subject.version == subject.version).values(version=Subject.version + 1)).rowcount
        if claimed != 1:
            raise Conflict("relocation_open", "已有正在办理的变更执行地申请。")
        target = db.session.scalar(sa.select(Unit).where(Unit.kind == UnitKind.county_agency,
                                                         Unit.code == new_county_code))
        request = RelocationRequest(
            subject=subject, new_address=new_address, new_county_code=new_county_code, target_county=target,
            reason=reason, move_date=move_date, status=RelocationStatus.submitted, submitted_at=as_of,
            steps=[ApprovalStep(step="submitted", actor=user, at=as_of)])
        db.session.add(request)
    return _view(request, rules)


def own_relocations(user: User, page: int, per_page: int) -> Page:
    """The supervisee's requests, newest first, with steps and deadlines.

    :raises Unauthorized: the user is not a bound supervisee.
    """
    subject = supervisee_subject(user)
    return _page(sa.select(RelocationRequest).where(RelocationRequest.subject_id == subject.id)
                 .order_by(RelocationRequest.submitted_at.desc(), RelocationRequest.id.desc()), page, per_page)


def list_relocations(actor: User, page: int, per_page: int, status: str | None = None,
                     subject_id: int | None = None) -> Page:
    """Requests of subjects in scope, oldest first; `status` is one status or `open` (not yet over)."""
    stmt = (sa.select(RelocationRequest).join(Subject, Subject.id == RelocationRequest.subject_id)
            .where(subject_filter(actor)))
    if status == "open":
        stmt = stmt.where(RelocationRequest.status.in_(OPEN))
    elif status is not None:
        stmt = stmt.where(RelocationRequest.status == status)
    if subject_id is not None:
        stmt = stmt.where(RelocationRequest.subject_id == subject_id)
    return _page(stmt.order_by(RelocationRequest.submitted_at, RelocationRequest.id), page, per_page)


def _page(stmt: sa.Select, page: int, per_page: int) -> Page:
    rules = _rules()
    stmt = stmt.options(selectinload(RelocationRequest.steps).selectinload(ApprovalStep.actor),
                        selectinload(RelocationRequest.subject), selectinload(RelocationRequest.target_county))
    found = page_of(stmt, page, per_page)
    return Page([_view(r, rules) for r in found.items], found.page, found.per_page, found.total)


def get_relocation(actor: User, relocation_id: int) -> Relocation:
    """:raises NotFound: missing or outside the actor's scope."""
    return _view(read_record(actor, RelocationRequest, relocation_id, NOT_FOUND, "relocation"), _rules())


def give_opinion(actor: User, relocation_id: int, *, as_of: datetime, opinion: str) -> Relocation:
    """The judicial office's opinion (司法所意见), once, before the decision.

    :raises Forbidden: not an officer of a judicial office.
    :raises NotFound: missing or outside the officer's scope.
    :raises InvalidTransition: already decided, or the file is closed.
    :raises Conflict: the office already gave its opinion (also when two officers give it at once).
    """
    _require_unit(actor, UnitKind.judicial_office)
    with transaction():
        request = _writable(actor, relocation_id, UNDECIDED, _ALREADY_DECIDED)
        if any(step.step == "opinion" for step in request.steps):
            raise Conflict("opinion_given", "司法所已提出意见。")
        version = request.version
        claim(request, UNDECIDED, ("concurrent_update", "申请已被他人修改，请刷新后重试。"),
               RelocationRequest.version == version)
        record_step("opinion", actor, as_of, opinion, relocation_id=request.id)
    return _view(request, _rules())


def send_consultation(actor: User, relocation_id: int, *, as_of: datetime, sent_on: date) -> Relocation:
    """The county agency writes to the receiving county to verify the new residence (征求意见).

    :raises Forbidden: not an officer of a county agency.
    :raises NotFound: missing or outside the officer's scope.
    :raises InvalidTransition: already consulted or decided, or the file is closed.
    :raises RuleViolation: a date in the future or before the application.
    """
    _require_unit(actor, UnitKind.county_agency)
    with transaction():
        request = _writable(actor, relocation_id, (RelocationStatus.submitted,),
                            ("already_consulted", "已征求过接收地意见或已作出决定。"))
        _check_day("sent_on", sent_on, local_date(request.submitted_at), local_date(as_of), "发函日期")
        claim(request, (RelocationStatus.submitted,), _ALREADY_DECIDED, status=RelocationStatus.consulting,
               consult_sent_on=sent_on)
        record_step("consult_sent", actor, as_of, relocation_id=request.id)
    return _view(request, _rules())


def record_consultation_reply(actor: User, relocation_id: int, *, as_of: datetime, reply_on: date, agreed: bool,
                              note: str | None = None) -> Relocation:
    """The receiving county's written reply. A disagreement goes to the next-level agency for coordination; its
    outcome is recorded as a later reply, which replaces the earlier one (both stay in the steps).

    :raises Forbidden: not an officer of a county agency.
    :raises NotFound: missing or outside the officer's scope.
    :raises InvalidTransition: not under consultation, or the file is closed.
    :raises RuleViolation: a date in the future or before the letter.
    """
    _require_unit(actor, UnitKind.county_agency)
    with transaction():
        request = _writable(actor, relocation_id, (RelocationStatus.consulting,),
                            ("not_consulting", "尚未征求接收地意见，或已作出决定。"))
        _check_day("reply_on", reply_on, request.consult_sent_on, local_date(as_of), "回复日期")
        claim(request, (RelocationStatus.consulting,), _ALREADY_DECIDED, consult_reply_on=reply_on,
               consult_agreed=agreed)
        record_step("consult_agreed" if agreed else "consult_refused", actor, as_of, note, relocation_id=request.id)
    return _view(request, _rules())


def approve_relocation(actor: User, relocation_id: int, *, as_of: datetime, opinion: str | None = None
                       ) -> Relocation:
    """The county agency's decision to change the place of execution; the subject then owes a report-in to the
    new agency by the decision date plus the rule's days.

    :raises Forbidden: not an officer of a county agency.
    :raises NotFound: missing or outside the officer's scope.
    :raises InvalidTransition: no consultation or no favourable reply yet, or the file is closed.
    :raises Conflict: already decided (also when two officers decide at once).
    """
    _require_unit(actor, UnitKind.county_agency)
    rules = _rules()
    with transaction():
        request = _writable(actor, relocation_id, UNDECIDED, _ALREADY_DECIDED)
        if request.status == RelocationStatus.submitted:
            raise InvalidTransition("consultation_required", "须先征求接收地社区矫正机构的意见。")
        if request.consult_reply_on is None:
            raise InvalidTransition("reply_pending", "尚未收到接收地社区矫正机构的核实回复。")
        if not request.consult_agreed:
            raise InvalidTransition("receiving_county_disagreed",
                                    "接收地不同意接收，须报上一级社区矫正机构协调，并登记协调后的回复。")
        today = local_date(as_of)
        claim(request, (RelocationStatus.consulting,), _ALREADY_DECIDED, RelocationRequest.consult_agreed.is_(True),
               status=RelocationStatus.approved, decided_at=as_of, decided_by_id=actor.id,
               report_due=rules_of.report_due(rules, today))
        record_step("approved", actor, as_of, opinion, relocation_id=request.id)
    return _view(request, rules)


def reject_relocation(actor: User, relocation_id: int, *, as_of: datetime, opinion: str) -> Relocation:
    """The county agency refuses the change (with its reasons, which the supervisee sees).

    :raises Forbidden: not an officer of a county agency.
    :raises NotFound: missing or outside the officer's scope.
    :raises InvalidTransition: the file is closed.
    :raises Conflict: already decided (also when two officers decide at once).
    """
    _require_unit(actor, UnitKind.county_agency)
    with transaction():
        request = _writable(actor, relocation_id, UNDECIDED, _ALREADY_DECIDED)
        claim(request, UNDECIDED, _ALREADY_DECIDED, status=RelocationStatus.rejected, decided_at=as_of,
               decided_by_id=actor.id)
        record_step("rejected", actor, as_of, opinion, relocation_id=request.id)
    return _view(request, _rules())


def hand_over(actor: User, relocation_id: int, *, as_of: datetime, handed_over_on: date, note: str | None = None,
              target_office_id: int | None = None) -> Relocation:
    """Hand the file over to the receiving agency (移交).

    Receiving county in this deployment: the subject's county and judicial office become the receiving county and
    `target_office_id` (one of its offices), the address the new one, each in the dated history; the assigned
    officer and the old home location are cleared. Otherwise `note` records what was sent.

    :raises Forbidden: not an officer of a county agency.
    :raises NotFound: missing or outside the officer's scope.
    :raises InvalidTransition: not approved, or the file is closed.
    :raises RuleViolation: a date out of range; a missing or foreign office; no note of what was sent.
    :raises Conflict: handed over by someone else at the same moment.
    """
    _require_unit(actor, UnitKind.county_agency)
    with transaction():
        request = _writable(actor, relocation_id, (RelocationStatus.approved,),
                            ("not_approved", "只有已批准且尚未移交的申请才能移交。"))
        _check_day("handed_over_on", handed_over_on, local_date(request.decided_at), local_date(as_of), "移交日期")
        office = _receiving_office(request, note, target_office_id)
        claim(request, (RelocationStatus.approved,), ("already_handed_over", "该申请已移交。"),
               status=RelocationStatus.handed_over, handed_over_on=handed_over_on, handover_note=note)
        record_step("handed_over", actor, as_of, note, relocation_id=request.id)
        if office is not None:
            _move_file(request.subject, office, request.new_address, actor, as_of, handed_over_on)
    return _view(request, _rules())


def _receiving_office(request: RelocationRequest, note: str | None, target_office_id: int | None) -> Unit | None:
    if request.target_county_id is None:
        if target_office_id is not None:
            raise RuleViolation.on("target_office_id", "接收地不在本系统内，不能指定接收司法所。")
        if not note:
            raise RuleViolation.on("note", "接收地不在本系统内，请注明移交的法律文书和档案材料。")
        return None
    if target_office_id is None:
        raise RuleViolation.on("target_office_id", "接收地在本系统内，请指定接收的司法所。")
    office = db.session.get(Unit, target_office_id)
    if office is None or office.kind != UnitKind.judicial_office or office.parent_id != request.target_county_id:
        raise RuleViolation.on("target_office_id", "接收司法所须属于接收地县级社区矫正机构。")
    return office


def _move_file(subject: Subject, office: Unit, address: str, actor: User, as_of: datetime, on: date) -> None:
    reason = "变更执行地"
    for kind, before, after in (("county", subject.county_id, office.parent_id), ("office", subject.office_id,
                                                                                   office.id)):
        record_event(subject, EventKind.reassignment, actor, as_of, effective_on=on, from_value=f"{kind}:{before}",
                     to_value=f"{kind}:{after}", reason=reason)
    if subject.officer_id is not None:  # the officer belongs to the old county
        record_event(subject, EventKind.reassignment, actor, as_of, effective_on=on,
                     from_value=f"officer:{subject.officer_id}", to_value="officer:None", reason=reason)
    record_event(subject, EventKind.profile_update, actor, as_of, effective_on=on, from_value="address",
                 reason=reason)
    subject.county_id, subject.office_id, subject.officer_id = office.parent_id, office.id, None
    subject.address, subject.home_lat, subject.home_lng, subject.home_coord_type = address, None, None, None


def record_reported(actor: User, relocation_id: int, *, as_of: datetime, reported_on: date) -> Relocation:
    """The subject reported to the new agency; late when after the report-in deadline. Recorded by the receiving
    county after the file moved to it, or by the original county when the receiving county is not here.

    :raises Forbidden: not an officer.
    :raises NotFound: missing or outside the officer's scope.
    :raises InvalidTransition: not handed over yet, or the file is closed.
    :raises RuleViolation: a date in the future or before the decision.
    :raises Conflict: recorded by someone else at the same moment.
    """
    require_officer(actor)
    with transaction():
        request = _writable(actor, relocation_id, (RelocationStatus.handed_over,),
                            ("not_handed_over", "移交之后才能登记报到，且只登记一次。"))
        _check_day("reported_on", reported_on, local_date(request.decided_at), local_date(as_of), "报到日期")
        claim(request, (RelocationStatus.handed_over,), ("already_reported", "已登记报到。"),
               status=RelocationStatus.reported, reported_on=reported_on)
        late = reported_on > request.report_due
        record_step("reported", actor, as_of, "逾期报到" if late else None, relocation_id=request.id)
        record_event(request.subject, EventKind.report_in, actor, as_of, effective_on=reported_on,
                     to_value=request.new_county_code,
                     reason="；".join(filter(None, ["变更执行地后向新执行地报到", "逾期报到" if late else None])))
        if request.target_county_id is None:
            _close_as_transferred(request.subject, actor, as_of, reported_on)
    return _view(request, _rules())


def _close_as_transferred(subject: Subject, actor: User, as_of: datetime, on: date) -> None:
    """The file now lives at an agency outside this deployment: close it here, so nothing is owed here any more."""
    before = subject.status
    subject.status, subject.ended_on, subject.end_type = SubjectStatus.transferred_out, on, ReleaseType.transferred
    record_event(subject, EventKind.release, actor, as_of, effective_on=on, from_value=before,
                 to_value=SubjectStatus.transferred_out, reason="变更执行地，档案已移交本系统以外的社区矫正机构")


def relocation_deadlines_missed(as_of: datetime, scope: sa.ColumnElement[bool] | None = None
                                ) -> list[MissedDeadline]:
    """Requests past a step's deadline on the day of `as_of`, by the requests' current state: the consultation not
    sent, the reply not received, the files not handed over, the subject not reported to the new agency. Closed
    files (解除、终止) owe nothing.

    One statement for any scope (`scope` is a subject filter such as `subject_filter(actor)`; None: everyone):
    each deadline is a comparison with a bound day, so the rows come from indexed columns, not a loop over
    subjects. The due days of the rows it returns are then read off by the same rule functions as the API's.
    """
    rules, today = _rules(), local_date(as_of)
    r = RelocationRequest

    def days_before(days: int) -> date:
        return today - timedelta(days=days)

    past_due = sa.or_(
        sa.and_(r.status == RelocationStatus.submitted, r.submitted_at < _start_of(days_before(rules.consult_days))),
        sa.and_(r.status == RelocationStatus.consulting, r.consult_reply_on.is_(None),
                r.consult_sent_on < days_before(rules.reply_days)),
        sa.and_(r.status == RelocationStatus.approved, r.decided_at < _start_of(days_before(rules.handover_days))),
        sa.and_(r.status.in_((RelocationStatus.approved, RelocationStatus.handed_over)), r.report_due < today),
    )
    stmt = (sa.select(r, Subject.name, Subject.county_id, Subject.office_id)
            .join(Subject, Subject.id == r.subject_id).where(past_due, Subject.status.in_(ACTIVE_STATUSES)))
    if scope is not None:
        stmt = stmt.where(scope)
    missed = [MissedDeadline(request.id, request.subject_id, name, county_id, office_id, kind, due, (today - due).days)
              for request, name, county_id, office_id in db.session.execute(stmt)
              for kind, due in rules_of.missed(request.status, _deadlines(request, rules), request.consult_reply_on,
                                               today)]
    return sorted(missed, key=lambda m: (-m.days_late, m.relocation_id, rules_of.MISSABLE.index(m.kind)))


def relocation_deadlines_missed_in_scope(actor: User, as_of: datetime) -> list[MissedDeadline]:
    """The officer's or inspector's view of missed relocation deadlines."""
    return relocation_deadlines_missed(as_of, subject_filter(actor))
