"""The subject registry: intake (接收, linking a pre-sentence investigation), report-in (报到), level and assignment
changes, release (解除/终止; a release moves the person into the resettlement register)."""

from datetime import date, datetime

import sqlalchemy as sa

from correction.clock import local_date
from correction.components import components
from correction.db import db, transaction
from correction.errors import Conflict, InvalidTransition, RuleViolation
from correction.models import (
    ACTIVE_STATUSES, Category, EnterpriseRole, EventKind, Level, ReleaseType, Role, Subject, SubjectEvent,
    SubjectLevel, SubjectStatus, Unit, UnitKind, User,
)
from correction.rules.identity import checked_id_number, id_number_problem, mask_id_number, normalize_id_number
from correction.rules.terms import report_in_due, term_problem
from correction.services.investigations import link_at_intake
from correction.services.paging import Page, page_of
from correction.services.resettlement import move_from_correction
from correction.services.scope import (
    is_county_officer, read_subject, require_officer, subject_filter, visible_subject,
)


def record_event(subject: Subject, kind: EventKind, actor: User | None, as_of: datetime, *,
                 effective_on: date | None = None, from_value=None, to_value=None, reason: str | None = None):
    """Append one history entry; the caller's transaction commits it."""
    db.session.add(SubjectEvent(
        subject=subject, kind=kind, actor_id=actor.id if actor else None, recorded_at=as_of,
        effective_on=effective_on or local_date(as_of), reason=reason,
        from_value=None if from_value is None else str(from_value),
        to_value=None if to_value is None else str(to_value)))


def _office_in_scope(actor: User, office_id: int, field: str = "office_id") -> Unit:
    office = db.session.get(Unit, office_id)
    unit = actor.unit
    visible = office is not None and office.kind == UnitKind.judicial_office and (
        office.id == unit.id or office.parent_id == unit.id)
    if not visible:
        raise RuleViolation.on(field, "司法所不存在或不在本单位管辖范围内。")
    return office


def _officer_for(office: Unit, officer_id: int) -> User:
    officer = db.session.get(User, officer_id)
    if officer is None or officer.role != Role.officer or officer.unit_id not in (office.id, office.parent_id):
        raise RuleViolation.on("officer_id", "责任矫正工作人员须为该司法所或其县级机构的工作人员。")
    return officer


def intake(actor: User, *, as_of: datetime, name: str, id_number: str, sex: str, birth_date: date,
           category: Category, judgment_date: date, effective_date: date, term_start: date, term_end: date,
           office_id: int, level: Level, address: str, home: dict | None = None, phone: str | None = None,
           officer_id: int | None = None, enterprise_role: dict | None = None,
           investigation_id: int | None = None) -> Subject:
    """Receive a person into community correction (接收); they then owe a report-in by the rule's deadline. The
    pre-sentence investigation of the same person (`investigation_id`), if any, is linked to the new file.

    :raises Forbidden: the actor is not an officer.
    :raises RuleViolation: inconsistent identity, dates or term, or an office outside the actor's unit; an
        investigation not in scope, not sent, of another person or already linked.
    :raises Conflict: the person is already under correction in this deployment.
    """
    require_officer(actor)
    parts = components()
    with transaction():
        normalized = checked_id_number(id_number, sex, birth_date)
        if effective_date < judgment_date:
            raise RuleViolation.on("effective_date", "生效日期不能早于判决（决定）日期。")
        problem = term_problem(category, term_start, term_end, parts.rules[f"term_bounds.{category}"])
        if problem:
            raise RuleViolation.on("term_end", problem)
        office = _office_in_scope(actor, office_id)
        if officer_id is not None:
            _officer_for(office, officer_id)
        digest = parts.vault.digest(normalized)
        already = db.session.scalar(sa.select(Subject.id).where(
            Subject.id_number_digest == digest, Subject.status.in_(ACTIVE_STATUSES)))
        if already:
            raise Conflict("already_under_correction", "此人已在本系统中接受社区矫正。")
        days_key = "intake.delivery_days" if category == Category.temporary_release else "intake.report_in_days"
        subject = Subject(
            name=name, id_number_cipher=parts.vault.encrypt(normalized), id_number_digest=digest,
            id_number_masked=mask_id_number(normalized), sex=sex, birth_date=birth_date, phone=phone,
            category=category, judgment_date=judgment_date, effective_date=effective_date,
            term_start=term_start, term_end=term_end, address=address,
            home_lat=home["lat"] if home else None, home_lng=home["lng"] if home else None,
            home_coord_type=home["coord_type"] if home else None,
            county_id=office.parent_id, office_id=office.id, officer_id=officer_id, level=level,
            status=SubjectStatus.awaiting_report,
            report_in_due=report_in_due(effective_date, parts.rules[days_key]))
        db.session.add(subject)
        db.session.add(SubjectLevel(subject=subject, level=level, valid_from=effective_date))
        record_event(subject, EventKind.intake, actor, as_of, to_value=SubjectStatus.awaiting_report)
        record_event(subject, EventKind.level_change, actor, as_of, to_value=level, reason="入矫")
        if enterprise_role:
            _set_enterprise_role(subject, enterprise_role, actor, as_of)
        if investigation_id is not None:
            link_at_intake(actor, investigation_id, subject)
    return subject


def _set_enterprise_role(subject: Subject, role: dict | None, actor: User, as_of: datetime) -> None:
    """An enterprise role entered by an officer counts as verified for the fast track."""
    current = subject.enterprise_role
    if role is None:
        if current is not None:
            db.session.delete(current)
            subject.enterprise_role = None
            record_event(subject, EventKind.enterprise_role, actor, as_of, from_value=current.role)
        return
    if current is None:
        current = EnterpriseRole(subject=subject)
        db.session.add(current)
    before = current.role
    current.enterprise_name, current.credit_code, current.role = (
        role["enterprise_name"], role["credit_code"], role["role"])
    current.verified_by_id, current.verified_at = actor.id, as_of
    record_event(subject, EventKind.enterprise_role, actor, as_of, from_value=before, to_value=role["role"],
                 reason=role["enterprise_name"])


def list_subjects(actor: User, page: int, per_page: int, status: SubjectStatus | None = None,
                  level: Level | None = None, category: Category | None = None, office_id: int | None = None,
                  q: str | None = None) -> Page:
    """Subjects in the actor's scope, filtered; `q` matches the name or the exact ID number."""
    stmt = sa.select(Subject).where(subject_filter(actor)).order_by(Subject.id)
    for column, value in ((Subject.status, status), (Subject.level, level), (Subject.category, category),
                          (Subject.office_id, office_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    if q:
        normalized = normalize_id_number(q)
        if id_number_problem(normalized) is None:
            stmt = stmt.where(Subject.id_number_digest == components().vault.digest(normalized))
        else:
            stmt = stmt.where(Subject.name.contains(q, autoescape=True))
    return page_of(stmt, page, per_page)


def get_subject(actor: User, subject_id: int) -> Subject:
    """:raises NotFound: missing or outside the actor's scope."""
    return read_subject(actor, subject_id, "file")


def serialize_on(subject: Subject) -> None:
    """Make concurrent requests of one subject take turns: a conditional version bump of the subject's row, so
    that of two transactions that both checked (say) for overlapping trips, the second fails with a 409.

    :raises Conflict: another transaction changed the subject since it was read.
    """
    bumped = db.session.execute(sa.update(Subject).where(Subject.id == subject.id, Subject.version == subject.version)
                                .values(version=subject.version + 1)).rowcount
    if bumped != 1:
        raise Conflict("concurrent_update", "记录已被他人修改或已存在，请刷新后重试。")
    db.session.expire(subject, ["version"])


def _writable(actor: User, subject_id: int) -> Subject:
    require_officer(actor)
    subject = visible_subject(actor, subject_id)
    if subject.status not in ACTIVE_STATUSES:
        raise InvalidTransition("subject_closed", "矫正已解除或终止，档案不可再修改。")
    return subject


_UNSET = object()


def update_subject(actor: User, subject_id: int, *, as_of: datetime, reason: str, level: Level | None = None,
                   level_effective_on: date | None = None, office_id: int | None = None,
                   officer_id: int | None = None, phone: str | None = None, address: str | None = None,
                   enterprise_role=_UNSET) -> Subject:
    """Change level, assignment, contact details or enterprise role, each kept in the dated history.

    :raises RuleViolation: an effective date in the future or before intake; an office or officer out of scope.
    :raises InvalidTransition: the file is closed.
    """
    with transaction():
        subject = _writable(actor, subject_id)
        today = local_date(as_of)
        if level is not None and level != subject.level:
            _change_level(subject, level, level_effective_on or today, today)
            record_event(subject, EventKind.level_change, actor, as_of, effective_on=level_effective_on or today,
                         from_value=subject.level, to_value=level, reason=reason)
            subject.level = level
        if office_id is not None and office_id != subject.office_id:
            if not is_county_officer(actor):
                raise RuleViolation.on("office_id", "只有县级社区矫正机构可以调整所属司法所。")
            office = _office_in_scope(actor, office_id)
            record_event(subject, EventKind.reassignment, actor, as_of, from_value=f"office:{subject.office_id}",
                         to_value=f"office:{office.id}", reason=reason)
            subject.office_id = office.id
            if officer_id is None and subject.officer_id is not None:
                subject.officer_id = None
        if officer_id is not None and officer_id != subject.officer_id:
            _officer_for(db.session.get(Unit, subject.office_id), officer_id)
            record_event(subject, EventKind.reassignment, actor, as_of, from_value=f"officer:{subject.officer_id}",
                         to_value=f"officer:{officer_id}", reason=reason)
            subject.officer_id = officer_id
        for field, value in (("phone", phone), ("address", address)):
            if value is not None and value != getattr(subject, field):
                record_event(subject, EventKind.profile_update, actor, as_of, from_value=field, reason=reason)
                setattr(subject, field, value)
        if enterprise_role is not _UNSET:
            _set_enterprise_role(subject, enterprise_role, actor, as_of)
    return subject


def _change_level(subject: Subject, level: Level, effective_on: date, today: date) -> None:
    """Close the span in force and open a new one: obligations change from `effective_on`, history stays."""
    current = db.session.scalar(sa.select(SubjectLevel).where(
        SubjectLevel.subject_id == subject.id, SubjectLevel.valid_to.is_(None)))
    if effective_on > today or effective_on <= current.valid_from:
        raise RuleViolation.on("level_effective_on", "调整日期不能晚于今天，也不能早于当前等级的起始日期。")
    current.valid_to = effective_on
    db.session.add(SubjectLevel(subject_id=subject.id, level=level, valid_from=effective_on))


def record_report_in(actor: User, subject_id: int, *, as_of: datetime, on_date: date | None = None,
                     note: str | None = None) -> Subject:
    """Record the report-in (报到): the subject is now under correction; a late report-in stays visible.

    :raises InvalidTransition: already reported in, or the file is closed.
    :raises RuleViolation: a date in the future or before the judgment took effect.
    """
    with transaction():
        subject = _writable(actor, subject_id)
        if subject.status != SubjectStatus.awaiting_report:
            raise InvalidTransition("already_reported", "该矫正对象已报到。")
        on_date = on_date or local_date(as_of)
        if on_date > local_date(as_of) or on_date < subject.effective_date:
            raise RuleViolation.on("date", "报到日期不能晚于今天，也不能早于判决生效日期。")
        subject.status = SubjectStatus.under_correction
        subject.reported_in_on = on_date
        late = "逾期报到" if on_date > subject.report_in_due else None
        record_event(subject, EventKind.report_in, actor, as_of, effective_on=on_date,
                     from_value=SubjectStatus.awaiting_report, to_value=SubjectStatus.under_correction,
                     reason="；".join(filter(None, [late, note])) or None)
    return subject


def release(actor: User, subject_id: int, *, as_of: datetime, on_date: date, release_type: ReleaseType,
            note: str | None = None) -> Subject:
    """End the correction: 解除 (expiry, pardon) or 终止 (revocation, custody, death, other). A person released
    (解除) moves into the resettlement register (安置帮教) in the same transaction, linked to this file.

    :raises InvalidTransition: the file is closed, or a release before report-in.
    :raises RuleViolation: an expiry release before the term ends, or a date out of range.
    """
    with transaction():
        subject = _writable(actor, subject_id)
        ends_as = release_type.ends_as
        if ends_as == SubjectStatus.released and subject.status != SubjectStatus.under_correction:
            raise InvalidTransition("not_under_correction", "尚未报到的对象不能解除矫正，只能终止。")
        if on_date > local_date(as_of) or on_date < subject.effective_date:
            raise RuleViolation.on("date", "解除或终止日期不能晚于今天，也不能早于判决生效日期。")
        if release_type == ReleaseType.expiry and on_date < subject.term_end:
            raise RuleViolation.on("date", "矫正期未满，不能期满解除。")
        before = subject.status
        subject.status, subject.ended_on, subject.end_type = ends_as, on_date, release_type
        record_event(subject, EventKind.release, actor, as_of, effective_on=on_date, from_value=before,
                     to_value=ends_as, reason="；".join(filter(None, [str(release_type), note])))
        if ends_as == SubjectStatus.released:
            move_from_correction(subject, actor, as_of)
    return subject


def history(actor: User, subject_id: int) -> list[SubjectEvent]:
    """The subject's dated history, oldest first.

    :raises NotFound: missing or outside the actor's scope.
    """
    subject = read_subject(actor, subject_id, "history")
    return list(db.session.scalars(sa.select(SubjectEvent).where(SubjectEvent.subject_id == subject.id)
                                   .order_by(SubjectEvent.recorded_at, SubjectEvent.id)))

