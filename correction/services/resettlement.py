"""The resettlement register (安置帮教): the prison's advance notice, the handover at release (必接必送), the
assistance period with its category, assistance records, risk notes and the joint-action list, and people moved in
from community correction at their release.

Assistance, not supervision: no location, no alerts, no sanctions. Only officers with the resettlement role read or
write the register (an office's officers their office's people, the county agency's all of its offices'); other
officers, inspectors and administrators get 403. A correction file shows nothing of it.
"""

from datetime import date, datetime

import sqlalchemy as sa

from correction.clock import local_date
from correction.components import components
from correction.db import db, transaction
from correction.errors import Conflict, Forbidden, InvalidTransition, NotFound, RuleViolation
from correction.models import (
    AssistanceCategory, AssistanceKind, AssistanceRecord, AssistanceSource, AssistanceStatus, AssistedPerson,
    Handover, RiskKind, RiskNote, Role, Subject, SuperviseeAccount, Unit, UnitKind, User,
)
from correction.rules.identity import checked_id_number, mask_id_number
from correction.rules.resettlement import handover_on_time, period_end
from correction.services.notify import notify
from correction.services.paging import Page, page_of

NOT_FOUND = ("assisted_person_not_found", "帮教对象不存在。")
LINK = "/api/v1/resettlement/persons/{}"
ROLE_REQUIRED = ("resettlement_role_required", "仅安置帮教工作人员可以查看和办理安置帮教事项。")


def register_filter(actor: User) -> sa.ColumnElement[bool]:
    """The people an officer with the resettlement role keeps: an office's own, a county agency's all.

    :raises Forbidden: any other user (officers without the role, inspectors, administrators, supervisees).
    """
    unit = actor.unit
    if actor.role != Role.officer or not actor.resettlement_officer or unit is None:
        raise Forbidden(*ROLE_REQUIRED)
    if unit.kind == UnitKind.county_agency:
        return AssistedPerson.county_id == unit.id
    return AssistedPerson.office_id == unit.id


def get_person(actor: User, person_id: int) -> AssistedPerson:
    """:raises NotFound: missing or outside the actor's scope. :raises Forbidden: no resettlement role."""
    person = db.session.scalar(sa.select(AssistedPerson).where(AssistedPerson.id == person_id, register_filter(actor)))
    if person is None:
        raise NotFound(*NOT_FOUND)
    return person


def in_period(day: date) -> sa.ColumnElement[bool]:
    """In the assistance period at the end of `day`: released by then, period not over, not closed by then."""
    return sa.and_(AssistedPerson.released_on <= day, AssistedPerson.period_end >= day,
                   sa.or_(AssistedPerson.closed_on.is_(None), AssistedPerson.closed_on > day))


def open_risk() -> sa.ColumnElement[bool]:
    """The person has a risk note not yet resolved: on the joint-action list."""
    return sa.exists().where(RiskNote.person_id == AssistedPerson.id, RiskNote.resolved_on.is_(None))


def list_persons(actor: User, page: int, per_page: int, *, as_of: datetime, status: AssistanceStatus | None = None,
                 category: AssistanceCategory | None = None, office_id: int | None = None,
                 current: bool | None = None, joint_action: bool | None = None) -> Page:
    """The register in the actor's scope; `current`: in the assistance period today; `joint_action`: with an open
    risk note (the list for joint action by the police, the village or residents' committee and the office)."""
    stmt = sa.select(AssistedPerson).where(register_filter(actor))
    for column, value in ((AssistedPerson.status, status), (AssistedPerson.category, category),
                          (AssistedPerson.office_id, office_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    for flag, condition in ((current, in_period(local_date(as_of))), (joint_action, open_risk())):
        if flag is not None:
            stmt = stmt.where(condition if flag else sa.not_(condition))
    return page_of(stmt.order_by(AssistedPerson.id.desc()), page, per_page)


def _office(actor: User, office_id: int) -> Unit:
    office = db.session.get(Unit, office_id)
    if office is None or office.kind != UnitKind.judicial_office or actor.unit_id not in (office.id, office.parent_id):
        raise RuleViolation.on("office_id", "司法所不存在或不在本单位管辖范围内。")
    return office


def resettlement_officers(*unit_ids: int) -> list[int]:
    """The active officers with the resettlement role in the units."""
    return list(db.session.scalars(sa.select(User.id).where(
        User.unit_id.in_(unit_ids), User.role == Role.officer, User.resettlement_officer.is_(True),
        User.is_active.is_(True))))


def receive_notice(actor: User, *, as_of: datetime, office_id: int, name: str, id_number: str, sex: str,
                   address: str, prison_name: str, notice_received_on: date, expected_release_on: date,
                   key_case: bool, out_of_province: bool = False, phone: str | None = None) -> AssistedPerson:
    """The prison's advance notice of release (刑满释放人员通知书): the person enters the register awaiting release,
    重点 when the prison names a key case, else 一般.

    :raises Forbidden: no resettlement role.
    :raises RuleViolation: an invalid ID number, a notice dated in the future, an office out of scope.
    :raises Conflict: the person is already in the register and not closed.
    """
    register_filter(actor)
    parts = components()
    with transaction():
        if notice_received_on > local_date(as_of):
            raise RuleViolation.on("notice_received_on", "收到通知的日期不能晚于今天。")
        normalized = checked_id_number(id_number, sex)
        office = _office(actor, office_id)
        digest = parts.vault.digest(normalized)
        _refuse_duplicate(digest)
        person = AssistedPerson(
            county_id=office.parent_id, office_id=office.id, source=AssistanceSource.prison_release,
            status=AssistanceStatus.awaiting_release,
            category=AssistanceCategory.key if key_case else AssistanceCategory.general, name=name,
            id_number_cipher=parts.vault.encrypt(normalized), id_number_digest=digest,
            id_number_masked=mask_id_number(normalized), sex=sex, phone=phone, address=address,
            prison_name=prison_name, notice_received_on=notice_received_on,
            expected_release_on=expected_release_on, out_of_province=out_of_province, created_at=as_of,
            created_by_id=actor.id)
        db.session.add(person)
    return person


def _refuse_duplicate(digest: str) -> None:
    already = db.session.scalar(sa.select(AssistedPerson.id).where(
        AssistedPerson.id_number_digest == digest, AssistedPerson.status != AssistanceStatus.closed))
    if already:
        raise Conflict("already_in_register", "此人已在安置帮教名册中。")


def record_handover(actor: User, person_id: int, *, as_of: datetime, released_on: date, received_at: datetime,
                    received_by: str, place: str, note: str | None = None) -> AssistedPerson:
    """必接必送: who received the released person, when and where; on time when received by the release day plus
    `resettlement.handover_days`. The assistance period starts on the release day.

    :raises InvalidTransition: the person is not awaiting release.
    :raises RuleViolation: a release in the future, or a reception before the release or in the future.
    """
    parts = components()
    with transaction():
        person = _awaiting(actor, person_id)
        received_on = local_date(received_at)
        if released_on > local_date(as_of):
            raise RuleViolation.on("released_on", "释放日期不能晚于今天。")
        if received_on < released_on or received_at > as_of:
            raise RuleViolation.on("received_at", "接收时间不能早于释放日期，也不能晚于现在。")
        on_time = handover_on_time(released_on, received_on, parts.calendar,
                                   parts.rules.day_count("resettlement.handover_days"))
        db.session.add(Handover(person=person, released_on=released_on, received_at=received_at,
                                received_by=received_by, place=place, on_time=on_time, note=note,
                                recorded_by_id=actor.id, recorded_at=as_of))
        _start_period(person, released_on)
    return person


def _awaiting(actor: User, person_id: int) -> AssistedPerson:
    person = get_person(actor, person_id)
    if person.status != AssistanceStatus.awaiting_release:
        raise InvalidTransition("not_awaiting_release", "该帮教对象不在待释放状态。")
    return person


def _start_period(person: AssistedPerson, released_on: date) -> None:
    person.status, person.released_on = AssistanceStatus.in_assistance, released_on
    person.period_end = period_end(released_on, components().rules["resettlement.period_years"])


def move_from_correction(subject: Subject, actor: User, as_of: datetime) -> AssistedPerson:
    """A person whose community correction was released (解除) enters the register, in the release's transaction,
    with the file's identity and contacts and a link to it, as 一般 from the release day; the office's
    resettlement officers are told. Called by `subjects.release`."""
    person = AssistedPerson(
        county_id=subject.county_id, office_id=subject.office_id, source=AssistanceSource.correction_ended,
        category=AssistanceCategory.general, name=subject.name, id_number_cipher=subject.id_number_cipher,
        id_number_digest=subject.id_number_digest, id_number_masked=subject.id_number_masked, sex=subject.sex,
        phone=subject.phone, address=subject.address, subject_id=subject.id, created_at=as_of,
        created_by_id=actor.id)
    _start_period(person, subject.ended_on)
    db.session.add(person)
    db.session.flush()
    notify(resettlement_officers(subject.office_id, subject.county_id), kind="resettlement",
           title="解除矫正人员转入安置帮教", as_of=as_of,
           body=f"{subject.name}已于{subject.ended_on}解除社区矫正，转入安置帮教名册，帮教期至{person.period_end}。",
           link=LINK.format(person.id), data={"person_id": person.id}, dedupe_key=f"resettlement_moved:{person.id}")
    return person


def update_person(actor: User, person_id: int, *, as_of: datetime, reason: str,
                  category: AssistanceCategory | None = None, phone: str | None = None,
                  address: str | None = None) -> AssistedPerson:
    """Reclassify (重点 ↔ 一般) or update contacts, with a reason (kept in the audit trail).

    :raises InvalidTransition: the person's assistance is closed.
    """
    with transaction():
        person = _open(actor, person_id)
        for field, value in (("category", category), ("phone", phone), ("address", address)):
            if value is not None:
                setattr(person, field, value)
    return person


def _open(actor: User, person_id: int) -> AssistedPerson:
    person = get_person(actor, person_id)
    if person.status == AssistanceStatus.closed:
        raise InvalidTransition("assistance_closed", "该帮教对象的帮教已结束。")
    return person


def record_consent(actor: User, person_id: int, *, as_of: datetime, given: bool, on: date) -> AssistedPerson:
    """The person's consent to use the mini-program (or its withdrawal); without it the mini-program shows nothing.

    :raises RuleViolation: a date in the future.
    """
    with transaction():
        person = _open(actor, person_id)
        if on > local_date(as_of):
            raise RuleViolation.on("on", "日期不能晚于今天。")
        person.mini_program_consent, person.consent_on = given, on
    return person


def close(actor: User, person_id: int, *, as_of: datetime, closed_on: date, reason: str) -> AssistedPerson:
    """End the assistance before the period's end (death, imprisonment again, moved out of the county).

    :raises RuleViolation: a date in the future.
    """
    with transaction():
        person = _open(actor, person_id)
        if closed_on > local_date(as_of):
            raise RuleViolation.on("closed_on", "日期不能晚于今天。")
        person.status, person.closed_on, person.close_reason = AssistanceStatus.closed, closed_on, reason
    return person


def add_record(actor: User, person_id: int, *, as_of: datetime, kind: AssistanceKind, occurred_on: date,
               note: str, base_name: str | None = None) -> AssistanceRecord:
    """One act of assistance for a released person: a contact, employment, training, subsistence support or a
    place at an assistance base (named).

    :raises InvalidTransition: not yet released, or closed.
    :raises RuleViolation: a date in the future or before the release; a base placement without the base.
    """
    with transaction():
        person = _open(actor, person_id)
        if person.status != AssistanceStatus.in_assistance:
            raise InvalidTransition("not_released", "尚未释放，不能登记帮教记录。")
        if occurred_on > local_date(as_of) or occurred_on < person.released_on:
            raise RuleViolation.on("occurred_on", "日期不能晚于今天，也不能早于释放日期。")
        if kind == AssistanceKind.base_placement and not base_name:
            raise RuleViolation.on("base_name", "安置帮教基地安置须注明基地名称。")
        entry = AssistanceRecord(person_id=person.id, kind=kind, occurred_on=occurred_on, note=note,
                                 base_name=base_name, recorded_by_id=actor.id, recorded_at=as_of)
        db.session.add(entry)
    return entry


def list_records(actor: User, person_id: int) -> list[AssistanceRecord]:
    """A person's assistance records, newest first."""
    person = get_person(actor, person_id)
    return list(db.session.scalars(sa.select(AssistanceRecord).where(AssistanceRecord.person_id == person.id)
                                   .order_by(AssistanceRecord.occurred_on.desc(), AssistanceRecord.id.desc())))


def note_risk(actor: User, person_id: int, *, as_of: datetime, kind: RiskKind, note: str,
              noted_on: date) -> RiskNote:
    """A risk (下落不明, 重新犯罪倾向) that puts the person on the joint-action list; the county agency's and the
    office's resettlement officers are told.

    :raises RuleViolation: a date in the future.
    """
    with transaction():
        person = _open(actor, person_id)
        if noted_on > local_date(as_of):
            raise RuleViolation.on("noted_on", "日期不能晚于今天。")
        risk = RiskNote(person_id=person.id, kind=kind, note=note, noted_on=noted_on, noted_by_id=actor.id)
        db.session.add(risk)
        db.session.flush()
        notify(resettlement_officers(person.office_id, person.county_id), kind="resettlement",
               title="帮教对象列入联动处置名单", as_of=as_of, body=f"{person.name}：{note[:60]}",
               link=LINK.format(person.id), data={"person_id": person.id, "risk_id": risk.id},
               dedupe_key=f"resettlement_risk:{risk.id}")
    return risk


def list_risks(actor: User, person_id: int) -> list[RiskNote]:
    """A person's risk notes, newest first."""
    person = get_person(actor, person_id)
    return list(db.session.scalars(sa.select(RiskNote).where(RiskNote.person_id == person.id)
                                   .order_by(RiskNote.noted_on.desc(), RiskNote.id.desc())))


def resolve_risk(actor: User, person_id: int, risk_id: int, *, as_of: datetime, resolved_on: date,
                 resolution: str) -> RiskNote:
    """Resolve a risk note (located again, risk gone); with none open the person leaves the joint-action list.

    :raises NotFound: no such note on this person.
    :raises Conflict: already resolved.
    :raises RuleViolation: a date in the future or before the note.
    """
    with transaction():
        person = get_person(actor, person_id)
        risk = db.session.scalar(sa.select(RiskNote).where(RiskNote.id == risk_id, RiskNote.person_id == person.id))
        if risk is None:
            raise NotFound("risk_note_not_found", "风险记录不存在。")
        if resolved_on > local_date(as_of) or resolved_on < risk.noted_on:
            raise RuleViolation.on("resolved_on", "日期不能晚于今天，也不能早于登记日期。")
        done = db.session.execute(sa.update(RiskNote).where(RiskNote.id == risk.id, RiskNote.resolved_on.is_(None))
                                  .values(resolved_on=resolved_on, resolution=resolution, resolved_by_id=actor.id)
                                  .execution_options(synchronize_session=False)).rowcount
        if done != 1:
            raise Conflict("already_resolved", "该风险记录已处理。")
        db.session.expire(risk)
    return risk


def my_assistance(user: User) -> AssistedPerson:
    """The mini-program's view of a bound supervisee whose correction ended and who is in the register: only with
    the person's consent (帮教 is voluntary); without it the mini-program shows nothing of the register.

    :raises Forbidden: not in the register, or no consent recorded.
    """
    person = db.session.scalar(sa.select(AssistedPerson).join(
        SuperviseeAccount, SuperviseeAccount.subject_id == AssistedPerson.subject_id).where(
        SuperviseeAccount.user_id == user.id))
    if person is None or not person.mini_program_consent:
        raise Forbidden("consent_required", "未经本人同意，小程序不提供安置帮教信息。")
    return person
