"""What the console's templates show people: Chinese names for the codes, local times, time left."""

from datetime import date, datetime

from correction import clock
from correction.clock import LOCAL_TZ
from correction.rules.inspection import DISPOSITION_NAMES

LABELS: dict[str, dict[str, str]] = {
    "category": {"control": "管制", "probation": "缓刑", "parole": "假释", "temporary_release": "暂予监外执行"},
    "level": {"strict": "严管", "ordinary": "普管", "lenient": "宽管"},
    "subject_status": {"awaiting_report": "待报到", "under_correction": "在矫", "released": "解除矫正",
                       "terminated": "终止矫正", "transferred_out": "已迁出"},
    "leave_status": {"submitted": "待司法所审批", "forwarded": "待县级机构审批", "approved": "已批准",
                     "rejected": "未批准", "cancelled": "已撤回", "departed": "已出发", "returned": "已销假"},
    "leave_kind": {"trip": "外出申请", "permit_trip": "经常性跨市县报备", "extension": "延期申请"},
    "leave_reason": {"medical": "就医", "education": "就学", "litigation": "诉讼", "family": "家庭事务",
                     "work": "工作", "business": "经商"},
    "approver_level": {"judicial_office": "司法所", "county_agency": "县级社区矫正机构"},
    "step": {"submitted": "提交", "forwarded": "司法所意见并报县级机构", "approved": "批准", "rejected": "不批准",
             "cancelled": "撤回", "departed": "出发", "returned": "销假", "escalated": "超时升级"},
    "alert_type": {"not_reported_in": "未报到", "report_overdue": "未按时报告",
                   "hours_behind": "教育学习/公益活动时长不足", "out_of_bounds": "越界", "late_return": "未按时销假",
                   "missed_checkin": "未签到/未点验",
                   "spoofing": "疑似人机分离或虚拟定位", "approval_overdue": "审批超时",
                   "relocation_overdue": "变更执行地逾期"},
    "alert_status": {"open": "待处理", "acknowledged": "已签收", "resolved": "已处理"},
    "disposition": DISPOSITION_NAMES,
    "report_kind": {"periodic": "定期报告", "life_event": "及时报告", "health_report": "身体状况报告",
                    "medical_review": "病情复查"},
    "life_event": {"residence_change": "居所变化", "job_change": "工作变动", "family_event": "家庭重大变故",
                   "risky_contact": "接触不良人员"},
    "obligation": {"report_in": "报到", "periodic": "定期报告", "health_report": "身体状况报告",
                   "medical_review": "病情复查", "education_hours": "教育学习时长",
                   "public_welfare_hours": "公益活动时长",
                   "checkin": "位置签到", "spot_check": "随机点验"},
    "obligation_status": {"open": "未到期", "fulfilled": "已完成", "overdue": "已逾期"},
    "verdict": {"inside": "辖区内", "on_approved_trip": "经批准外出地", "outside": "辖区外", "uncertain": "无法确定"},
    "signal_kind": {"out_of_bounds": "越界", "impossible_speed": "移动速度异常", "mock_location": "虚拟定位",
                    "late_fix": "定位迟到", "missed_spot_check": "未点验", "missed_checkin": "未签到"},
    "fix_source": {"gps": "卫星定位", "wifi": "无线网络", "cell": "基站"},
    "cadence": {"daily": "每日", "weekly": "每周", "biweekly": "每两周", "monthly": "每月"},
    "finding_kind": {"correction_notice": "纠正意见", "procuratorial_suggestion": "检察建议"},
    "reason_code": {
        "leave_wrong_level": "越权审批", "leave_approved_late": "外出开始后才批准",
        "leave_over_trip_cap": "超过单次外出上限",
        "leave_over_yearly_cap": "超过年度累计外出上限", "leave_short_notice": "未按规定提前申请",
        "fast_track_approval": "涉企简捷审批", "fast_track_overdue": "涉企简捷审批超时", "late_return": "未按时销假",
        "out_of_bounds_alert": "越界告警及处理", "missed_checkin_alert": "未签到/未点验告警及处理",
        "sanction_missing": "违规未依规处理", "alert_unresolved": "违规告警逾期未处理", "report_in_late": "逾期报到",
        "out_of_contact": "疑似脱管", "release_late": "未按期解除矫正",
        "relocation_handover_late": "变更执行地逾期移交",
        "relocation_report_late": "变更执行地逾期报到", "random_sample": "随机抽查"},
    "notification": {"alert": "告警", "reminder": "提醒", "term_ending": "期满提示", "finding": "检察意见",
                     "inspection_list": "巡检清单", "leave_monthly_list": "外出月报"},
}


def label(value, kind: str) -> str:
    """The Chinese name of a code (an enum member or its value); the code itself when none is known."""
    if value is None:
        return ""
    code = getattr(value, "value", value)
    return LABELS[kind].get(code, code)


def local(instant: datetime | date | None, with_time: bool = True) -> str:
    """An instant in Asia/Shanghai ("2026-11-26 12:00"), or a date as ISO."""
    if instant is None:
        return ""
    if not isinstance(instant, datetime):
        return instant.isoformat()
    return instant.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def time_left(due: datetime | None) -> str:
    """"剩余 5 小时 20 分" before a deadline, "已超时 2 小时 5 分" after it."""
    if due is None:
        return ""
    minutes = int((due - clock.now()).total_seconds() // 60)
    span = abs(minutes)
    text = f"{span // 60} 小时 {span % 60} 分" if span >= 60 else f"{span} 分钟"
    return f"剩余 {text}" if minutes >= 0 else f"已超时 {text}"


def register(blueprint) -> None:
    """Make the filters available to the console's templates."""
    for name, function in (("label", label), ("local", local), ("time_left", time_left)):
        blueprint.add_app_template_filter(function, name)
