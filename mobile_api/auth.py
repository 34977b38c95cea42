"""Tokens and guards: short-lived JWT access tokens, WeChat bind tokens, role checks on every route."""

from datetime import datetime
from functools import wraps

import jwt as pyjwt
from flask import Flask, current_app, request
from flask_jwt_extended import JWTManager, create_access_token, current_user, verify_jwt_in_request

from correction.db import db
from correction.errors import Forbidden, Unauthorized
from correction.models import Role, User
from correction.services import audit
from mobile_api.errors import envelope

jwt_manager = JWTManager()
BIND_AUDIENCE = "sqjz:wx-bind"
BEARER = [{"bearerAuth": []}]


def init_app(app: Flask) -> None:
    app.config.setdefault("JWT_ALGORITHM", "HS256")
    jwt_manager.init_app(app)

    @jwt_manager.user_lookup_loader
    def load_user(_header, payload) -> User | None:
        user = db.session.get(User, int(payload["sub"])) if str(payload["sub"]).isdigit() else None
        return user if user is not None and user.is_active else None

    def unauthorized(message: str):
        return lambda *args: envelope(401, "unauthorized", message)

    jwt_manager.unauthorized_loader(unauthorized("缺少访问令牌，请先登录。"))
    jwt_manager.invalid_token_loader(unauthorized("访问令牌无效。"))
    jwt_manager.expired_token_loader(unauthorized("访问令牌已过期，请重新登录。"))
    jwt_manager.user_lookup_error_loader(unauthorized("账号不存在或已停用。"))
    jwt_manager.token_verification_failed_loader(unauthorized("访问令牌无效。"))
    jwt_manager.revoked_token_loader(unauthorized("访问令牌已撤销。"))


def access_token_for(user: User) -> str:
    """A short-lived access token naming the user, its role and unit (header for the API, cookie for the console)."""
    return create_access_token(identity=str(user.id), additional_claims={"role": user.role, "unit": user.unit_id})


def access_token_response(user: User) -> dict:
    """The contract's token body for a signed-in user."""
    token = access_token_for(user)
    return {"access_token": token, "token_type": "Bearer",
            "expires_in": int(current_app.config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds()), "role": user.role}


def bind_token_for(openid: str, as_of: datetime) -> str:
    """A short-lived token naming an unbound openid; its audience keeps it from working as an access token."""
    return pyjwt.encode({"sub": openid, "aud": BIND_AUDIENCE, "iat": as_of,
                         "exp": as_of + current_app.config["JWT_BIND_TOKEN_EXPIRES"]},
                        current_app.config["SECRET_KEY"], algorithm="HS256")


def openid_from_bind_token(token: str, as_of: datetime) -> str:
    """The openid a bind token names; its lifetime is checked against the clock seam, like its stamp.

    :raises Unauthorized: the bind token is invalid or expired.
    """
    try:
        payload = pyjwt.decode(token, current_app.config["SECRET_KEY"], algorithms=["HS256"], audience=BIND_AUDIENCE,
                               options={"require": ["exp", "sub", "aud"], "verify_exp": False, "verify_iat": False,
                                        "verify_nbf": False})
    except pyjwt.InvalidTokenError as exc:
        raise Unauthorized("bind_token_invalid", "绑定凭证无效。") from exc
    if not isinstance(payload["exp"], int | float) or payload["exp"] <= as_of.timestamp():
        raise Unauthorized("bind_token_expired", "绑定凭证已过期，请重新登录小程序。")
    return payload["sub"]


def roles(*allowed: Role):
    """Require a valid access token of one of `allowed` roles (401 without one, 403 for another role)."""
    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            verify_jwt_in_request()
            if current_user.role not in allowed:
                if current_user.role == Role.inspector and request.method not in ("GET", "HEAD"):
                    raise Forbidden("read_only", "检察人员只能查阅，不能执行此操作。")
                raise Forbidden("forbidden", "当前角色无权访问此接口。")
            with audit.acting(current_user.id, view.__qualname__):  # the changes it commits are the caller's
                return view(*args, **kwargs)
        guarded.allowed_roles = allowed
        return guarded
    return decorator


def actor() -> User:
    """The signed-in user of this request."""
    return current_user
