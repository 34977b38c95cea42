"""Calendar periods of an obligation's cadence: which period holds a day, the one before, its deadline."""

from dataclasses import dataclass
from datetime import date, timedelta

from correction.rules.terms import add_months

CADENCES = ("daily", "weekly", "biweekly", "monthly", "quarterly")


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date  # inclusive

    def deadline(self, grace_days: int) -> date:
        """The last day a report for this period is on time."""
        return self.end + timedelta(days=grace_days)

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


def period_containing(cadence: str, day: date, biweekly_anchor: date) -> Period:
    """The calendar period of `cadence` that holds `day`."""
    if cadence == "daily":
        return Period(day, day)
    if cadence == "weekly":
        start = day - timedelta(days=day.weekday())
        return Period(start, start + timedelta(days=6))
    if cadence == "biweekly":
        start = day - timedelta(days=(day - biweekly_anchor).days % 14)
        return Period(start, start + timedelta(days=13))
    if cadence == "monthly":
        start = day.replace(day=1)
        return Period(start, add_months(start, 1) - timedelta(days=1))
    if cadence == "quarterly":
        start = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return Period(start, add_months(start, 3) - timedelta(days=1))
    raise ValueError(f"unknown cadence {cadence!r}")


def previous_period(cadence: str, period: Period, biweekly_anchor: date) -> Period:
    return period_containing(cadence, period.start - timedelta(days=1), biweekly_anchor)


def latest_closed_period(cadence: str, today: date, grace_days: int, biweekly_anchor: date) -> Period:
    """The most recent period whose deadline (end + grace) is before `today`."""
    period = period_containing(cadence, today - timedelta(days=grace_days + 1), biweekly_anchor)
    if period.deadline(grace_days) >= today:
        period = previous_period(cadence, period, biweekly_anchor)
    return period
