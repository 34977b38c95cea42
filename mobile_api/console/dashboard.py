"""The officer's dashboard: approvals waiting (fast track first, with time left), open alerts, who is overdue."""

from flask import Blueprint, redirect, render_template

from correction import clock
from correction.models import AlertStatus, Role
from correction.services import alert_actions, leave, overdue, reports
from mobile_api.auth import actor
from mobile_api.console.guard import STAFF, home_for, page

bp = Blueprint("dashboard", __name__)
SHOWN = 10


@bp.get("/")
@page(*STAFF)
def show_dashboard():
    """What an officer has to do now; an inspector's home is the inspection lists."""
    user = actor()
    if user.role == Role.inspector:
        return redirect(home_for(user))
    now = clock.now()
    return render_template(
        "console/dashboard.html", now=now,
        queue=leave.queue(user, 1, SHOWN),
        alerts=alert_actions.list_alerts(user, 1, SHOWN, AlertStatus.open),
        overdue=overdue.overdue_in_scope(user, now, 1, SHOWN),
        unreviewed=reports.list_reports(user, 1, 1, reviewed=False).total)
