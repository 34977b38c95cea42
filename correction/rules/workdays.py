"""The working-day calendar (工作日): which days are worked in China, and deadlines counted in working or calendar days.

China moves working days every year (调休): the State Council's notice makes some weekdays holidays and some
Saturdays and Sundays working days. The package chinese-calendar carries the notices of the years it knows; the
rule table's `[calendar.years]` replaces a year's data (a year the package does not know yet, or a correction).
A year in neither counts Monday to Friday only; `knows` tells whether a year has real data.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

from config import DayCount

_SATURDAY = 5


@dataclass(frozen=True)
class YearTable:
    """One year's exceptions: weekdays off and weekend days worked."""

    holidays: frozenset[date]
    workdays: frozenset[date]


def _package_years() -> range:
    known = chinese_calendar.holidays  # the package's public table: every holiday of the years it knows
    return range(min(known).year, max(known).year + 1)


class WorkCalendar:
    """Working days from the package, with the rule table's years taking precedence."""

    def __init__(self, years: Mapping[int, YearTable]):
        self._years = dict(years)
        self._package = _package_years()

    @classmethod
    def from_rules(cls, section: Mapping) -> "WorkCalendar":
        """Build from the rule table's `[calendar]` section.

        :raises ValueError: a year that is not a number, or a date listed under another year.
        """
        years = {}
        for key, table in section.get("years", {}).items():
            if not str(key).isdigit():
                raise ValueError(f"calendar.years.{key}: the key must be a year")
            year = int(key)
            holidays, workdays = frozenset(table.get("holidays", ())), frozenset(table.get("workdays", ()))
            stray = sorted(d for d in holidays | workdays if not isinstance(d, date) or d.year != year)
            if stray:
                raise ValueError(f"calendar.years.{key}: {stray[0]!r} is not a date of {year}")
            years[year] = YearTable(holidays, workdays)
        return cls(years)

    def knows(self, year: int) -> bool:
        """True when the year's holiday schedule is known (rule table or package), not guessed from weekdays."""
        return year in self._years or year in self._package

    def is_workday(self, day: date) -> bool:
        table = self._years.get(day.year)
        if table is not None:
            return day in table.workdays or (day.weekday() < _SATURDAY and day not in table.holidays)
        if day.year in self._package:
            return chinese_calendar.is_workday(day)
        return day.weekday() < _SATURDAY

    def add(self, start: date, count: DayCount) -> date:
        """The last day of a period of `count` days after `start` (the day of `start` itself is not counted): the
        n-th calendar day after it, or the n-th working day after it. Zero days is `start` itself."""
        if not count.working:
            return start + timedelta(days=count.days)
        day, left = start, count.days
        while left:
            day += timedelta(days=1)
            left -= self.is_workday(day)
        return day

    def subtract(self, end: date, count: DayCount) -> date:
        """The day `count` days before `end`: the inverse of `add` (for "remind N working days before")."""
        if not count.working:
            return end - timedelta(days=count.days)
        day, left = end, count.days
        while left:
            day -= timedelta(days=1)
            left -= self.is_workday(day)
        return day

    def workdays_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when `end` is not after `start`)."""
        return sum(self.is_workday(start + timedelta(days=n)) for n in range(1, (end - start).days + 1))
