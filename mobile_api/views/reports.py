"""Reports and obligations: the supervisee's /me/reports and /me/obligations, the officers' review queue and
the overdue query."""

from correction import clock
from correction.models import Role
from correction.services import overdue, reports
from mobile_api.auth import BEARER, actor, roles
from mobile_api.idempotency import DOC as IDEMPOTENCY_DOC
from mobile_api.idempotency import idempotent
from mobile_api.routes import ID, Blueprint
from mobile_api.schemas.base import PageArgsSchema
from mobile_api.schemas.reports import (
    ObligationSchema, OverdueArgsSchema, OverduePageSchema, ReportCreateSchema, ReportListArgsSchema,
    ReportPageSchema, ReportSchema, ReviewSchema,
)

blp = Blueprint("reports", __name__, url_prefix="/api/v1", description="定期报告、及时报告、应履行事项与逾期查询")


@blp.post("/me/reports")
@blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
@roles(Role.supervisee)
@idempotent
@blp.arguments(ReportCreateSchema)
@blp.response(201, ReportSchema)
def submit_report(body):
    """定期报告 / 及时报告: a recurring report is matched to the period it fulfils and marked on time or late."""
    return reports.submit_report(actor(), as_of=clock.now(), **body)


@blp.get("/me/reports")
@blp.doc(security=BEARER)
@roles(Role.supervisee)
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, ReportPageSchema)
def list_my_reports(args):
    """My reports, newest first."""
    return reports.own_reports(actor(), args["page"], args["per_page"])


@blp.get("/me/obligations")
@blp.doc(security=BEARER)
@roles(Role.supervisee)
@blp.response(200, ObligationSchema(many=True))
def list_my_obligations():
    """What I owe and by when: report-in, recurring reports (latest closed, in grace, current), this month's hours,
    the required check-in of the current period (with `due_at`) and open spot checks (with `spot_check_id`)."""
    return reports.my_obligations(actor(), clock.now())


@blp.get("/reports")
@blp.doc(security=BEARER)
@roles(Role.officer, Role.inspector)
@blp.arguments(ReportListArgsSchema, location="query")
@blp.response(200, ReportPageSchema)
def list_reports(args):
    """Reports of subjects in scope; `reviewed=false` is the review queue, oldest first."""
    return reports.list_reports(actor(), **args)


@blp.post(f"/reports/<{ID}:report_id>/review")
@blp.doc(security=BEARER)
@roles(Role.officer)
@blp.arguments(ReviewSchema)
@blp.response(200, ReportSchema)
def review_report(body, report_id):
    """Review a report once (comment, flag for follow-up); a second review is a 409."""
    return reports.review_report(actor(), report_id, as_of=clock.now(), **body)


@blp.get("/obligations/overdue")
@blp.doc(security=BEARER)
@roles(Role.officer, Role.inspector)
@blp.arguments(OverdueArgsSchema, location="query")
@blp.response(200, OverduePageSchema)
def list_overdue(args):
    """Who in scope is past a deadline at `as_of` (default now): report-in, periodic and health reports, hours;
    with the period, the due day and days late, most late first."""
    return overdue.overdue_in_scope(actor(), args.pop("as_of") or clock.now(), **args)
