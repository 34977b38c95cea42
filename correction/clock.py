"""The one seam for time: only this module reads the wall clock.

Dates are Asia/Shanghai for people; instants are stored in UTC. Tests freeze time with `frozen`.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

_frozen_at: datetime | None = None


def now() -> datetime:
    """The current instant, timezone-aware UTC (or the frozen instant)."""
    return _frozen_at if _frozen_at is not None else datetime.now(UTC)


def local_date(instant: datetime) -> date:
    """The calendar date in Asia/Shanghai of an aware instant."""
    return instant.astimezone(LOCAL_TZ).date()


def today() -> date:
    """Today's date in Asia/Shanghai."""
    return local_date(now())


@contextmanager
def frozen(instant: datetime) -> Iterator[datetime]:
    """Freeze `now()` at an aware instant for the duration of the block."""
    global _frozen_at
    if instant.tzinfo is None:
        raise ValueError("freeze at an aware instant")
    previous, _frozen_at = _frozen_at, instant.astimezone(UTC)
    try:
        yield _frozen_at
    finally:
        _frozen_at = previous
