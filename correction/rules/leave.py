"""Leave to travel (外出): days, approver level, notice, caps and fast-track eligibility (domain-rules §8–§9).

Pure functions over the rule table's values. Where the law is silent the rules warn and a human decides.
"""

import re
from dataclasses import dataclass
from datetime import date

# GB/T 2260: province codes, and the four municipalities whose province-level code stands for the city.
PROVINCES = {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42",
             "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82"}
MUNICIPALITIES = {"110000", "120000", "310000", "500000"}
_CITY = re.compile(r"^\d{4}00$")


def city_code_problem(code: str) -> str | None:
    """Why a code is not a prefecture-level city (地级市) or municipality code, or None."""
    if code in MUNICIPALITIES:
        return None
    if not _CITY.match(code) or code[:2] not in PROVINCES or code[2:4] == "00":
        return "城市代码应为6位地级市行政区划代码（直辖市用省级代码，如110000）。"
    return None


def leave_days(start: date, end: date) -> int:
    """Days away, both ends counted."""
    return (end - start).days + 1


def approver_level(days: int, office_max_days: int) -> str:
    """≤ office_max_days: the judicial office (备案 with the county); longer: the county agency."""
    return "judicial_office" if days <= office_max_days else "county_agency"


@dataclass(frozen=True)
class LeaveCheck:
    days: int
    approver_level: str
    warnings: tuple[str, ...]
    problem: tuple[str, str] | None  # (field, Chinese message) that refuses the request


def check_leave(rules: dict, today: date, start: date, end: date, reason_type: str, fast_track: bool,
                days_this_year: int) -> LeaveCheck:
    """Route and check a trip request; `rules` is the `leave` section, `days_this_year` the approved days so far."""
    days = leave_days(start, end)
    level = approver_level(days, rules["office_max_days"])
    track = rules["fast_track"] if fast_track else rules
    warnings = []
    problem = None
    if end < start:
        problem = ("end_date", "结束日期不能早于开始日期。")
    elif start < today:
        problem = ("start_date", "开始日期不能早于今天。")
    elif reason_type not in track["reason_types"]:
        problem = ("reason_type", "涉企简捷通道只受理生产经营事由。" if fast_track else "外出事由不在规定范围内。")
    elif rules["per_trip_max_days"] and days > rules["per_trip_max_days"]:
        problem = ("end_date", f"单次外出不得超过{rules['per_trip_max_days']}天。")
    elif rules["yearly_max_days"] and days_this_year + days > rules["yearly_max_days"]:
        problem = ("end_date", f"本年度累计外出不得超过{rules['yearly_max_days']}天（已批准{days_this_year}天）。")
    if problem is None and (start - today).days < track["notice_days"]:
        warnings.append("short_notice")
    return LeaveCheck(days, level, tuple(warnings), problem)


def fast_track_refusal(rules: dict, role: str | None, verified: bool, suspended: bool, level: str,
                       warned_recently: bool) -> str | None:
    """Why the subject may not use the 涉企 fast track (Chinese), or None; `rules` is `leave.fast_track`."""
    if role is None or not verified:
        return "未登记经核实的民营企业任职信息，不能使用涉企简捷通道。"
    if role not in rules["eligible_roles"]:
        return "该企业任职不在涉企简捷通道适用范围内。"
    if suspended:
        return "因违规，涉企简捷通道已暂停。"
    if level in rules["excluded_levels"]:
        return "严管期间不能使用涉企简捷通道。"
    if warned_recently:
        return f"近{rules['warning_lookback_months']}个月内受过警告，不能使用涉企简捷通道。"
    return None
