"""Verdicts, spoof signals, the K-consecutive rule, check-in periods and the spot-check draw (domain-rules §11, §19)."""

import math
from datetime import UTC, date, datetime, timedelta

import pytest

from config import load_rules
from correction.clock import LOCAL_TZ
from correction.rules.location import (
    FenceCheck, RunFix, capture_time_problem, checkin_cadence, completed_run, draw_spot_checks, impossible_speed,
    is_late, judge, last_closed_checkin_period, period_closes_at,
)
from correction.rules.periods import Period

RULES = load_rules()
LOCATION = RULES["location"]
MAX_ACCURACY = LOCATION["max_accuracy_m"]
ANCHOR = RULES["obligations.biweekly_anchor"]
K = LOCATION["consecutive_outside"]

COUNTY_IN = FenceCheck("county", "inside", 900.0)
COUNTY_OUT = FenceCheck("county", "outside", 40000.0)
COUNTY_EDGE = FenceCheck("county", "uncertain", 30.0)
BEIJING_IN = FenceCheck("city:110000", "inside", 5000.0, leave_id=7)
BEIJING_OUT = FenceCheck("city:110000", "outside", 300000.0, leave_id=7)
UNKNOWN_CITY = FenceCheck("city:990000", "uncertain", None, permit_id=3)


@pytest.mark.parametrize("accuracy, county, destinations, verdict, fence", [
    (20, COUNTY_IN, (), "inside", "county"),
    (20, COUNTY_OUT, (), "outside", "county"),
    (20, COUNTY_EDGE, (), "uncertain", "county"),
    (MAX_ACCURACY + 1, COUNTY_IN, (), "uncertain", "county"),     # too coarse to say anything
    (MAX_ACCURACY, COUNTY_OUT, (), "outside", "county"),
    (20, COUNTY_OUT, (BEIJING_IN,), "on_approved_trip", "city:110000"),
    (20, COUNTY_EDGE, (BEIJING_IN,), "on_approved_trip", "city:110000"),
    (20, COUNTY_OUT, (BEIJING_OUT,), "outside", "county"),
    (20, COUNTY_OUT, (BEIJING_OUT, UNKNOWN_CITY), "uncertain", "city:990000"),  # no boundary: cannot say outside
    (20, COUNTY_IN, (BEIJING_IN,), "inside", "county"),          # home first
    (20, None, (), "uncertain", None),                            # nothing to judge by
])
def test_verdicts(accuracy, county, destinations, verdict, fence):
    judgement = judge(accuracy, MAX_ACCURACY, county, destinations)
    assert (judgement.verdict, judgement.fence) == (verdict, fence)


def test_a_trip_verdict_names_the_trip():
    judgement = judge(20, MAX_ACCURACY, COUNTY_OUT, (BEIJING_IN,))
    assert (judgement.leave_id, judgement.permit_id, judgement.distance_to_boundary_m) == (7, None, 5000.0)


NOW = datetime(2026, 11, 26, 4, 0, tzinfo=UTC)


@pytest.mark.parametrize("captured, problem", [
    (NOW, False), (NOW + timedelta(minutes=LOCATION["capture_skew_minutes"]), False),
    (NOW + timedelta(minutes=LOCATION["capture_skew_minutes"], seconds=1), True),
    (NOW - timedelta(hours=LOCATION["offline_max_hours"]), False),
    (NOW - timedelta(hours=LOCATION["offline_max_hours"], seconds=1), True),
])
def test_capture_time_bounds(captured, problem):
    found = capture_time_problem(captured, NOW, LOCATION["capture_skew_minutes"], LOCATION["offline_max_hours"])
    assert (found is not None) == problem


def test_late_fixes():
    minutes = LOCATION["late_fix_minutes"]
    assert not is_late(NOW - timedelta(minutes=minutes), NOW, minutes)
    assert is_late(NOW - timedelta(minutes=minutes, seconds=1), NOW, minutes)


def speed(distance_m, seconds, accuracy_a=10, accuracy_b=10):
    return impossible_speed(distance_m, seconds, accuracy_a, accuracy_b, LOCATION["speed_min_distance_m"],
                            LOCATION["max_speed_kmh"])


def test_impossible_speed():
    assert speed(100_000, 600) == pytest.approx((100_000 - 20) / 600 * 3.6)  # 100 km in 10 minutes
    assert speed(100_000, 3600) is None      # 100 km/h: a car
    assert speed(300_000, 3600) is None      # 300 km/h: high-speed rail
    assert speed(1_500, 1) is None           # jitter below the minimum distance
    assert speed(5_000, 0) == math.inf       # two places at once


def test_coarse_fixes_of_one_place_are_no_journey():
    assert speed(5_000, 10, accuracy_a=3_000, accuracy_b=1_500) is None


def run(before: str, new: str, after: str = ""):
    """Verdict letters: i inside, o outside, u uncertain, t on trip; ids count from 1 in capture order."""
    letters = {"i": "inside", "o": "outside", "u": "uncertain", "t": "on_approved_trip"}
    fixes = [RunFix(n + 1, letters[c]) for n, c in enumerate(before + new + after)]
    found = completed_run(fixes[:len(before)], fixes[len(before)], fixes[len(before) + 1:], K)
    return None if found is None else [f.id for f in found]


def test_k_consecutive_outside_fixes_make_one_candidate():
    assert K == 3
    assert run("io", "o") is None            # two outside: not yet
    assert run("ioo", "o") == [2, 3, 4]      # the third completes the run
    assert run("iooo", "o") is None          # a fourth extends a run already reported
    assert run("oio", "o") is None           # inside breaks the run
    assert run("oto", "o") is None           # so does an approved trip


def test_uncertain_fixes_neither_count_nor_break_a_run():
    assert run("ouo", "o") == [1, 3, 4]
    assert run("uuo", "o") is None
    assert run("", "u", "oo") is None


def test_a_late_fix_can_complete_a_run_between_others():
    assert run("io", "o", "oi") == [2, 3, 4]
    assert run("o", "o", "o") == [1, 2, 3]
    assert run("oooo", "o", "o") is None     # joins runs that were each reported
    assert run("o", "i", "o") is None


@pytest.mark.parametrize("level, cadence", [("strict", "daily"), ("ordinary", "weekly"), ("lenient", "weekly"),
                                            (None, None)])
def test_checkin_cadence_per_level(level, cadence):
    assert checkin_cadence(RULES["obligations.checkin.cadence"], level) == cadence


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL_TZ)


@pytest.mark.parametrize("as_of, cadence, expected", [
    (local(date(2026, 11, 26), 1, 59), "daily", Period(date(2026, 11, 24), date(2026, 11, 24))),  # 25th in grace
    (local(date(2026, 11, 26), 2, 0), "daily", Period(date(2026, 11, 25), date(2026, 11, 25))),
    (local(date(2026, 11, 30), 1, 0), "weekly", Period(date(2026, 11, 16), date(2026, 11, 22))),
    (local(date(2026, 11, 30), 2, 0), "weekly", Period(date(2026, 11, 23), date(2026, 11, 29))),
])
def test_last_closed_checkin_period_waits_for_the_grace_hours(as_of, cadence, expected):
    grace = RULES["obligations.checkin_window.grace_hours"]
    assert grace == 2
    period = last_closed_checkin_period(cadence, as_of, grace, ANCHOR)
    assert period == expected
    assert period_closes_at(period, grace) <= as_of


def test_the_spot_check_draw_is_reproducible_and_bounded():
    ids = list(range(1, 751))
    share, hours = LOCATION["spot_check"]["daily_share"], LOCATION["spot_check"]["hours"]
    day = date(2026, 11, 26)
    first = draw_spot_checks(ids, day, share, hours)
    assert first == draw_spot_checks(list(reversed(ids)), day, share, hours)
    assert len(first) == 15 and len({d.subject_id for d in first}) == 15
    assert first != draw_spot_checks(ids, day + timedelta(days=1), share, hours)
    assert all(hours[0] <= drawn.requested_at.astimezone(LOCAL_TZ).hour < hours[1] for drawn in first)
    assert len(draw_spot_checks([5], day, share, hours)) == 1
    assert draw_spot_checks([], day, share, hours) == []
