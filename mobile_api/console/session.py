"""Signing in to the console and out of it: the same accounts as POST /api/v1/auth/token, the token in a cookie."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_jwt_extended import set_access_cookies, unset_jwt_cookies
from flask_limiter import RateLimitExceeded

from correction import clock
from correction.errors import DomainError, TooManyRequests
from correction.services import accounts
from mobile_api.auth import access_token_for
from mobile_api.console.guard import STAFF, home_for, page
from mobile_api.limits import rate_limited, retry_after

bp = Blueprint("session", __name__)


@bp.route("/login", methods=["GET", "POST"])
@rate_limited("login_username", "login_address")
def login():
    """The login form; a good password sets the access-token cookie and opens the user's home page. The API's
    limits and lockout apply: a locked username is told until when (429)."""
    error, status = None, 401
    if request.method == "POST":
        try:
            user = accounts.authenticate(request.form.get("username", ""), request.form.get("password", ""),
                                         clock.now())
        except DomainError as exc:
            error = exc.message
            if isinstance(exc, TooManyRequests):
                status = 429
        else:
            if user.role in STAFF:
                response = redirect(_safe_next(request.args.get("next")) or home_for(user))
                set_access_cookies(response, access_token_for(user))
                return response
            error = "控制台供社区矫正工作人员和检察人员使用，此账号不能登录。"
    return render_template("console/login.html", error=error), status if error else 200


@bp.errorhandler(RateLimitExceeded)
def too_many_logins(error: RateLimitExceeded):
    """Over the login limits: the form again with the reason."""
    page = render_template("console/login.html", error="登录尝试过于频繁，请稍后再试。")
    return page, 429, {"Retry-After": str(retry_after(error))}


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
