"""Term arithmetic and the statutory bounds read from the rule table."""

from datetime import date

import pytest

from config import load_rules
from correction.rules.terms import add_months, months_between, report_in_due, term_problem


@pytest.mark.parametrize("day, months, expected", [
    (date(2026, 1, 31), 1, date(2026, 2, 28)), (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2026, 11, 26), 2, date(2027, 1, 26)), (date(2026, 3, 15), -3, date(2025, 12, 15)),
])
def test_add_months_clamps_to_month_end(day, months, expected):
    assert add_months(day, months) == expected


def test_months_between():
    assert months_between(date(2026, 1, 1), date(2026, 4, 1)) == 3
    assert 2 < months_between(date(2026, 1, 1), date(2026, 3, 31)) < 3


def test_report_in_due_is_effective_date_plus_rule_days():
    rules = load_rules()
    assert report_in_due(date(2026, 11, 20), rules["intake.report_in_days"]) == date(2026, 11, 30)


@pytest.mark.parametrize("category, start, end, ok", [
    ("control", date(2026, 1, 1), date(2026, 3, 31), True),     # exactly 3 months, both ends counted
    ("control", date(2026, 1, 1), date(2026, 3, 30), False),    # one day short of 管制's minimum
    ("control", date(2026, 1, 1), date(2028, 12, 31), True),    # 3 years (数罪并罚)
    ("control", date(2026, 1, 1), date(2029, 1, 1), False),
    ("probation", date(2026, 1, 1), date(2026, 2, 28), True),   # 拘役 probation ≥ 2 months
    ("probation", date(2026, 1, 1), date(2031, 1, 1), False),   # over 5 years
    ("temporary_release", date(2026, 1, 1), date(2026, 1, 2), True),  # no statutory bound
    ("parole", date(2026, 1, 1), date(2025, 12, 31), False),    # ends before it starts
])
def test_term_bounds(category, start, end, ok):
    bounds = load_rules()[f"term_bounds.{category}"]
    assert (term_problem(category, start, end, bounds) is None) is ok
