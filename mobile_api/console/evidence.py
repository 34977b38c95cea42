"""An alert's evidence (JSON kept by the services, keys in English) as rows a person reads: Chinese labels, local
times, names for codes, nested signals indented under their own heading."""

from datetime import datetime

from mobile_api.console.display import LABELS, local

KEYS = {
    "kind": "类型", "due": "应完成日期", "period_start": "周期开始", "period_end": "周期结束", "days_late": "逾期天数",
    "required_hours": "应完成时长（小时）", "done_hours": "已完成时长（小时）", "leave_id": "外出申请编号",
    "end_date": "应返回日期", "submitted_at": "提交时间", "decision_due_at": "审批时限",
    "relocation_id": "变更申请编号",
    "step": "环节", "signals": "信号", "detected_at": "发现时间", "evidence": "依据", "absent_days": "持续天数",
    "checkin_id": "签到记录编号", "checkin_ids": "签到记录编号", "captured_at": "定位时间", "received_at": "接收时间",
    "captured_from": "最早定位时间", "captured_to": "最晚定位时间", "from": "起", "to": "止", "offline": "离线补传",
    "source": "定位来源", "verdict": "判定", "distance_m": "距离（米）", "seconds": "间隔（秒）",
    "speed_kmh": "速度（公里/小时）", "accuracy_m": "定位精度（米）", "consecutive_outside": "连续辖区外次数",
    "late_fix_minutes": "迟到阈值（分钟）", "cadence": "签到频次", "spot_check_id": "随机点验编号",
    "requested_at": "发起时间", "respond_by": "应答截止", "id": "编号",
}
CODES = {  # the names of the codes an evidence key holds: an obligation's or a signal's kind, and so on
    "kind": {**LABELS["obligation"], **LABELS["signal_kind"]},
    "verdict": LABELS["verdict"],
    "source": LABELS["fix_source"],
    "cadence": LABELS["cadence"],
    "step": {"handover": "移交", "report_in": "报到"},  # a relocation's overdue step, not a leave step
}


def evidence_rows(evidence: dict, depth: int = 0) -> list[tuple[int, str, str]]:
    """(depth, label, value) for each entry; a list of records (the signals) becomes one heading per record."""
    rows = []
    for key, value in evidence.items():
        name = KEYS.get(key, key)
        if isinstance(value, dict):
            rows += [(depth, name, ""), *evidence_rows(value, depth + 1)]
        elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            for number, item in enumerate(value, 1):
                rows += [(depth, f"{name} {number}", ""), *evidence_rows(item, depth + 1)]
        else:
            rows.append((depth, name, _shown(key, value)))
    return rows


def _shown(key: str, value) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(_shown(key, item) for item in value)
    if key in CODES and isinstance(value, str):
        return CODES[key].get(value, value)
    if isinstance(value, str) and "T" in value:
        try:
            return local(datetime.fromisoformat(value))
        except ValueError:
            return value
    return "" if value is None else str(value)
