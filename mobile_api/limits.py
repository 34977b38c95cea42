"""Abuse limits (Flask-Limiter): logins per username and per client address, WeChat login per address, binding per
WeChat user, check-ins per supervisee.

A view names its limits with `rate_limited`; `init_app` gives each app its own Limiter on the storage of
RATELIMIT_STORAGE_URI (Redis shared by every app instance in production) and wraps the named views, so the limits
are checked before the view runs and a breach is a 429 in the error envelope with Retry-After. The limit strings
are settings (config/settings.py). Key functions never raise: a key that cannot be read falls back to the address.
Retry-After is the breached limit's window: an upper bound that needs no clock.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, request
from flask_jwt_extended import get_jwt_identity, verify_jwt_in_request
from flask_jwt_extended.exceptions import JWTExtendedException
from flask_limiter import Limiter, RateLimitExceeded
from jwt import PyJWTError
from werkzeug.middleware.proxy_fix import ProxyFix

from correction import clock
from correction.errors import Unauthorized
from mobile_api.auth import openid_from_bind_token
from mobile_api.errors import envelope
from mobile_api.schemas.base import ErrorEnvelopeSchema

_KEY = "sqjz.limiter"
DOC_429 = {
    "schema": ErrorEnvelopeSchema,
    "description": "`rate_limited` (a rate limit) or `account_locked` (bad passwords, /auth/token); retry after the "
                   "seconds in Retry-After",
    "headers": {"Retry-After": {"description": "seconds until a retry can succeed", "schema": {"type": "integer"}}},
}


def client_address() -> str:
    """The client's address: the peer, or X-Forwarded-For's as far as TRUSTED_PROXIES allows (ProxyFix)."""
    return f"ip:{request.remote_addr or '-'}"


def _body_text(name: str) -> str | None:
    """A string field of the login form or JSON body, read before the view parses it (None if absent)."""
    if request.mimetype == "application/x-www-form-urlencoded":
        value = request.form.get(name)
    else:
        try:
            body = request.get_json(silent=True)
        except RecursionError:  # absurdly nested JSON: the view answers 400
            body = None
        value = body.get(name) if isinstance(body, dict) else None
    return value if isinstance(value, str) else None


def login_username() -> str:
    """Staff login: the username tried, whichever account it names (or none)."""
    username = _body_text("username")
    return f"user:{username[:64]}" if username else client_address()


def bind_openid() -> str:
    """Binding: the WeChat user named by a valid bind token, else the address."""
    try:
        return f"openid:{openid_from_bind_token(_body_text('bind_token') or '', clock.now())}"
    except Unauthorized:
        return client_address()


def supervisee() -> str:
    """Check-ins: the signed-in user of a valid access token, else the address (the view then answers 401)."""
    try:
        verify_jwt_in_request()
    except (JWTExtendedException, PyJWTError):
        return client_address()
    return f"uid:{get_jwt_identity()}"


@dataclass(frozen=True)
class Rule:
    setting: str  # the limit string, e.g. "30 per minute; 300 per hour"
    key: Callable[[], str]


# The bucket of a rule is shared by every view naming it (the API's and the console's login count together).
RULES = {
    "login_username": Rule("RATELIMIT_LOGIN_PER_USERNAME", login_username),
    "login_address": Rule("RATELIMIT_LOGIN_PER_IP", client_address),
    "wx_login_address": Rule("RATELIMIT_WX_LOGIN_PER_IP", client_address),
    "wx_bind": Rule("RATELIMIT_WX_BIND_PER_OPENID", bind_openid),
    "checkin": Rule("RATELIMIT_CHECKIN_PER_USER", supervisee),
    "checkin_batch": Rule("RATELIMIT_CHECKIN_BATCH_PER_USER", supervisee),
}


def retry_after(error: RateLimitExceeded) -> int:
    """Seconds until the breached limit certainly allows again: its whole window (a minute, an hour)."""
    return int(error.limit.limit.get_expiry())


def too_many_requests(error: RateLimitExceeded):
    """A breach in the one error envelope, with Retry-After."""
    return envelope(429, "rate_limited", "请求过于频繁，请稍后再试。", headers={"Retry-After": str(retry_after(error))})


def rate_limited(*rules: str):
    """Put a view under the named RULES (its POSTs); outermost below the route decorator, like `body_limit`."""
    unknown = set(rules) - set(RULES)
    if unknown:
        raise ValueError(f"unknown rate limit rules: {sorted(unknown)}")

    def decorator(view):
        view.rate_limits = rules
        return view
    return decorator


def init_app(app: Flask) -> None:
    """Trust TRUSTED_PROXIES for the client address; give the app its limiter and wrap the views that name rules.

    Call after every blueprint is registered.
    """
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    limiter = Limiter(client_address, app=app)
    app.extensions[_KEY] = limiter
    app.register_error_handler(RateLimitExceeded, too_many_requests)
    if not limiter.enabled:
        return
    for endpoint, view in list(app.view_functions.items()):
        for name in getattr(view, "rate_limits", ()):
            rule = RULES[name]
            view = limiter.shared_limit(app.config[rule.setting], scope=name, key_func=rule.key,
                                        methods=["POST"])(view)
        app.view_functions[endpoint] = view


def limiter_of(app: Flask) -> Limiter:
    """The app's limiter (tests reset its storage)."""
    return app.extensions[_KEY]
