"""Dates of a correction term: report-in deadlines, statutory term bounds, month arithmetic."""

import calendar
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    """`day` plus whole calendar months, clamped to the month's end (1-31 + 1 month = 2-28/29)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_between(start: date, end: date) -> float:
    """Whole months from start to end plus the fraction of the next, for bounds checks."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if add_months(start, months) > end:
        months -= 1
    rest = (end - add_months(start, months)).days
    return months + rest / 31


def report_in_due(effective_date: date, report_in_days: int) -> date:
    """Last day to report in (报到): the judgment's effective date plus the rule's days (law art 21)."""
    return effective_date + timedelta(days=report_in_days)


def term_problem(category: str, term_start: date, term_end: date, bounds: dict) -> str | None:
    """Why a term is impossible for the category (Chinese), or None; `bounds` is ``term_bounds.<category>``."""
    if term_end <= term_start:
        return "矫正期满日期必须晚于起始日期。"
    length = months_between(term_start, term_end + timedelta(days=1))  # both ends are days of the term
    if bounds["min_months"] and length < bounds["min_months"]:
        return f"该矫正类别的期限不得少于{bounds['min_months']}个月。"
    if bounds["max_months"] and length > bounds["max_months"]:
        return f"该矫正类别的期限不得超过{bounds['max_months']}个月。"
    return None
