"""Login lockout backoff: how long a lock lasts after repeated bad passwords."""

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class LockoutPolicy:
    """`threshold` bad passwords in a row lock a username for `base`, doubling with each further lock up to `cap`."""

    threshold: int
    base: timedelta
    cap: timedelta

    def duration(self, earlier_locks: int) -> timedelta:
        """The length of the lock that follows `earlier_locks` locks: base, 2×base, 4×base … at most cap."""
        return min(self.base * 2 ** min(earlier_locks, 32), self.cap)
