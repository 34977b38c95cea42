"""The working-day calendar: the package's years with their 调休, the rule table's override years, day counts."""

from datetime import date

import pytest

from config import DayCount, load_rules
from correction.rules.workdays import WorkCalendar, YearTable

WORKING = DayCount(10, working=True)


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return WorkCalendar.from_rules(load_rules()["calendar"])


def test_spring_festival_2026_and_its_adjusted_saturdays(calendar):
    # 2026: 春节 off 15–23 February; Saturday 14 and Saturday 28 February are worked (调休).
    assert calendar.is_workday(date(2026, 2, 13))
    assert calendar.is_workday(date(2026, 2, 14)) and date(2026, 2, 14).weekday() == 5
    assert not any(calendar.is_workday(date(2026, 2, d)) for d in range(15, 24))
    assert calendar.is_workday(date(2026, 2, 28))
    assert not calendar.is_workday(date(2026, 3, 1))  # an ordinary Sunday


def test_working_days_across_the_spring_festival(calendar):
    # From Friday 13 February: the 调休 Saturday counts, the nine days off do not.
    assert calendar.add(date(2026, 2, 13), DayCount(1, True)) == date(2026, 2, 14)
    assert calendar.add(date(2026, 2, 13), DayCount(5, True)) == date(2026, 2, 27)
    assert calendar.add(date(2026, 2, 13), DayCount(5, False)) == date(2026, 2, 18)
    assert calendar.workdays_between(date(2026, 2, 13), date(2026, 2, 27)) == 5


def test_ten_working_days_from_just_before_the_national_day(calendar):
    # Received Wednesday 30 September 2026: 1–7 October are off, Saturday 10 October is worked.
    assert calendar.add(date(2026, 9, 30), WORKING) == date(2026, 10, 20)
    assert calendar.add(date(2026, 9, 30), DayCount(10, False)) == date(2026, 10, 10)


def test_subtract_inverts_add(calendar):
    due = calendar.add(date(2026, 9, 30), WORKING)
    assert calendar.subtract(due, DayCount(2, True)) == date(2026, 10, 16)
    assert calendar.subtract(due, WORKING) == date(2026, 9, 30)
    assert calendar.add(date(2026, 5, 6), DayCount(0, True)) == date(2026, 5, 6)


def test_the_rule_tables_year_replaces_the_package(calendar):
    assert calendar.knows(2027) and not calendar.knows(2028)
    assert not calendar.is_workday(date(2027, 2, 5))  # 除夕 2027, a Friday, from the table
    assert calendar.is_workday(date(2027, 2, 4))
    moved = WorkCalendar({2026: YearTable(frozenset({date(2026, 3, 2)}), frozenset({date(2026, 3, 1)}))})
    assert moved.is_workday(date(2026, 3, 1)) and not moved.is_workday(date(2026, 3, 2))
    assert moved.is_workday(date(2026, 2, 16))  # the override year no longer has the package's Spring Festival


def test_a_year_known_to_nobody_counts_monday_to_friday(calendar):
    assert calendar.is_workday(date(2028, 1, 3)) and not calendar.is_workday(date(2028, 1, 1))
    assert calendar.add(date(2028, 1, 7), DayCount(1, True)) == date(2028, 1, 10)


def test_a_misplaced_override_date_stops_start_up():
    with pytest.raises(ValueError, match="not a date of 2027"):
        WorkCalendar.from_rules({"years": {"2027": {"holidays": [date(2026, 1, 1)]}}})
    with pytest.raises(ValueError, match="must be a year"):
        WorkCalendar.from_rules({"years": {"next": {}}})


def test_day_counts_in_the_rule_table(tmp_path):
    rules = load_rules()
    assert rules.day_count("investigation.deadline_days") == DayCount(10, True)
    assert rules.day_count("investigation.fast_track_deadline_days") == DayCount(5, True)
    assert rules.day_count("intake.report_in_days") == DayCount(10, False)  # a plain number: calendar days
    (tmp_path / "990000.toml").write_text('[inspection]\ncorrection_notice_days = { days = 10, count = "working" }\n',
                                          encoding="utf-8")
    assert load_rules("990000", regions_dir=tmp_path).day_count("inspection.correction_notice_days") == \
        DayCount(10, True)


@pytest.mark.parametrize("override, message", [
    ('[investigation]\ndeadline_days = { days = 10, count = "weekdays" }\n', "investigation.deadline_days"),
    ('[investigation]\ndeadline_days = { days = -1, count = "working" }\n', "investigation.deadline_days"),
    ('[intake]\nreport_in_days = { days = 10, count = "working" }\n', "must be a plain value"),
])
def test_malformed_day_counts_stop_start_up(tmp_path, override, message):
    (tmp_path / "990000.toml").write_text(override, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_rules("990000", regions_dir=tmp_path)
