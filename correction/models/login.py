"""Login lockout (登录锁定): bad passwords counted per username, the lock and its backoff."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from correction.db import UTCDateTime, db


class LoginLockout(db.Model):
    """Failed sign-ins of one username since its last good password, and how often it was locked.

    Keyed by the username as typed, not by user, so an unknown username locks exactly like a known one and the
    answer never tells whether an account exists. A good password or an administrator's unlock deletes the row.
    """

    __tablename__ = "login_lockouts"

    username: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    failed_logins: Mapped[int] = mapped_column(default=0)  # since the last lock (or the first failure)
    lockouts: Mapped[int] = mapped_column(default=0)  # locks so far: the next one lasts twice as long
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime)
