"""外出 in the console: the approval queue, one request with its steps, approve or reject with an opinion."""

from flask import Blueprint, flash, redirect, render_template, request, url_for

from correction import clock
from correction.models import LeaveStatus, Role
from correction.services import leave
from mobile_api.auth import actor
from mobile_api.console.forms import load
from mobile_api.routes import ID
from mobile_api.console.guard import STAFF, page
from mobile_api.schemas.leave import DecisionSchema, LeaveQueueArgsSchema, RejectionSchema

bp = Blueprint("leave", __name__, url_prefix="/leave")


@bp.get("")
@page(*STAFF)
def list_leave():
    """The queue at the caller's level (fast track first, by time left), or the requests in one status."""
    args = load(LeaveQueueArgsSchema, request.args)
    return render_template("console/leave_list.html", args=args,
                           found=leave.queue(actor(), args["page"], args["per_page"], args["status"]))


@bp.get(f"/<{ID}:request_id>")
@page(*STAFF)
def show_leave(request_id):
    """One request: destinations, reasons, warnings, its steps and, for officers, the decision form."""
    return render_template("console/leave_detail.html", item=leave.get_request(actor(), request_id))


@bp.post(f"/<{ID}:request_id>/approve")
@page(Role.officer)
def approve_leave(request_id):
    """Approve at the caller's level (a judicial office forwards a request above its authority)."""
    body = load(DecisionSchema)
    decided = leave.decide(actor(), request_id, as_of=clock.now(), approve=True, opinion=body["opinion"])
    flash("已转报县级社区矫正机构审批。" if decided.status == LeaveStatus.forwarded else "已批准。", "success")
    return redirect(url_for(".show_leave", request_id=request_id))


@bp.post(f"/<{ID}:request_id>/reject")
@page(Role.officer)
def reject_leave(request_id):
    """Refuse with reasons (required)."""
    body = load(RejectionSchema)
    leave.decide(actor(), request_id, as_of=clock.now(), approve=False, opinion=body["opinion"])
    flash("已作出不批准的意见。", "success")
    return redirect(url_for(".show_leave", request_id=request_id))
