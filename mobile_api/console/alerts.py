"""告警 in the console: the list, one alert with its evidence and the ladder's suggestion, acknowledge, resolve
with a disposition, answer a contest."""

from flask import Blueprint, flash, redirect, render_template, request, url_for

from correction import clock
from correction.models import AlertStatus, AlertType, Disposition, Role
from correction.services import alert_actions
from mobile_api.auth import actor
from mobile_api.console.evidence import evidence_rows
from mobile_api.console.forms import load
from mobile_api.routes import ID
from mobile_api.console.guard import STAFF, page
from mobile_api.schemas.alerts import AlertArgsSchema, ContestAnswerSchema, ResolveSchema

bp = Blueprint("alerts", __name__, url_prefix="/alerts")


@bp.get("")
@page(*STAFF)
def list_alerts():
    """Alerts in scope, newest first, filtered by status and type."""
    args = load(AlertArgsSchema, request.args)
    return render_template("console/alert_list.html", args=args, statuses=AlertStatus, types=AlertType,
                           found=alert_actions.list_alerts(actor(), args["page"], args["per_page"], args["status"],
                                                           args["type"], args["subject_id"]))


@bp.get(f"/<{ID}:alert_id>")
@page(*STAFF)
def show_alert(alert_id):
    """One alert with its evidence in words, and the forms an officer acts through."""
    alert = alert_actions.get_alert(actor(), alert_id)
    return render_template("console/alert_detail.html", alert=alert, evidence=evidence_rows(alert.evidence),
                           dispositions=Disposition)


@bp.post(f"/<{ID}:alert_id>/acknowledge")
@page(Role.officer)
def acknowledge_alert(alert_id):
    alert_actions.acknowledge(actor(), alert_id, as_of=clock.now())
    flash("已签收。", "success")
    return redirect(url_for(".show_alert", alert_id=alert_id))


@bp.post(f"/<{ID}:alert_id>/resolve")
@page(Role.officer)
def resolve_alert(alert_id):
    """Close the alert with a disposition (训诫 and 警告 are recorded as sanctions)."""
    alert_actions.resolve(actor(), alert_id, as_of=clock.now(), **load(ResolveSchema))
    flash("告警已处理。", "success")
    return redirect(url_for(".show_alert", alert_id=alert_id))


@bp.post(f"/<{ID}:alert_id>/contest-answer")
@page(Role.officer)
def answer_contest(alert_id):
    alert_actions.answer_contest(actor(), alert_id, as_of=clock.now(), answer=load(ContestAnswerSchema)["answer"])
    flash("已答复申辩。", "success")
    return redirect(url_for(".show_alert", alert_id=alert_id))
