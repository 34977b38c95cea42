"""外出 rules from domain-rules §8–§9 and rules-table rows 11–18: days, approver level, notice, caps, fast track."""

from datetime import date, timedelta

import pytest

from config import load_rules
from correction.rules.leave import approver_level, check_leave, city_code_problem, fast_track_refusal, leave_days

LEAVE = load_rules()["leave"]
TODAY = date(2026, 11, 26)


def check(start_in: int, days: int, reason: str = "family", fast_track: bool = False, used: int = 0, rules=LEAVE):
    start = TODAY + timedelta(days=start_in)
    return check_leave(rules, TODAY, start, start + timedelta(days=days - 1), reason, fast_track, used)


@pytest.mark.parametrize("days, level", [(1, "judicial_office"), (7, "judicial_office"), (8, "county_agency"),
                                         (30, "county_agency")])
def test_approver_level_by_days(days, level):
    assert approver_level(days, LEAVE["office_max_days"]) == level
    assert check(5, days).approver_level == level


def test_days_count_both_ends():
    assert leave_days(date(2026, 12, 1), date(2026, 12, 7)) == 7


@pytest.mark.parametrize("start_in, fast_track, reason, warnings", [
    (3, False, "family", ()), (2, False, "family", ("short_notice",)), (0, False, "medical", ("short_notice",)),
    (0, True, "business", ()),
])
def test_notice(start_in, fast_track, reason, warnings):
    result = check(start_in, 2, reason, fast_track)
    assert result.problem is None and result.warnings == warnings


@pytest.mark.parametrize("start_in, days, reason, fast_track, field", [
    (-1, 2, "family", False, "start_date"),         # a date in the past
    (3, 2, "tourism", False, "reason_type"),        # not a legitimate reason (就医、就学、诉讼、家庭或工作事务)
    (3, 2, "medical", True, "reason_type"),         # the fast track is for business only
])
def test_refusals(start_in, days, reason, fast_track, field):
    assert check(start_in, days, reason, fast_track).problem[0] == field


def test_no_national_caps_but_regional_ones_apply():
    assert check(3, 60).problem is None  # no national per-trip or yearly cap
    regional = {**LEAVE, "per_trip_max_days": 30, "yearly_max_days": 60}
    assert check(3, 30, rules=regional).problem is None
    assert check(3, 31, rules=regional).problem == ("end_date", "单次外出不得超过30天。")
    assert check(3, 11, used=50, rules=regional).problem[0] == "end_date"
    assert check(3, 10, used=50, rules=regional).problem is None


FAST = LEAVE["fast_track"]


@pytest.mark.parametrize("role, verified, suspended, level, warned, eligible", [
    ("legal_representative", True, False, "ordinary", False, True),
    ("manager", True, False, "lenient", False, True),
    (None, False, False, "ordinary", False, False),            # no enterprise role
    ("manager", False, False, "ordinary", False, False),       # not verified by an officer
    ("manager", True, True, "ordinary", False, False),         # withdrawn after a violation
    ("manager", True, False, "strict", False, False),          # 严管 excluded
    ("manager", True, False, "ordinary", True, False),         # a 警告 in the lookback
    ("driver", True, False, "ordinary", False, False),         # not an eligible role
])
def test_fast_track_eligibility(role, verified, suspended, level, warned, eligible):
    refusal = fast_track_refusal(FAST, role, verified, suspended, level, warned)
    assert (refusal is None) is eligible
    if refusal:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in refusal)


@pytest.mark.parametrize("code, ok", [("210200", True), ("110000", True), ("500000", True), ("210213", False),
                                      ("210000", False), ("990100", False), ("21020", False)])
def test_city_codes(code, ok):
    assert (city_code_problem(code) is None) is ok
