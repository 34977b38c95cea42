"""登录锁定: a username is locked after repeated bad passwords, each lock twice as long as the one before.

Counted per username as typed (known or not, so the answer never reveals an account) with one atomic upsert, so
concurrent bad attempts all count. The helpers run inside the caller's transaction.
"""

import logging
import math
from datetime import datetime

import sqlalchemy as sa

from correction.clock import LOCAL_TZ
from correction.components import components
from correction.db import db, transaction, upsert
from correction.errors import AccountLocked
from correction.models import LoginLockout

log = logging.getLogger(__name__)
_MAX_USERNAME = 64  # the users column: a longer name cannot exist and is not tracked


def ensure_unlocked(username: str, as_of: datetime) -> None:
    """:raises AccountLocked: the username is locked at `as_of`."""
    locked_until = db.session.scalar(sa.select(LoginLockout.locked_until).where(LoginLockout.username == username))
    if locked_until is not None and locked_until > as_of:
        raise locked(locked_until, as_of)


def record_failure(username: str, as_of: datetime) -> datetime | None:
    """Count one bad password; return the end of the lock when this failure started one."""
    if not 0 < len(username) <= _MAX_USERNAME:
        return None
    policy = components().lockout
    stmt = upsert(LoginLockout).values(username=username, failed_logins=1, lockouts=0, last_failed_at=as_of)
    stmt = stmt.on_conflict_do_update(
        index_elements=["username"],
        set_={"failed_logins": LoginLockout.failed_logins + 1, "last_failed_at": as_of},
    ).returning(LoginLockout.failed_logins, LoginLockout.lockouts)
    failed, lockouts = db.session.execute(stmt).one()
    if failed < policy.threshold:
        return None
    # The upsert holds the row until commit, so this attempt alone moves the count it saw over the threshold.
    until = as_of + policy.duration(lockouts)
    db.session.execute(sa.update(LoginLockout).where(LoginLockout.username == username).values(
        failed_logins=0, lockouts=LoginLockout.lockouts + 1, locked_until=until))
    log.warning("login locked after %d bad passwords until %s (lock %d)", failed, until.isoformat(), lockouts + 1)
    return until


def clear(username: str) -> None:
    """Forget the failures and locks of a username (a good password)."""
    db.session.execute(sa.delete(LoginLockout).where(LoginLockout.username == username))


def unlock(username: str) -> bool:
    """An administrator lifts the lock and the backoff of a username; False when there was nothing to lift."""
    with transaction():
        lifted = db.session.execute(sa.delete(LoginLockout).where(LoginLockout.username == username)).rowcount
    return lifted > 0


def locked(until: datetime, as_of: datetime) -> AccountLocked:
    """The refusal while a username is locked, naming the unlock time in Beijing time."""
    shown = until.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S")
    return AccountLocked(f"密码错误次数过多，账号已锁定至 {shown}（北京时间），请届时再试或联系系统管理员解锁。",
                         max(1, math.ceil((until - as_of).total_seconds())))
