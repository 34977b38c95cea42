"""Signing in to the console and out of it: the same accounts as POST /api/v1/auth/token, the token in a cookie."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_jwt_extended import set_access_cookies, unset_jwt_cookies

from correction import clock
from correction.errors import DomainError
from correction.services import accounts
from mobile_api.auth import access_token_for
from mobile_api.console.guard import STAFF, home_for, page

bp = Blueprint("session", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login form; a good password sets the access-token cookie and opens the user's home page."""
    error = None
    if request.method == "POST":
        try:
            user = accounts.authenticate(request.form.get("username", ""), request.form.get("password", ""),
                                         clock.now())
        except DomainError as exc:
            error = exc.message
        else:
            if user.role in STAFF:
                response = redirect(_safe_next(request.args.get("next")) or home_for(user))
                set_access_cookies(response, access_token_for(user))
                return response
            error = "控制台供社区矫正工作人员和检察人员使用，此账号不能登录。"
    return render_template("console/login.html", error=error), 401 if error else 200


@bp.post("/logout")
@page(*STAFF)
def logout():
    """Forget the token cookie and show the login form again."""
    response = redirect(url_for("console.session.login"))
    unset_jwt_cookies(response)
    return response


def _safe_next(target: str | None) -> str | None:
    """Only a console path is followed after login, never another site."""
    if target and target.startswith("/console/") and not target.startswith("/console//"):
        return target
    return None
