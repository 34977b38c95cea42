"""Monthly partitions of `checkins` on PostgreSQL (migration 0011); on SQLite the table is plain and these do nothing.

A partition holds one Asia/Shanghai month of capture times and is named `checkins_yYYYYmMM`; `checkins_default`
takes any fix outside every month made (none in practice: capture times are at most minutes ahead and days behind).

Retention (`location.retention_days_after_release`) is per person: a fix goes once its subject has been released,
terminated or transferred out for that long, whatever month it was captured in. So a month is dropped whole only
when every fix in it belongs to such a subject (or it is empty), and only a month before last; every other
fix of an expired subject is deleted row by row (`location_upkeep.purge_locations`). People are supervised for
months to years, so a month lives until the last person checking in during it has been gone for the retention
period; the drop saves the DELETE of the months that have aged out, which at national scale is most of them.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from correction.clock import LOCAL_TZ, local_date
from correction.db import db

MONTHS_AHEAD = 3  # partitions made ahead of the current month: the daily job has three months to run at least once
NAME = re.compile(r"^checkins_y(\d{4})m(\d{2})$")
DEFAULT = "checkins_default"


@dataclass(frozen=True)
class Dropped:
    partitions: int
    checkins: int          # fixes in them
    signals_unlinked: int  # signals kept, their link to a fix in them removed


def is_partition(table_name: str) -> bool:
    """A partition of `checkins`: made by the migration and this module, not a table of the model registry."""
    return table_name == DEFAULT or NAME.match(table_name) is not None


def partitioned() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _month(day: date, add: int = 0) -> date:
    index = day.year * 12 + day.month - 1 + add
    return date(index // 12, index % 12 + 1, 1)


def _bound(month: date) -> str:
    return datetime(month.year, month.month, 1, tzinfo=LOCAL_TZ).isoformat()


def _name(month: date) -> str:
    return f"checkins_y{month.year:04d}m{month.month:02d}"


def existing() -> dict[date, str]:
    """The monthly partitions there are, by month."""
    names = db.session.scalars(sa.text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'checkins'::regclass")).all()
    return {date(int(m[1]), int(m[2]), 1): name for name in names if (m := NAME.match(name))}


def create_month(month: date) -> None:
    """Make the month's partition; fixes of that month already in the default partition move into it. Made apart
    and attached, so attaching finds the default partition without rows of the month."""
    name, low, high = _name(month), _bound(month), _bound(_month(month, 1))
    db.session.execute(sa.text(f"CREATE TABLE {name} (LIKE checkins INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"))
    db.session.execute(sa.text(
        f"WITH moved AS (DELETE FROM {DEFAULT} WHERE captured_at >= :low AND captured_at < :high "
        f"RETURNING *) INSERT INTO {name} SELECT * FROM moved"), {"low": low, "high": high})
    db.session.execute(sa.text(f"ALTER TABLE checkins ATTACH PARTITION {name} FOR VALUES FROM ('{low}') TO ('{high}')"))


def ensure_partitions(as_of: datetime) -> int:
    """Make the partitions of the current month and MONTHS_AHEAD after it that are missing; how many were made.
    The caller commits."""
    if not partitioned():
        return 0
    current, have = _month(local_date(as_of)), existing()
    missing = [m for m in (_month(current, n) for n in range(MONTHS_AHEAD + 1)) if m not in have]
    for month in missing:
        create_month(month)
    return len(missing)


def drop_expired(as_of: datetime, gone: sa.Select) -> Dropped:
    """Drop each month before last month whose every fix belongs to a subject in `gone` (ids of subjects past
    retention), after unlinking the signals that point at its fixes. Such a month takes no more fixes (queued ones
    are at most `location.offline_max_hours` old), and it is locked against writes (SHARE) before it is checked,
    so a fix stored meanwhile cannot be dropped unseen; reads go on. The caller commits."""
    if not partitioned():
        return Dropped(0, 0, 0)
    last_month = _month(local_date(as_of), -1)
    partitions = checkins = unlinked = 0
    for month, name in sorted(existing().items()):
        if month >= last_month:
            break
        db.session.execute(sa.text(f"LOCK TABLE {name} IN SHARE MODE"))
        fixes = sa.table(name, sa.column("subject_id"))
        live = sa.select(sa.literal(1)).select_from(fixes).where(fixes.c.subject_id.not_in(gone.scalar_subquery()))
        if db.session.scalar(sa.select(sa.exists(live))):
            continue
        checkins += db.session.scalar(sa.text(f"SELECT count(*) FROM {name}"))
        unlinked += db.session.execute(sa.text(
            f"UPDATE location_signals SET checkin_id = NULL WHERE checkin_id IN (SELECT id FROM {name})")).rowcount
        db.session.execute(sa.text(f"DROP TABLE {name}"))
        partitions += 1
    return Dropped(partitions, checkins, unlinked)
