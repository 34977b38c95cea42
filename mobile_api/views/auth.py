"""POST /auth/token, /auth/wx-login, /auth/wx-bind."""

from correction import clock
from correction.services import accounts
from mobile_api.auth import access_token_response, bind_token_for, openid_from_bind_token
from mobile_api.limits import DOC_429, rate_limited
from mobile_api.routes import Blueprint
from mobile_api.schemas.auth import (
    TokenRequestSchema, TokenSchema, WxBindRequestSchema, WxLoginRequestSchema, WxLoginSchema,
)

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="登录：工作人员密码登录，小程序微信登录与绑定")


@blp.post("/token")
@rate_limited("login_username", "login_address")
@blp.arguments(TokenRequestSchema)
@blp.response(200, TokenSchema)
@blp.alt_response(429, **DOC_429)
def issue_token(body):
    """工作人员登录 (admin, officer, inspector): username and password for a short-lived access token.

    Limited per username and per client address (429 `rate_limited`); after LOGIN_LOCKOUT_THRESHOLD bad passwords
    the username is locked, each lock twice as long as the one before (429 `account_locked` naming the unlock
    time), known or not."""
    user = accounts.authenticate(body["username"], body["password"], clock.now())
    return access_token_response(user)


@blp.post("/wx-login")
@rate_limited("wx_login_address")
@blp.arguments(WxLoginRequestSchema)
@blp.response(200, WxLoginSchema)
@blp.alt_response(429, **DOC_429)
def wx_login(body):
    """小程序登录: a bound WeChat user gets an access token; an unbound one gets a bind token (limited per
    client address)."""
    as_of = clock.now()
    result = accounts.wx_login(body["code"], as_of)
    if result.user is None:
        return {"bound": False, "bind_token": bind_token_for(result.openid, as_of)}
    return {"bound": True, **access_token_response(result.user)}


@blp.post("/wx-bind")
@rate_limited("wx_bind")
@blp.arguments(WxBindRequestSchema)
@blp.response(200, TokenSchema)
@blp.alt_response(429, **DOC_429)
def wx_bind(body):
    """小程序绑定: ID number, name and the officer's single-use activation code bind this WeChat user (limited per
    WeChat user, so activation codes cannot be guessed)."""
    as_of = clock.now()
    openid = openid_from_bind_token(body["bind_token"], as_of)
    user = accounts.bind(openid, body["id_number"], body["name"], body["activation_code"], as_of)
    return access_token_response(user)
