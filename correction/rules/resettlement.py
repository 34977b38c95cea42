"""Resettlement rules (安置帮教): the assistance period, the on-time handover and the contact period of a category."""

from datetime import date, timedelta

from config import DayCount
from correction.rules.periods import Period, period_containing
from correction.rules.terms import add_months
from correction.rules.workdays import WorkCalendar


def period_end(released_on: date, years: int) -> date:
    """The last day of an assistance period of `years` from release (released 2026-03-10, 5 years: 2031-03-09)."""
    return add_months(released_on, 12 * years) - timedelta(days=1)


def handover_on_time(released_on: date, received_on: date, calendar: WorkCalendar, allowed: DayCount) -> bool:
    """必接必送: received no later than the release day plus the allowed days (0: on the release day itself)."""
    return received_on <= calendar.add(released_on, allowed)


def contact_period(category: str, day: date, cadences: dict, biweekly_anchor: date) -> Period:
    """The contact period of a category (重点, 一般) that holds `day`, by the rule table's cadence per category."""
    return period_containing(cadences[category], day, biweekly_anchor)
