"""Stored first responses of POSTs sent with an Idempotency-Key, so that a retry creates nothing new."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from correction.db import UTCDateTime, db


class IdempotencyRecord(db.Model):
    """The first response to (user, key); a retry within the TTL gets it back unchanged."""

    __tablename__ = "idempotency_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(sa.String(100))
    request_digest: Mapped[str] = mapped_column(sa.String(64))  # method, path and body
    status_code: Mapped[int]
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    __table_args__ = (sa.UniqueConstraint("user_id", "key"),)
