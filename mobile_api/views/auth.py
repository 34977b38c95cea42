"""POST /auth/token, /auth/wx-login, /auth/wx-bind."""

from correction import clock
from correction.services import accounts
from mobile_api.auth import access_token_response, bind_token_for, openid_from_bind_token
from mobile_api.routes import Blueprint
from mobile_api.schemas.auth import (
    TokenRequestSchema, TokenSchema, WxBindRequestSchema, WxLoginRequestSchema, WxLoginSchema,
)

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="登录：工作人员密码登录，小程序微信登录与绑定")


@blp.post("/token")
@blp.arguments(TokenRequestSchema)
@blp.response(200, TokenSchema)
def issue_token(body):
    """工作人员登录 (admin, officer, inspector): username and password for a short-lived access token."""
    user = accounts.authenticate(body["username"], body["password"], clock.now())
    return access_token_response(user)


@blp.post("/wx-login")
@blp.arguments(WxLoginRequestSchema)
@blp.response(200, WxLoginSchema)
def wx_login(body):
    """小程序登录: a bound WeChat user gets an access token; an unbound one gets a bind token."""
    as_of = clock.now()
    result = accounts.wx_login(body["code"], as_of)
    if result.user is None:
        return {"bound": False, "bind_token": bind_token_for(result.openid, as_of)}
    return {"bound": True, **access_token_response(result.user)}


@blp.post("/wx-bind")
@blp.arguments(WxBindRequestSchema)
@blp.response(200, TokenSchema)
def wx_bind(body):
    """小程序绑定: ID number, name and the officer's single-use activation code bind this WeChat user."""
    as_of = clock.now()
    openid = openid_from_bind_token(body["bind_token"], as_of)
    user = accounts.bind(openid, body["id_number"], body["name"], body["activation_code"], as_of)
    return access_token_response(user)
