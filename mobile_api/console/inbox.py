"""The console's inbox (every message lands here, pushed or not) and the service worker that shows pushed
messages as system notifications."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, send_from_directory, url_for

from correction import clock
from correction.services import notify
from mobile_api.auth import actor
from mobile_api.console.forms import load
from mobile_api.routes import ID
from mobile_api.console.guard import STAFF, page
from mobile_api.schemas.base import PageArgsSchema

bp = Blueprint("inbox", __name__)


@bp.get("/inbox")
@page(*STAFF)
def show_inbox():
    """My messages, newest first, with the browser-push switch."""
    args = load(PageArgsSchema, request.args)
    return render_template("console/inbox.html", found=notify.inbox(actor(), args["page"], args["per_page"]))


@bp.post(f"/inbox/<{ID}:notification_id>/read")
@page(*STAFF)
def read_notification(notification_id):
    notify.mark_read(actor(), notification_id, clock.now())
    flash("已标记为已读。", "success")
    return redirect(url_for(".show_inbox"))


@bp.get("/sw.js")
def service_worker():
    """The service worker, served from /console/ so that its scope is the whole console."""
    response = send_from_directory(current_app.blueprints["console"].static_folder, "sw.js",
                                   mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response
