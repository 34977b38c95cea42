"""The leader lease: one row in `scheduler_leases`. The holder renews it; anyone may take it once it lapses.

Each step is one conditional statement, so two processes racing for a lapsed lease cannot both win: the UPDATE
names the holder or the expiry it read past, and the INSERT of a missing row meets the primary key.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from correction.db import db, is_unique_violation
from correction.models import SchedulerLease

LEASE = "scheduler"


def acquire(holder: str, now: datetime, seconds: int, name: str = LEASE) -> bool:
    """Take or renew the lease for `seconds` from `now`; True when `holder` holds it afterwards."""
    expires = now + timedelta(seconds=seconds)
    table = SchedulerLease.__table__
    try:
        taken = db.session.execute(
            sa.update(table).where(table.c.name == name,
                                   sa.or_(table.c.holder == holder, table.c.expires_at <= now))
            .values(holder=holder, expires_at=expires,
                    acquired_at=sa.case((table.c.holder == holder, table.c.acquired_at), else_=now))).rowcount
        if not taken:
            db.session.execute(sa.insert(table).values(name=name, holder=holder, acquired_at=now, expires_at=expires))
        db.session.commit()
        return True
    except IntegrityError as exc:  # another process inserted the row first: it holds the lease
        db.session.rollback()
        if not is_unique_violation(exc):
            raise
        return False


def release(holder: str, name: str = LEASE) -> None:
    """Give the lease up at a clean shutdown, so that a standby takes over at once."""
    table = SchedulerLease.__table__
    db.session.execute(sa.delete(table).where(table.c.name == name, table.c.holder == holder))
    db.session.commit()


def holder_of(name: str = LEASE) -> SchedulerLease | None:
    return db.session.get(SchedulerLease, name)
