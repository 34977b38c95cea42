"""Calendar periods, the level that governs a day, and which periods a subject owes (domain-rules §6–§7)."""

from datetime import date

import pytest

from config import load_rules
from correction.rules.obligations import LevelSpan, Timeline, owed_periods_around, owes, report_streams
from correction.rules.periods import Period, latest_closed_period, period_containing

RULES = load_rules()
ANCHOR = RULES["obligations.biweekly_anchor"]
STRICT_MONTHS = RULES["classification.new_intake_strict_months"]
STREAMS = {s.kind: s for s in report_streams(RULES)}


@pytest.mark.parametrize("cadence, day, expected", [
    ("weekly", date(2026, 11, 26), Period(date(2026, 11, 23), date(2026, 11, 29))),   # Thu → Mon..Sun
    ("weekly", date(2026, 11, 29), Period(date(2026, 11, 23), date(2026, 11, 29))),
    ("biweekly", date(2024, 1, 14), Period(date(2024, 1, 1), date(2024, 1, 14))),
    ("biweekly", date(2026, 11, 26), Period(date(2026, 11, 16), date(2026, 11, 29))),
    ("monthly", date(2024, 2, 10), Period(date(2024, 2, 1), date(2024, 2, 29))),
    ("quarterly", date(2026, 11, 26), Period(date(2026, 10, 1), date(2026, 12, 31))),
    ("daily", date(2026, 11, 26), Period(date(2026, 11, 26), date(2026, 11, 26))),
])
def test_period_containing(cadence, day, expected):
    assert period_containing(cadence, day, ANCHOR) == expected


@pytest.mark.parametrize("today, expected_end", [
    (date(2026, 11, 24), date(2026, 11, 15)),  # Tue: last week (ends Sun 22nd) is still in its 2-day grace
    (date(2026, 11, 25), date(2026, 11, 22)),  # Wed: grace over, last week is closed
])
def test_latest_closed_weekly_period_respects_grace(today, expected_end):
    assert latest_closed_period("weekly", today, 2, ANCHOR).end == expected_end


def timeline(reported_in: date, *spans: tuple[str, date, date | None], category="probation", ended=None):
    return Timeline(category, reported_in, ended, tuple(LevelSpan(*s) for s in spans))


def test_a_new_intake_is_strict_for_two_months_whatever_was_recorded():
    t = timeline(date(2026, 9, 10), ("lenient", date(2026, 9, 1), None))
    assert t.level_on(date(2026, 11, 9), STRICT_MONTHS) == "strict"
    assert t.level_on(date(2026, 11, 10), STRICT_MONTHS) == "lenient"


def test_a_strict_new_intake_owes_a_weekly_report():
    t = timeline(date(2026, 11, 2), ("ordinary", date(2026, 10, 20), None))
    periodic = STREAMS["periodic"]
    week = period_containing("weekly", date(2026, 11, 16), ANCHOR)
    assert owes(periodic, t, week, "weekly", STRICT_MONTHS)
    assert not owes(periodic, t, period_containing("biweekly", date(2026, 11, 16), ANCHOR), "biweekly",
                    STRICT_MONTHS)


def test_after_two_months_and_a_change_to_ordinary_the_cadence_changes_from_that_date():
    # Reported in 2026-07-01 (new intake until 2026-09-01), recorded strict, changed to 普管 on 2026-10-14.
    t = timeline(date(2026, 7, 1), ("strict", date(2026, 6, 25), date(2026, 10, 14)),
                 ("ordinary", date(2026, 10, 14), None))
    periodic = STREAMS["periodic"]
    before = period_containing("weekly", date(2026, 10, 7), ANCHOR)      # ends 10-11, strict then
    assert owes(periodic, t, before, "weekly", STRICT_MONTHS)
    straddling = period_containing("weekly", date(2026, 10, 13), ANCHOR)  # ends 10-18: under the new level
    assert not owes(periodic, t, straddling, "weekly", STRICT_MONTHS)
    after = period_containing("biweekly", date(2026, 10, 20), ANCHOR)
    assert owes(periodic, t, after, "biweekly", STRICT_MONTHS)
    history = period_containing("biweekly", date(2026, 9, 20), ANCHOR)    # history is not rewritten
    assert not owes(periodic, t, history, "biweekly", STRICT_MONTHS)


def test_nothing_is_owed_before_report_in_or_after_the_file_closes():
    t = timeline(date(2026, 11, 18), ("strict", date(2026, 11, 10), None), ended=date(2026, 12, 10))
    periodic = STREAMS["periodic"]
    assert not owes(periodic, t, period_containing("weekly", date(2026, 11, 17), ANCHOR), "weekly", STRICT_MONTHS)
    assert owes(periodic, t, period_containing("weekly", date(2026, 11, 23), ANCHOR), "weekly", STRICT_MONTHS)
    assert not owes(periodic, t, period_containing("weekly", date(2026, 12, 9), ANCHOR), "weekly", STRICT_MONTHS)


@pytest.mark.parametrize("category, owed", [("temporary_release", True), ("probation", False)])
def test_health_reports_are_for_temporary_release(category, owed):
    t = timeline(date(2026, 6, 1), ("ordinary", date(2026, 5, 20), None), category=category)
    month = period_containing("monthly", date(2026, 10, 5), ANCHOR)
    assert owes(STREAMS["health_report"], t, month, "monthly", STRICT_MONTHS) is owed
    quarter = period_containing("quarterly", date(2026, 8, 5), ANCHOR)
    assert owes(STREAMS["medical_review"], t, quarter, "quarterly", STRICT_MONTHS) is owed


def test_owed_periods_around_today_span_closed_in_grace_and_current():
    t = timeline(date(2026, 9, 1), ("strict", date(2026, 8, 25), None))
    periods = owed_periods_around(STREAMS["periodic"], t, date(2026, 11, 24), STRICT_MONTHS, ANCHOR)
    assert periods == [Period(date(2026, 11, 9), date(2026, 11, 15)),    # latest closed
                       Period(date(2026, 11, 16), date(2026, 11, 22)),   # in grace until the 24th
                       Period(date(2026, 11, 23), date(2026, 11, 29))]   # current
