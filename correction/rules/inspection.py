"""The quarterly inspection list's vocabulary (domain-rules §15): its reason codes in the order the list shows
them, evidence links, short quotations, and the reproducible draw of files for a spot check."""

import hashlib
from collections.abc import Iterable

API = "/api/v1"

# The order of the list: approvals first (SPP rules art 643: unlawful approval of leave), then what happened on
# trips, the location alerts and how the ladder was followed, report-in, contact, release, change of residence.
REASON_CODES = (
    "leave_wrong_level",          # 越权审批: > office_max_days approved by a judicial office
    "leave_approved_late",        # 外出开始后才批准
    "leave_over_trip_cap",        # 超过单次外出上限
    "leave_over_yearly_cap",      # 超过年度累计外出上限
    "leave_short_notice",         # 未按规定提前申请即获批准
    "fast_track_approval",        # 涉企简捷审批, decided within the deadline
    "fast_track_overdue",         # 涉企简捷审批超过时限
    "late_return",                # 未按时销假
    "out_of_bounds_alert",        # 越界告警及其处理
    "missed_checkin_alert",       # 未签到、未点验告警及其处理
    "sanction_missing",           # 违规未依规训诫、警告或提请
    "alert_unresolved",           # 违规告警逾期未处理
    "report_in_late",             # 逾期报到 (> the statutory 10 days)
    "out_of_contact",             # 疑似脱管
    "release_late",               # 未按期解除矫正
    "relocation_handover_late",   # 变更执行地：逾期移交
    "relocation_report_late",     # 变更执行地：逾期到新执行地报到
    "random_sample",              # 随机抽查 (not an irregularity)
)
SAMPLE = "random_sample"
DISPOSITION_NAMES = {"excused": "不予处理", "admonition": "训诫", "warning": "警告", "other": "其他"}


def evidence(kind: str, record_id: int, summary: str, path: str) -> dict:
    """One piece of evidence: what it is, its id, a line for people and the API path that shows it."""
    return {"type": kind, "id": record_id, "summary": quote(summary, 120), "link": f"{API}{path}"}


def subject_file(subject_id: int, name: str) -> dict:
    return evidence("subject", subject_id, f"矫正对象档案：{name}", f"/subjects/{subject_id}")


def subject_history(subject_id: int, what: str) -> dict:
    return evidence("subject_history", subject_id, what, f"/subjects/{subject_id}/history")


def leave_request(leave_id: int, summary: str) -> dict:
    return evidence("leave_request", leave_id, summary, f"/leave-requests/{leave_id}")


def alert(alert_id: int, summary: str) -> dict:
    return evidence("alert", alert_id, summary, f"/alerts/{alert_id}")


def relocation_request(relocation_id: int, summary: str) -> dict:
    return evidence("relocation_request", relocation_id, summary, f"/relocation-requests/{relocation_id}")


def checkins(subject_id: int, summary: str) -> dict:
    return evidence("checkins", subject_id, summary, f"/subjects/{subject_id}/checkins")


def quote(text: str | None, limit: int = 40) -> str:
    """A note or explanation shortened for a reason line (the evidence link has the whole text)."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def draw_sample(subject_ids: Iterable[int], county_id: int, quarter: str, count: int) -> list[int]:
    """随机抽查: `count` files, the same for the same county, quarter and population. Each id is ranked by a hash
    of (county, quarter, id), so files added or listed later move the draw as little as possible; sorted by id."""
    def rank(subject_id: int) -> bytes:
        return hashlib.sha256(f"inspection:{county_id}:{quarter}:{subject_id}".encode()).digest()

    return sorted(sorted(set(subject_ids), key=rank)[:count])
