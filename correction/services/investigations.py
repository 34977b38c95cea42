"""Pre-sentence investigations (调查评估, domain-rules §4): a commission received and assigned to a judicial office,
the deadline in working days, extensions agreed with the commissioning organ, the investigation record, the
office's opinion approved (or returned) by the county agency, sent and copied to the procuratorate, and the outcome.

Officers of the office read and work their own cases, the county agency all of its offices'; the procuratorate
supervising the county reads them (the copy of every opinion reaches its inspectors' inboxes).
"""

from datetime import date, datetime

import sqlalchemy as sa

from correction.clock import local_date
from correction.components import components
from correction.db import db, transaction
from correction.errors import Forbidden, InvalidTransition, NotFound, RuleViolation
from correction.models import (
    Category, CommissionerKind, Investigation, InvestigationExtension, InvestigationStatus, Role, Subject, Unit,
    UnitKind, User,
)
from correction.rules.identity import checked_id_number, mask_id_number
from correction.services.notify import notify
from correction.services.paging import Page, page_of
from correction.services.scope import is_county_officer, require_officer

NOT_FOUND = ("investigation_not_found", "调查评估不存在。")
OPEN = (InvestigationStatus.investigating, InvestigationStatus.submitted)
RECORD_FIELDS = ("residence", "family_relations", "conduct", "offence_impact", "committee_opinion",
                 "victim_opinion", "proposed_prohibitions")
REQUIRED_FOR_OPINION = ("residence", "family_relations", "conduct", "offence_impact", "committee_opinion")
LINK = "/api/v1/investigations/{}"


def investigation_filter(actor: User) -> sa.ColumnElement[bool]:
    """Investigations the actor may read: an office's own, a county's all, the inspector's supervised county.

    :raises Forbidden: the role reads no investigations (admin, supervisee).
    """
    unit = actor.unit
    if actor.role == Role.officer and unit is not None:
        if unit.kind == UnitKind.county_agency:
            return Investigation.county_id == unit.id
        return Investigation.office_id == unit.id
    if actor.role == Role.inspector and unit is not None and unit.supervises_id is not None:
        return Investigation.county_id == unit.supervises_id
    raise Forbidden("forbidden", "当前角色无权查看调查评估。")


def get_investigation(actor: User, investigation_id: int) -> Investigation:
    """:raises NotFound: missing or outside the actor's scope."""
    found = db.session.scalar(sa.select(Investigation).where(
        Investigation.id == investigation_id, investigation_filter(actor)))
    if found is None:
        raise NotFound(*NOT_FOUND)
    return found


def list_investigations(actor: User, page: int, per_page: int, *, as_of: datetime,
                        status: InvestigationStatus | None = None, office_id: int | None = None,
                        overdue: bool | None = None, subject_id: int | None = None) -> Page:
    """The actor's investigations, the most recently received first; `overdue`: still open past the deadline."""
    stmt = sa.select(Investigation).where(investigation_filter(actor))
    for column, value in ((Investigation.status, status), (Investigation.office_id, office_id),
                          (Investigation.subject_id, subject_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    if overdue is not None:
        late = sa.and_(Investigation.status.in_(OPEN), Investigation.due_on < local_date(as_of))
        stmt = stmt.where(late if overdue else sa.not_(late))
    return page_of(stmt.order_by(Investigation.received_on.desc(), Investigation.id.desc()), page, per_page)


def _writable(actor: User, investigation_id: int, *expected: InvestigationStatus) -> Investigation:
    require_officer(actor)
    investigation = get_investigation(actor, investigation_id)
    if investigation.status not in expected:
        raise InvalidTransition("investigation_state", "调查评估当前状态不允许此操作。")
    return investigation


def unit_officers(*unit_ids: int) -> list[int]:
    return list(db.session.scalars(sa.select(User.id).where(
        User.unit_id.in_(unit_ids), User.role == Role.officer, User.is_active.is_(True))))


def _inspectors(county_id: int) -> list[int]:
    return list(db.session.scalars(sa.select(User.id).join(Unit, Unit.id == User.unit_id).where(
        Unit.supervises_id == county_id, User.role == Role.inspector, User.is_active.is_(True))))


def _office(actor: User, office_id: int) -> Unit:
    office = db.session.get(Unit, office_id)
    if office is None or office.kind != UnitKind.judicial_office or actor.unit_id not in (office.id, office.parent_id):
        raise RuleViolation.on("office_id", "司法所不存在或不在本单位管辖范围内。")
    return office


def commission(actor: User, *, as_of: datetime, commissioner_kind: CommissionerKind, commissioner_name: str,
               received_on: date, office_id: int, name: str, id_number: str, sex: str, address: str, charge: str,
               intended_category: Category, fast_track: bool = False,
               commission_number: str | None = None) -> Investigation:
    """Register a commission (委托函) and assign it to a judicial office; the deadline is the rule's working days
    from receipt (速裁: the shorter rule). The office's officers are told.

    :raises Forbidden: not an officer.
    :raises RuleViolation: a receipt in the future, an invalid ID number, or an office outside the actor's unit.
    """
    require_officer(actor)
    parts = components()
    with transaction():
        if received_on > local_date(as_of):
            raise RuleViolation.on("received_on", "收到委托的日期不能晚于今天。")
        normalized = checked_id_number(id_number, sex)
        office = _office(actor, office_id)
        rule = "investigation.fast_track_deadline_days" if fast_track else "investigation.deadline_days"
        investigation = Investigation(
            county_id=office.parent_id, office_id=office.id, status=InvestigationStatus.investigating,
            commissioner_kind=commissioner_kind, commissioner_name=commissioner_name,
            commission_number=commission_number, received_on=received_on, fast_track=fast_track,
            due_on=parts.calendar.add(received_on, parts.rules.day_count(rule)), name=name,
            id_number_cipher=parts.vault.encrypt(normalized), id_number_digest=parts.vault.digest(normalized),
            id_number_masked=mask_id_number(normalized), sex=sex, address=address, charge=charge,
            intended_category=intended_category, created_by_id=actor.id, created_at=as_of)
        db.session.add(investigation)
        db.session.flush()
        notify(unit_officers(office.id), kind="investigation", title="新的调查评估委托", as_of=as_of,
               body=f"{commissioner_name}委托对{name}进行调查评估，请于{investigation.due_on}前完成。",
               link=LINK.format(investigation.id), data={"investigation_id": investigation.id},
               dedupe_key=f"investigation_assigned:{investigation.id}")
    return investigation


def extend(actor: User, investigation_id: int, *, as_of: datetime, new_due_on: date, agreed_with: str,
           reason: str) -> Investigation:
    """Record an extension agreed with the commissioning organ (经委托机关同意): the deadline moves, both kept.

    :raises InvalidTransition: the opinion has been sent.
    :raises RuleViolation: the new deadline is not later than the one in force.
    """
    with transaction():
        investigation = _writable(actor, investigation_id, *OPEN)
        if new_due_on <= investigation.due_on:
            raise RuleViolation.on("new_due_on", "延期后的期限应晚于当前期限。")
        db.session.add(InvestigationExtension(
            investigation=investigation, previous_due_on=investigation.due_on, new_due_on=new_due_on,
            agreed_with=agreed_with, reason=reason, recorded_by_id=actor.id, recorded_at=as_of))
        investigation.due_on = new_due_on
    return investigation


def record(actor: User, investigation_id: int, *, as_of: datetime, **fields) -> Investigation:
    """Write the investigation record (any of RECORD_FIELDS) while the case is being investigated.

    :raises InvalidTransition: the opinion has been submitted.
    """
    with transaction():
        investigation = _writable(actor, investigation_id, InvestigationStatus.investigating)
        for field in RECORD_FIELDS:
            if field in fields:
                setattr(investigation, field, fields[field])
    return investigation


def submit_opinion(actor: User, investigation_id: int, *, as_of: datetime, suitable: bool,
                   opinion: str) -> Investigation:
    """The office's opinion (适宜 / 不适宜社区矫正) goes to the county agency for approval; its officers are told.

    :raises InvalidTransition: not being investigated.
    :raises RuleViolation: the record lacks residence, relations, conduct, consequences or the committee's opinion.
    """
    with transaction():
        investigation = _writable(actor, investigation_id, InvestigationStatus.investigating)
        missing = [field for field in REQUIRED_FOR_OPINION if not getattr(investigation, field)]
        if missing:
            raise RuleViolation("record_incomplete", "调查评估记录尚不完整，不能提出意见。",
                                {field: ["提出意见前须填写此项。"] for field in missing})
        investigation.suitable, investigation.opinion = suitable, opinion
        investigation.submitted_by_id, investigation.submitted_at = actor.id, as_of
        investigation.status = InvestigationStatus.submitted
        db.session.flush()
        notify(unit_officers(investigation.county_id), kind="investigation", title="调查评估意见待审批", as_of=as_of,
               body=f"{investigation.office.name}提交了对{investigation.name}的调查评估意见，期限{investigation.due_on}。",
               link=LINK.format(investigation.id), data={"investigation_id": investigation.id},
               dedupe_key=f"investigation_submitted:{investigation.id}:{investigation.version}")
    return investigation


def _require_county(actor: User) -> None:
    if not is_county_officer(actor):
        raise Forbidden("county_agency_only", "调查评估意见由县级社区矫正机构审批。")


def approve_opinion(actor: User, investigation_id: int, *, as_of: datetime, sent_on: date,
                    note: str | None = None) -> Investigation:
    """The county agency approves the opinion and sends it to the commissioning unit on `sent_on`, copied to the
    procuratorate: its inspectors and the office are told. On time when sent by the deadline in force.

    :raises Forbidden: not an officer of the county agency.
    :raises InvalidTransition: no opinion awaits approval.
    :raises RuleViolation: a sending date in the future or before the receipt.
    """
    _require_county(actor)
    with transaction():
        investigation = _writable(actor, investigation_id, InvestigationStatus.submitted)
        if sent_on > local_date(as_of) or sent_on < investigation.received_on:
            raise RuleViolation.on("sent_on", "送达日期不能晚于今天，也不能早于收到委托的日期。")
        investigation.status = InvestigationStatus.sent
        investigation.approved_by_id, investigation.approved_at = actor.id, as_of
        investigation.sent_on, investigation.review_note = sent_on, note
        db.session.flush()
        verdict = "适宜" if investigation.suitable else "不适宜"
        notify(_inspectors(investigation.county_id) + unit_officers(investigation.office_id), kind="investigation",
               title="调查评估意见（抄送）", as_of=as_of,
               body=f"对{investigation.name}（{investigation.commissioner_name}委托）的调查评估意见：{verdict}社区矫正，"
                    f"已于{sent_on}送达委托机关。",
               link=LINK.format(investigation.id), data={"investigation_id": investigation.id},
               dedupe_key=f"investigation_sent:{investigation.id}")
    return investigation


def return_opinion(actor: User, investigation_id: int, *, as_of: datetime, note: str) -> Investigation:
    """The county agency sends the opinion back to the office for more investigation, with its reasons.

    :raises Forbidden: not an officer of the county agency.
    :raises InvalidTransition: no opinion awaits approval.
    """
    _require_county(actor)
    with transaction():
        investigation = _writable(actor, investigation_id, InvestigationStatus.submitted)
        investigation.status, investigation.review_note = InvestigationStatus.investigating, note
        db.session.flush()
        notify(unit_officers(investigation.office_id), kind="investigation", title="调查评估意见被退回", as_of=as_of,
               body=f"对{investigation.name}的调查评估意见被退回：{note}", link=LINK.format(investigation.id),
               data={"investigation_id": investigation.id},
               dedupe_key=f"investigation_returned:{investigation.id}:{investigation.version}")
    return investigation


def record_outcome(actor: User, investigation_id: int, *, as_of: datetime, adopted: bool, outcome_on: date,
                   note: str | None = None) -> Investigation:
    """The court's (or deciding organ's) outcome: whether the opinion was adopted (采纳).

    :raises InvalidTransition: the opinion has not been sent, or the outcome is already recorded.
    :raises RuleViolation: a date in the future or before the opinion was sent.
    """
    with transaction():
        investigation = _writable(actor, investigation_id, InvestigationStatus.sent)
        if outcome_on > local_date(as_of) or outcome_on < investigation.sent_on:
            raise RuleViolation.on("outcome_on", "采纳情况的日期不能晚于今天，也不能早于意见送达日期。")
        investigation.adopted, investigation.outcome_on, investigation.outcome_note = adopted, outcome_on, note
        investigation.status = InvestigationStatus.closed
    return investigation


def link_at_intake(actor: User, investigation_id: int, subject: Subject) -> Investigation:
    """Link the investigation of the person now taken in (接收) to the new file, in the intake's transaction.

    :raises RuleViolation: no such investigation in the actor's scope, its opinion not sent, another person's,
        or already linked to a file.
    """
    investigation = db.session.scalar(sa.select(Investigation).where(
        Investigation.id == investigation_id, investigation_filter(actor)))
    if investigation is None or investigation.status in OPEN:
        raise RuleViolation.on("investigation_id", "调查评估不存在或其意见尚未送达。")
    if investigation.id_number_digest != subject.id_number_digest:
        raise RuleViolation.on("investigation_id", "调查评估的被调查人与接收对象不是同一人。")
    if investigation.subject_id is not None:
        raise RuleViolation.on("investigation_id", "该调查评估已关联其他矫正档案。")
    investigation.subject = subject
    return investigation
