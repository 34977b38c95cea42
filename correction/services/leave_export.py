"""The monthly list of approved leave for the procuratorate (外出审批情况月报), as a table with Chinese headers."""

from datetime import date, datetime

from correction.clock import LOCAL_TZ
from correction.models import LeaveRequest, User
from correction.services.inspections import Export
from correction.services.leave import monthly_list

HEADERS = ("序号", "矫正对象", "矫正类别", "司法所", "外出类型", "目的地", "事由类型", "外出事由", "开始日期",
           "结束日期", "天数", "审批层级", "涉企简捷审批", "批准时间", "状态", "销假时间")
CATEGORIES = {"control": "管制", "probation": "缓刑", "parole": "假释", "temporary_release": "暂予监外执行"}
KINDS = {"trip": "外出申请", "permit_trip": "经常性跨市县报备", "extension": "延期"}
REASONS = {"medical": "就医", "education": "就学", "litigation": "诉讼", "family": "家庭事务", "work": "工作",
           "business": "经商"}
LEVELS = {"judicial_office": "司法所", "county_agency": "县级社区矫正机构"}
STATUSES = {"approved": "已批准", "departed": "已出发", "returned": "已销假"}


def monthly_leave_export(actor: User, month_start: date) -> Export:
    """The month's approved trips of the actor's county, one row each, in the order they were approved.

    :raises Forbidden: the actor belongs to no county.
    """
    rows = [_row(n, request) for n, request in enumerate(monthly_list(actor, month_start), start=1)]
    county = actor.unit.county_id
    return Export(f"{month_start.year}年{month_start.month}月外出审批情况", f"leave-{county}-{month_start:%Y-%m}",
                  f"{month_start:%Y-%m}外出审批", HEADERS, rows)


def _row(n: int, request: LeaveRequest) -> list:
    subject = request.subject
    return [n, subject.name, CATEGORIES[subject.category], subject.office.name, KINDS[request.kind],
            "、".join(d.city_name for d in request.destinations), REASONS[request.reason_type],
            request.reason, request.start_date.isoformat(), request.end_date.isoformat(), request.days,
            LEVELS[request.approver_level], "是" if request.fast_track else "否", _local(request.decided_at),
            STATUSES[request.status], _local(request.returned_at)]


def _local(instant: datetime | None) -> str:
    return instant.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if instant else ""
