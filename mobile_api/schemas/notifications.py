"""The inbox, Web Push subscriptions and WeChat subscribe-message consents."""

import ipaddress
from urllib.parse import urlsplit

from flask import current_app
from marshmallow import Schema, ValidationError, fields

from correction.webpush import AUTH_BYTES, b64url_decode, is_p256_point
from mobile_api.schemas.base import StrictSchema, page_schema, text


class NotificationSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": "alert, reminder, term_ending, decision, …"})
    title = fields.String(required=True)
    body = fields.String(required=True)
    link = fields.String(allow_none=True, metadata={"description": "where the message leads in the app"})
    data = fields.Dict(required=True, metadata={"description": "details by kind, e.g. subject_id, due"})
    alert_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime(required=True)
    read_at = fields.DateTime(allow_none=True)


class InboxSchema(page_schema(NotificationSchema, "InboxPageBase")):
    unread = fields.Integer(required=True, metadata={"description": "unread messages in the whole inbox"})


def _push_endpoint(url: str) -> None:
    """A push service URL: https on a named host (no address literal, no credentials); http://127.0.0.1 only where
    WEBPUSH_ALLOW_LOOPBACK_HTTP is set (the test configuration's local push service)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "http" and host == "127.0.0.1" and current_app.config["WEBPUSH_ALLOW_LOOPBACK_HTTP"]:
        return
    try:
        ipaddress.ip_address(host)
        literal = True
    except ValueError:
        literal = host == "localhost"
    if parts.scheme != "https" or not host or literal or parts.username or parts.password:
        raise ValidationError("推送地址应为推送服务的 https 地址。")


def _p256dh(value: str) -> None:
    try:
        ok = is_p256_point(b64url_decode(value))
    except ValueError:
        ok = False
    if not ok:
        raise ValidationError("p256dh 应为 base64url 编码的 65 字节 P-256 公钥。")


def _auth(value: str) -> None:
    try:
        ok = len(b64url_decode(value)) == AUTH_BYTES
    except ValueError:
        ok = False
    if not ok:
        raise ValidationError(f"auth 应为 base64url 编码的 {AUTH_BYTES} 字节密钥。")


class PushKeysSchema(StrictSchema):
    p256dh = text(200, required=True, validate_also=_p256dh)
    auth = text(100, required=True, validate_also=_auth)


class PushSubscriptionCreateSchema(StrictSchema):
    """The browser's `PushSubscription.toJSON()`, as is."""

    endpoint = text(1000, required=True, validate_also=_push_endpoint)
    keys = fields.Nested(PushKeysSchema, required=True)
    expiration_time = fields.Integer(data_key="expirationTime", load_default=None, allow_none=True,
                                     metadata={"description": "sent by browsers; ignored"})


class PushSubscriptionDeleteSchema(StrictSchema):
    endpoint = text(1000, required=True)


class PushSubscriptionSchema(Schema):
    id = fields.Integer(required=True)
    endpoint = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    last_success_at = fields.DateTime(allow_none=True)


class VapidKeySchema(Schema):
    public_key = fields.String(required=True, metadata={
        "description": "applicationServerKey for pushManager.subscribe (base64url, 65 bytes)"})


class WechatConsentCreateSchema(StrictSchema):
    template_id = text(64, required=True, metadata={"description": "a template asked in wx.requestSubscribeMessage"})
    accepted = fields.Boolean(required=True, metadata={"description": "the user's answer was 'accept'"})


class WechatConsentSchema(Schema):
    template_id = fields.String(required=True)
    credits = fields.Integer(required=True, metadata={"description": "messages of this template we may still send"})
