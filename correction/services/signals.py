"""Location signals: alert candidates (越界, impossible speed, mock location, late fixes, missed spot checks and
check-ins) with their evidence. The scheduler turns them into alerts; officers and inspectors read them here."""

import sqlalchemy as sa

from correction.db import db
from correction.models import LocationSignal, SignalKind, Subject, User
from correction.services.paging import Page, page_of
from correction.services.scope import subject_filter


def add_new(signals: list[LocationSignal]) -> list[LocationSignal]:
    """Add, in the caller's transaction, the signals whose dedupe key is new: detecting a thing twice is a no-op.
    Returns the ones added."""
    if not signals:
        return []
    known = set(db.session.scalars(sa.select(LocationSignal.dedupe_key).where(
        LocationSignal.dedupe_key.in_([s.dedupe_key for s in signals]))))
    new = [s for s in signals if s.dedupe_key not in known]
    db.session.add_all(new)
    return new


def list_signals(actor: User, page: int, per_page: int, subject_id: int | None = None,
                 kind: SignalKind | None = None) -> Page:
    """Signals of subjects in scope, newest first.

    :raises Forbidden: the role reads no subject files.
    """
    stmt = sa.select(LocationSignal).join(Subject, Subject.id == LocationSignal.subject_id).where(
        subject_filter(actor))
    if subject_id is not None:
        stmt = stmt.where(LocationSignal.subject_id == subject_id)
    if kind is not None:
        stmt = stmt.where(LocationSignal.kind == kind)
    return page_of(stmt.order_by(LocationSignal.detected_at.desc(), LocationSignal.id.desc()), page, per_page)
