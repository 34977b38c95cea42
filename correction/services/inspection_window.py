"""What every check of the inspection list shares: the window of time it looks at and the candidate it yields."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from correction.clock import LOCAL_TZ, local_date
from correction.rules.quarters import Quarter


@dataclass(frozen=True)
class Window:
    """A quarter seen at the instant `until`: its end for a final list, the moment asked for a provisional one.
    Each check sees the data as it stood then: a decision, return or resolution recorded later is not made yet."""

    quarter: Quarter
    until: datetime
    final: bool

    @property
    def start(self) -> datetime:
        return self.quarter.starts_at

    @property
    def first_day(self) -> date:
        return self.quarter.first_day

    @property
    def cutoff(self) -> date:
        """The last day counted: the quarter's last day, or today for a provisional list."""
        return self.quarter.last_day if self.final else local_date(self.until)

    @property
    def cutoff_text(self) -> str:
        return "季度末" if self.final else self.cutoff.isoformat()

    def days_before_until(self, days: int) -> datetime:
        return self.until - timedelta(days=days)

    def seen(self, instant: datetime | None) -> datetime | None:
        """`instant` if it happened before `until`, else None (not yet happened as the list sees it)."""
        return instant if instant is not None and instant < self.until else None

    def seen_day(self, day: date | None) -> date | None:
        """`day` if it is on or before the cutoff, else None."""
        return day if day is not None and day <= self.cutoff else None


@dataclass(frozen=True)
class Candidate:
    """One finding-candidate: about whom, in which county, why (a code and a Chinese reason) and the evidence.
    `order` sorts candidates of one code (a time or day first, then a record id; the same types within a code)."""

    county_id: int
    subject_id: int
    code: str
    reason: str
    evidence: list[dict]
    order: tuple = field(default=())


def within(column: sa.ColumnElement, counties: Sequence[int] | None) -> sa.ColumnElement[bool]:
    """The scope of a check: the counties asked for, or every county (None)."""
    return sa.true() if counties is None else column.in_(list(counties))


def when(instant: datetime) -> str:
    """An instant for people: local date and time to the minute (isoformat: a tenth of strftime's cost)."""
    return instant.astimezone(LOCAL_TZ).isoformat(" ", "minutes")[:16]
