"""The audit trail: append-only, each entry chained to the previous one by a SHA-256 hash."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from correction.db import UTCDateTime, db


class AuditEntry(db.Model):
    """Who did or saw what, when. Never updated or deleted; `hash` covers the entry and the previous hash, so an
    edited or removed entry breaks the chain (`flask audit verify`). No ID numbers or coordinates in `detail`."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)  # 1, 2, 3 … without gaps
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(sa.String(48))       # read, create, update, delete, or a domain verb
    record_type: Mapped[str] = mapped_column(sa.String(48))  # table name
    record_id: Mapped[int | None]
    subject_id: Mapped[int | None] = mapped_column(sa.ForeignKey("subjects.id"))
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))

    __table_args__ = (sa.Index("ix_audit_entries_subject_seq", "subject_id", "seq"),)


class AuditHead(db.Model):
    """The chain's head: one row, locked by each append so entries are chained one at a time."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(sa.String(64))
