"""Reading the audit trail of one subject's file: who did and saw what, newest first."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from correction.db import db
from correction.errors import Forbidden, NotFound
from correction.models import AuditEntry, Role, Subject, User
from correction.services.audit import record_read
from correction.services.paging import Page, page_of
from correction.services.scope import is_county_officer, visible_subject


@dataclass(frozen=True)
class TrailEntry:
    seq: int
    at: datetime
    actor: User | None
    action: str
    record_type: str
    record_id: int | None
    detail: dict
    hash: str


def subject_trail(actor: User, subject_id: int, page: int, per_page: int) -> Page:
    """The entries about a subject, newest first, for inspectors and county officers in their county and for
    administrators; this reading is itself recorded.

    :raises Forbidden: a judicial office or a supervisee: the trail shows what the procuratorate reads.
    :raises NotFound: missing or outside the actor's scope.
    """
    if actor.role == Role.admin:
        subject = db.session.get(Subject, subject_id)
        if subject is None:
            raise NotFound("subject_not_found", "矫正对象不存在。")
    elif actor.role == Role.inspector or is_county_officer(actor):
        subject = visible_subject(actor, subject_id)
    else:
        raise Forbidden("audit_forbidden", "审计日志仅供检察人员、县级社区矫正机构和系统管理员查阅。")
    record_read(actor, subject.id, "audit")
    entries = page_of(sa.select(AuditEntry).where(AuditEntry.subject_id == subject_id)
                      .order_by(AuditEntry.seq.desc()), page, per_page)
    actor_ids = {entry.actor_id for entry in entries.items if entry.actor_id is not None}
    actors = {user.id: user for user in db.session.scalars(sa.select(User).where(User.id.in_(actor_ids)))}
    return Page([TrailEntry(e.seq, e.at, actors.get(e.actor_id), e.action, e.record_type, e.record_id, e.detail,
                            e.hash) for e in entries.items], entries.page, entries.per_page, entries.total)
