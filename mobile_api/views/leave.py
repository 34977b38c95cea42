"""外出: the supervisee's requests and return (销假), the officers' approval queue and decisions, the monthly list
for the procuratorate, fast-track statistics and eligibility."""

from datetime import date

from correction import clock
from correction.models import Role
from correction.services import leave, leave_export
from mobile_api import spreadsheets
from mobile_api.auth import BEARER, actor, roles
from mobile_api.idempotency import DOC as IDEMPOTENCY_DOC
from mobile_api.idempotency import idempotent
from mobile_api.routes import ID, Blueprint
from mobile_api.schemas.base import PageArgsSchema
from mobile_api.schemas.leave import (
    DecisionSchema, ExtensionSchema, FastTrackStatsSchema, LeaveCreateSchema, LeavePageSchema, LeaveQueueArgsSchema,
    LeaveSchema, MonthArgsSchema, MonthlyExportArgsSchema, PeriodArgsSchema, RejectionSchema, ReturnSchema,
    SuspensionSchema,
)
from mobile_api.schemas.subjects import SubjectSchema

blp = Blueprint("leave", __name__, url_prefix="/api/v1", description="外出请假、销假与延期；审批队列；检察院月报")
MINE = f"/me/leave-requests/<{ID}:request_id>"
OFFICERS = f"/leave-requests/<{ID}:request_id>"


@blp.post("/me/leave-requests")
@blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
@roles(Role.supervisee)
@idempotent
@blp.arguments(LeaveCreateSchema)
@blp.response(201, LeaveSchema)
def submit_leave(body):
    """外出申请: routed by days (≤ 7: 司法所; > 7: 县级机构); short notice is a warning; fast track for business."""
    return leave.submit_leave(actor(), as_of=clock.now(), **body)


@blp.get("/me/leave-requests")
@blp.doc(security=BEARER)
@roles(Role.supervisee)
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, LeavePageSchema)
def list_my_leave(args):
    """My requests with their steps (who decided, when, opinion), newest first."""
    return leave.own_requests(actor(), args["page"], args["per_page"])


@blp.post(f"{MINE}/cancel")
@blp.doc(security=BEARER)
@roles(Role.supervisee)
@blp.response(200, LeaveSchema)
def cancel_leave(request_id):
    """Withdraw before departure."""
    return leave.cancel(actor(), request_id, as_of=clock.now())


@blp.post(f"{MINE}/depart")
@blp.doc(security=BEARER)
@roles(Role.supervisee)
@blp.response(200, LeaveSchema)
def depart(request_id):
    """Report leaving on an approved trip."""
    return leave.depart(actor(), request_id, as_of=clock.now())


@blp.post(f"{MINE}/return")
@blp.doc(security=BEARER)
@roles(Role.supervisee)
@blp.arguments(ReturnSchema)
@blp.response(200, LeaveSchema)
def return_from_leave(body, request_id):
    """销假: back home, with a location fix."""
    return leave.return_from(actor(), request_id, as_of=clock.now(), location=body["location"])


@blp.post(f"{MINE}/extension")
@blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
@roles(Role.supervisee)
@idempotent
@blp.arguments(ExtensionSchema)
@blp.response(201, LeaveSchema)
def extend_leave(body, request_id):
    """Ask for a later end date; the level that approved the trip decides."""
    return leave.extend(actor(), request_id, as_of=clock.now(), **body)


@blp.get("/leave-requests")
@blp.doc(security=BEARER)
@roles(Role.officer, Role.inspector)
@blp.arguments(LeaveQueueArgsSchema, location="query")
@blp.response(200, LeavePageSchema)
def leave_queue(args):
    """`status=pending` (default): waiting at the caller's level, fast track first by time left."""
    return leave.queue(actor(), args["page"], args["per_page"], args["status"])


@blp.get(OFFICERS)
@blp.doc(security=BEARER)
@roles(Role.officer, Role.inspector)
@blp.response(200, LeaveSchema)
def get_leave(request_id):
    """One request in the caller's scope, with its steps (who decided, when, at which level)."""
    return leave.get_request(actor(), request_id)


@blp.post(f"{OFFICERS}/approve")
@blp.doc(security=BEARER)
@roles(Role.officer)
@blp.arguments(DecisionSchema)
@blp.response(200, LeaveSchema)
def approve_leave(body, request_id):
    """Approve at the caller's level; a judicial office forwards a > 7-day request to the county with its opinion.
    409 if already decided."""
    return leave.decide(actor(), request_id, as_of=clock.now(), approve=True, opinion=body["opinion"])


@blp.post(f"{OFFICERS}/reject")
@blp.doc(security=BEARER)
@roles(Role.officer)
@blp.arguments(RejectionSchema)
@blp.response(200, LeaveSchema)
def reject_leave(body, request_id):
    """Refuse with reasons (required); above the office's authority the office's refusal is an opinion."""
    return leave.decide(actor(), request_id, as_of=clock.now(), approve=False, opinion=body["opinion"])


@blp.get("/leave-requests/overdue-returns")
@blp.doc(security=BEARER)
@roles(Role.officer, Role.inspector)
@blp.response(200, LeaveSchema(many=True))
def overdue_returns():
    """未按时销假: approved or departed trips past their end date without a return."""
    return leave.overdue_returns_in_scope(actor(), clock.now())


@blp.get("/leave-requests/monthly")
@blp.doc(security=BEARER)
@roles(Role.officer, Role.inspector)
@blp.arguments(MonthArgsSchema, location="query")
@blp.response(200, LeaveSchema(many=True))
def monthly_leave(args):
    """The month's approved trips of the caller's county: the list the procuratorate receives each month."""
    year, month = (int(part) for part in args["month"].split("-"))
    return leave.monthly_list(actor(), date(year, month, 1))


@blp.get("/leave-requests/monthly/export")
@blp.doc(security=BEARER, responses=spreadsheets.RESPONSES)
@roles(Role.officer, Role.inspector)
@blp.arguments(MonthlyExportArgsSchema, location="query")
def export_monthly_leave(args):
    """The month's list as a spreadsheet (`format=xlsx`, default, or `csv` in UTF-8 with BOM) with the headers 序号,
    矫正对象, 矫正类别, 司法所, 外出类型, 目的地, 事由类型, 外出事由, 开始日期, 结束日期, 天数, 审批层级, 涉企简捷审批,
    批准时间, 状态, 销假时间."""
    year, month = (int(part) for part in args["month"].split("-"))
    table = leave_export.monthly_leave_export(actor(), date(year, month, 1))
    return spreadsheets.download(args["format"], table.name, table.ascii_name, table.title, table.headers,
                                 table.rows)


@blp.get("/leave-requests/fast-track-stats")
@blp.doc(security=BEARER)
@roles(Role.officer, Role.inspector)
@blp.arguments(PeriodArgsSchema, location="query")
@blp.response(200, FastTrackStatsSchema)
def fast_track_stats(args):
    """Fast-track decision times for requests submitted in the period: median hours, share within the deadline."""
    return leave.fast_track_stats_in_scope(actor(), args["from_"], args["to"])


@blp.post(f"/subjects/<{ID}:subject_id>/fast-track/suspend")
@blp.doc(security=BEARER)
@roles(Role.officer)
@blp.arguments(SuspensionSchema)
@blp.response(200, SubjectSchema)
def suspend_fast_track(body, subject_id):
    """Withdraw the 涉企 fast track after a violation."""
    return leave.set_fast_track(actor(), subject_id, as_of=clock.now(), suspended=True, reason=body["reason"])


@blp.post(f"/subjects/<{ID}:subject_id>/fast-track/restore")
@blp.doc(security=BEARER)
@roles(Role.officer)
@blp.arguments(SuspensionSchema)
@blp.response(200, SubjectSchema)
def restore_fast_track(body, subject_id):
    """Restore the 涉企 fast track."""
    return leave.set_fast_track(actor(), subject_id, as_of=clock.now(), suspended=False, reason=body["reason"])
