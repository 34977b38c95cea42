"""The officer and inspector web console under /console/: server-rendered pages on the same services, accounts
and scope checks as the API, with a little JavaScript for Web Push (static/console.js, static/sw.js)."""

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, url_for
from flask_jwt_extended.exceptions import CSRFError
from marshmallow import ValidationError

from correction import errors
from correction.services import notify
from mobile_api.console import alerts, dashboard, display, inbox, inspections, leave, reports, session, subjects
from mobile_api.console.guard import csrf_token

console = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
                    static_folder="static")
for module in (session, dashboard, leave, alerts, reports, subjects, inspections, inbox):
    console.register_blueprint(module.bp)
display.register(console)

_STATUS_OF = {errors.NotFound: 404, errors.Forbidden: 403, errors.Unauthorized: 401, errors.RuleViolation: 422,
              errors.TooManyRequests: 429, errors.ServiceUnavailable: 503}


@console.context_processor
def signed_in() -> dict:
    """The signed-in user (set by the guard), their unread count and CSRF token for the layout."""
    user = g.get("console_user")
    if user is None:
        return {"user": None}
    return {"user": user, "csrf_token": csrf_token(), "unread": notify.inbox(user, 1, 1).unread}


@console.route("/<path:unknown>")
def no_such_page(unknown: str):
    """A console address that names no page: the console's own 404 page, not the API's JSON envelope."""
    return render_template("console/error.html", status=404, message="没有这个页面。"), 404


@console.errorhandler(errors.DomainError)
def domain_error(error: errors.DomainError):
    """A refused action goes back to its form's page with the reason (409, 422 …); a page that cannot be shown,
    or an action the user may not take, is an error page."""
    status = next((s for cls, s in _STATUS_OF.items() if isinstance(error, cls)), 409)
    if request.method == "POST" and status not in (401, 403, 404):
        flash(error.message, "error")
        return _back()
    return render_template("console/error.html", status=status, message=error.message), status


@console.errorhandler(ValidationError)
def invalid_input(error: ValidationError):
    messages = [f"{message}" for values in error.normalized_messages().values()
                for message in (values if isinstance(values, list) else [values])]
    if request.method == "POST":
        for message in messages:
            flash(message, "error")
        return _back()
    return render_template("console/error.html", status=422, message="；".join(messages)), 422


@console.errorhandler(CSRFError)
def csrf_failed(error: CSRFError):
    return render_template("console/error.html", status=400, message="页面已过期，请刷新后重新提交。"), 400


def _back():
    """The page the form was on (a console page of this site), else the home page."""
    target = request.referrer or ""
    origin = request.host_url.rstrip("/")
    path = target[len(origin):] if target.startswith(origin + "/console/") else None
    return redirect(path or url_for("console.dashboard.show_dashboard"))


def init_app(app: Flask) -> None:
    app.register_blueprint(console)
