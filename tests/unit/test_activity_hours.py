"""Activity durations and monthly hours against the quota, as pure functions (no database)."""

import math
from datetime import date
from decimal import Decimal

import pytest

from config import load_rules
from correction.errors import RuleViolation
from correction.rules.obligations import LevelSpan, Timeline
from correction.services.activities import hours_against_quota, minutes_from_hours, month_of

RULES = load_rules()
STRICT_MONTHS = RULES["classification.new_intake_strict_months"]
QUOTAS = RULES["obligations.monthly_hours"]


def timeline(reported_in_on: date | None, *spans: tuple[str, date, date | None], ended_on: date | None = None):
    return Timeline("probation", reported_in_on, ended_on, tuple(LevelSpan(*span) for span in spans))


def totals(line: Timeline, month: date, today: date, minutes: dict | None = None) -> dict:
    return hours_against_quota(line, month, today, STRICT_MONTHS, QUOTAS, minutes or {})


def required(result: dict) -> tuple:
    return result["level"], result["education"]["required_hours"], result["public_welfare"]["required_hours"]


@pytest.mark.parametrize("hours, minutes", [
    (0.5, 30), (1, 60), (1.5, 90), (8, 480), (23.5, 1410), (24, 1440), (Decimal("2.5"), 150), (24.0, 1440),
])
def test_hours_become_whole_minutes(hours, minutes):
    assert minutes_from_hours(hours) == minutes


@pytest.mark.parametrize("hours", [0, 0.0, -0.5, 0.25, 0.3, 1.2, 24.5, 25, math.nan, math.inf, True, "1", None])
def test_hours_outside_half_hour_steps_or_range_are_refused(hours):
    with pytest.raises(RuleViolation) as caught:
        minutes_from_hours(hours)
    assert caught.value.code == "invalid_value" and set(caught.value.fields) == {"hours"}


def test_the_rule_table_has_the_expected_quotas():
    assert STRICT_MONTHS == 2
    assert QUOTAS["education"] == QUOTAS["public_welfare"] == {"strict": 12, "ordinary": 8, "lenient": 4}


def test_month_of_any_day():
    month = month_of(date(2026, 2, 17))
    assert (month.start, month.end) == (date(2026, 2, 1), date(2026, 2, 28))


def test_a_new_intake_owes_the_strict_hours():
    line = timeline(date(2026, 11, 25), ("ordinary", date(2026, 11, 20), None))
    assert required(totals(line, date(2026, 11, 1), date(2026, 11, 26))) == ("strict", 12, 12)


def test_an_ordinary_subject_owes_8_hours_after_two_months():
    line = timeline(date(2026, 8, 3), ("ordinary", date(2026, 8, 1), None))
    today = date(2026, 11, 26)
    assert required(totals(line, date(2026, 8, 1), today)) == ("strict", 12, 12)
    assert required(totals(line, date(2026, 9, 1), today)) == ("strict", 12, 12)  # 9-30 is before 10-03
    assert required(totals(line, date(2026, 10, 1), today)) == ("ordinary", 8, 8)  # 10-31 governs
    assert required(totals(line, date(2026, 11, 1), today)) == ("ordinary", 8, 8)


def test_a_running_month_uses_todays_level_and_an_ended_month_its_last_day():
    line = timeline(date(2026, 9, 15), ("ordinary", date(2026, 9, 10), None))  # strict until 2026-11-15
    assert required(totals(line, date(2026, 11, 1), date(2026, 11, 10))) == ("strict", 12, 12)
    assert required(totals(line, date(2026, 11, 1), date(2026, 12, 5))) == ("ordinary", 8, 8)


def test_the_level_span_in_force_decides():
    line = timeline(date(2026, 1, 5), ("ordinary", date(2026, 1, 1), date(2026, 6, 10)),
                    ("lenient", date(2026, 6, 10), date(2026, 9, 30)), ("strict", date(2026, 9, 30), None))
    today = date(2026, 11, 26)
    assert required(totals(line, date(2026, 5, 1), today)) == ("ordinary", 8, 8)
    assert required(totals(line, date(2026, 6, 1), today)) == ("lenient", 4, 4)
    assert required(totals(line, date(2026, 9, 1), today)) == ("strict", 12, 12)  # 9-30 is the new span's first day


def test_months_outside_correction_require_nothing():
    line = timeline(date(2026, 3, 2), ("ordinary", date(2026, 2, 20), date(2026, 7, 15)),
                    ended_on=date(2026, 7, 15))
    today = date(2026, 11, 26)
    assert required(totals(line, date(2026, 2, 1), today)) == (None, None, None)  # before the report-in
    assert required(totals(line, date(2026, 3, 1), today))[1] == 12  # the report-in month, a new intake
    assert required(totals(line, date(2026, 7, 1), today)) == ("ordinary", 8, 8)  # its last day, 7-14, governs
    assert required(totals(line, date(2026, 8, 1), today)) == (None, None, None)
    ended_on_the_first = timeline(date(2026, 3, 2), ("ordinary", date(2026, 2, 20), None), ended_on=date(2026, 8, 1))
    assert required(totals(ended_on_the_first, date(2026, 7, 1), today)) == ("ordinary", 8, 8)
    assert required(totals(ended_on_the_first, date(2026, 8, 1), today)) == (None, None, None)
    assert required(totals(timeline(None, ("ordinary", date(2026, 11, 20), None)), date(2026, 11, 1), today)) == \
        (None, None, None)  # not reported in yet


def test_confirmed_and_pending_minutes_become_hours_and_rejected_ones_do_not_count():
    line = timeline(date(2026, 8, 3), ("ordinary", date(2026, 8, 1), None))
    minutes = {("education", "confirmed"): 270, ("education", "pending"): 60, ("education", "rejected"): 600,
               ("public_welfare", "confirmed"): 30}
    result = totals(line, date(2026, 11, 1), date(2026, 11, 26), minutes)
    assert result["month"] == date(2026, 11, 1)
    assert result["education"] == {"required_hours": 8, "confirmed_hours": 4.5, "pending_hours": 1.0}
    assert result["public_welfare"] == {"required_hours": 8, "confirmed_hours": 0.5, "pending_hours": 0.0}
