"""Resettlement rules: the assistance period, the on-time handover, the contact period of each category."""

from datetime import date

from config import DayCount, load_rules
from correction.rules.resettlement import contact_period, handover_on_time, period_end
from correction.rules.workdays import WorkCalendar

RULES = load_rules()
CALENDAR = WorkCalendar.from_rules(RULES["calendar"])
ANCHOR = RULES["obligations.biweekly_anchor"]


def test_the_assistance_period_runs_whole_years_from_release():
    assert period_end(date(2026, 3, 10), RULES["resettlement.period_years"]) == date(2031, 3, 9)
    assert period_end(date(2028, 2, 29), 5) == date(2033, 2, 27)  # no 29 February in 2033: the 28th ends it


def test_a_handover_is_on_time_on_the_release_day_only():
    same_day = RULES.day_count("resettlement.handover_days")
    assert same_day == DayCount(0, False)
    assert handover_on_time(date(2026, 9, 30), date(2026, 9, 30), CALENDAR, same_day)
    assert not handover_on_time(date(2026, 9, 30), date(2026, 10, 1), CALENDAR, same_day)
    # A region allowing one working day: released before the National Day, received on 8 October is on time.
    assert handover_on_time(date(2026, 9, 30), date(2026, 10, 8), CALENDAR, DayCount(1, True))
    assert not handover_on_time(date(2026, 9, 30), date(2026, 10, 9), CALENDAR, DayCount(1, True))


def test_key_people_are_contacted_monthly_and_general_ones_quarterly():
    cadences = RULES["resettlement.contact_cadence"]
    key = contact_period("key", date(2026, 11, 26), cadences, ANCHOR)
    general = contact_period("general", date(2026, 11, 26), cadences, ANCHOR)
    assert (key.start, key.end) == (date(2026, 11, 1), date(2026, 11, 30))
    assert (general.start, general.end) == (date(2026, 10, 1), date(2026, 12, 31))
