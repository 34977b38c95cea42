"""Who is signed in to the console: the access token in the HttpOnly cookie, the role check, the audit actor.

A page without a valid cookie sends the browser to the login page; a form post without the matching CSRF token
(Flask-JWT-Extended's double submit: the token's `csrf` claim in the `csrf_token` field) is refused. A token close
to its expiry is renewed on the response, so an officer working all day is not sent back to the login page.
"""

from datetime import UTC, datetime
from functools import wraps

from flask import current_app, g, make_response, redirect, request, url_for
from flask_jwt_extended import current_user, get_jwt, set_access_cookies, verify_jwt_in_request
from flask_jwt_extended.exceptions import CSRFError, JWTExtendedException
from jwt import PyJWTError

from correction.errors import Forbidden
from correction.models import Role, User
from correction.services import audit
from mobile_api.auth import access_token_for

STAFF = (Role.officer, Role.inspector)


def page(*allowed: Role):
    """Require a console login of one of `allowed` roles; the changes the view commits are the user's."""
    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            try:
                verify_jwt_in_request(locations=["cookies"])
            except CSRFError:
                raise
            except (JWTExtendedException, PyJWTError):
                return redirect(url_for("console.session.login", next=request.full_path.rstrip("?")
                                        if request.method == "GET" else None))
            g.console_user = current_user
            if current_user.role not in allowed:
                raise Forbidden("forbidden", "当前角色无权使用此页面。")
            with audit.acting(current_user.id, f"console.{view.__name__}"):
                response = make_response(view(*args, **kwargs))
            _renew_if_expiring(response, current_user)
            return response
        return guarded
    return decorator


def _renew_if_expiring(response, user: User) -> None:
    # Flask-JWT-Extended checks `exp` against the wall clock, not the clock seam, so the renewal does too.
    expires = datetime.fromtimestamp(get_jwt()["exp"], UTC)
    if expires - datetime.now(UTC) < current_app.config["CONSOLE_REFRESH_WITHIN"]:
        set_access_cookies(response, access_token_for(user))


def csrf_token() -> str:
    """The signed-in user's CSRF token, for the hidden field of every form."""
    return get_jwt()["csrf"]


def home_for(user: User) -> str:
    """Where a user lands after login: officers on their dashboard, inspectors on the inspection lists."""
    return url_for("console.inspections.list_inspections" if user.role == Role.inspector
                   else "console.dashboard.show_dashboard")
