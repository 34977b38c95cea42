"""Login and binding."""

from marshmallow import fields

from mobile_api.schemas.base import StrictSchema, text


class TokenRequestSchema(StrictSchema):
    username = text(64, required=True)
    password = text(200, required=True)


class TokenSchema(StrictSchema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = fields.Integer(required=True, metadata={"description": "seconds"})
    role = fields.String(required=True)


class WxLoginRequestSchema(StrictSchema):
    code = text(200, required=True,
                metadata={"description": "wx.login code; `dev:<openid>` without WeChat credentials"})


class WxLoginSchema(StrictSchema):
    bound = fields.Boolean(required=True)
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
    role = fields.String()
    bind_token = fields.String(metadata={"description": "present when bound is false; use it with /auth/wx-bind"})


class WxBindRequestSchema(StrictSchema):
    bind_token = text(2000, required=True)
    id_number = text(24, min_length=15, required=True, metadata={"description": "spaces are ignored"})
    name = text(50, required=True)
    activation_code = text(16, min_length=4, required=True)
