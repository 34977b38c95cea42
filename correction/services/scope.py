"""Who may see and change which subjects: scope is a query filter, so another unit's record is simply absent."""

import sqlalchemy as sa

from correction.db import db
from correction.errors import Forbidden, NotFound
from correction.models import Role, Subject, UnitKind, User
from correction.services.audit import record_read


def subject_filter(actor: User) -> sa.ColumnElement[bool]:
    """Subjects the actor may read: an office's own, a county's all, an inspector's supervised county.

    :raises Forbidden: the role reads no subject files (admin, supervisee).
    """
    unit = actor.unit
    if actor.role == Role.officer and unit is not None:
        if unit.kind == UnitKind.county_agency:
            return Subject.county_id == unit.id
        if unit.kind == UnitKind.judicial_office:
            return Subject.office_id == unit.id
    if actor.role == Role.inspector and unit is not None and unit.supervises_id is not None:
        return Subject.county_id == unit.supervises_id
    raise Forbidden("forbidden", "当前角色无权查看矫正对象档案。")


def require_officer(actor: User) -> None:
    """Writes on subject files are for officers; inspectors and others get 403 before any lookup.

    :raises Forbidden: not an officer.
    """
    if actor.role != Role.officer:
        raise Forbidden("read_only" if actor.role == Role.inspector else "forbidden",
                        "检察人员只能查阅，不能修改档案。" if actor.role == Role.inspector else "无权执行此操作。")


def visible_subject(actor: User, subject_id: int) -> Subject:
    """The subject if the actor may read it.

    :raises NotFound: missing or outside the actor's scope (indistinguishable on purpose).
    """
    subject = db.session.scalar(sa.select(Subject).where(Subject.id == subject_id, subject_filter(actor)))
    if subject is None:
        raise NotFound("subject_not_found", "矫正对象不存在。")
    return subject


def read_subject(actor: User, subject_id: int, what: str) -> Subject:
    """`visible_subject` for a read of the file: the read (`what` part of it) goes into the audit trail.

    :raises NotFound: missing or outside the actor's scope.
    """
    subject = visible_subject(actor, subject_id)
    record_read(actor, subject.id, what)
    return subject


def is_county_officer(actor: User) -> bool:
    return actor.role == Role.officer and actor.unit is not None and actor.unit.kind == UnitKind.county_agency


def visible_record(actor: User, model, record_id: int, not_found: tuple[str, str]):
    """A record about a subject (report, request …) if the actor may read that subject's file.

    :raises NotFound: missing or outside the actor's scope, with `not_found`'s code and message.
    """
    record = db.session.scalar(sa.select(model).join(Subject, Subject.id == model.subject_id)
                               .where(model.id == record_id, subject_filter(actor)))
    if record is None:
        raise NotFound(*not_found)
    return record


def read_record(actor: User, model, record_id: int, not_found: tuple[str, str], what: str):
    """`visible_record` for a read: the read of the subject's file goes into the audit trail.

    :raises NotFound: missing or outside the actor's scope, with `not_found`'s code and message.
    """
    record = visible_record(actor, model, record_id, not_found)
    record_read(actor, record.subject_id, what, model.__tablename__, record.id)
    return record
