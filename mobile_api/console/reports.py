"""Report review in the console: the queue of unreviewed reports, oldest first, each reviewed in place."""

from flask import Blueprint, flash, redirect, render_template, request, url_for

from correction import clock
from correction.models import Role
from correction.services import reports
from mobile_api.auth import actor
from mobile_api.console.forms import load
from mobile_api.routes import ID
from mobile_api.console.guard import STAFF, page
from mobile_api.schemas.reports import ReportListArgsSchema, ReviewSchema

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.get("")
@page(*STAFF)
def list_reports():
    """Unreviewed reports by default (`reviewed=true` for the reviewed ones)."""
    args = load(ReportListArgsSchema, {"reviewed": "false", **request.args})
    return render_template("console/report_list.html", args=args, found=reports.list_reports(actor(), **args))


@bp.post(f"/<{ID}:report_id>/review")
@page(Role.officer)
def review_report(report_id):
    """Review one report, with a comment and optionally marked for follow-up."""
    reports.review_report(actor(), report_id, as_of=clock.now(), **load(ReviewSchema))
    flash("报告已审阅。", "success")
    return redirect(url_for(".list_reports"))
