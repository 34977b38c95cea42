"""Notifications: each user's own inbox, the staff browser's Web Push subscription, and the supervisee's consents
to WeChat subscribe messages."""

from correction import clock
from correction.models import Role
from correction.services import channels, notify
from mobile_api.auth import BEARER, actor, roles
from mobile_api.idempotency import DOC as IDEMPOTENCY_DOC
from mobile_api.idempotency import idempotent
from mobile_api.routes import ID, Blueprint
from mobile_api.schemas.base import PageArgsSchema
from mobile_api.schemas.notifications import (
    InboxSchema, NotificationSchema, PushSubscriptionCreateSchema, PushSubscriptionDeleteSchema,
    PushSubscriptionSchema, VapidKeySchema, WechatConsentCreateSchema, WechatConsentSchema,
)

blp = Blueprint("notifications", __name__, url_prefix="/api/v1",
                description="消息通知：收件箱、浏览器推送、小程序订阅消息")

STAFF = (Role.officer, Role.inspector, Role.admin)


@blp.get("/me/notifications")
@blp.doc(security=BEARER)
@roles(Role.supervisee)
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, InboxSchema)
def list_my_notifications(args):
    """My inbox, newest first, with the number of unread messages."""
    return notify.inbox(actor(), args["page"], args["per_page"])


@blp.post(f"/me/notifications/<{ID}:notification_id>/read")
@blp.doc(security=BEARER)
@roles(Role.supervisee)
@blp.response(200, NotificationSchema)
def read_my_notification(notification_id):
    """Mark one of my messages read."""
    return notify.mark_read(actor(), notification_id, clock.now())


@blp.get("/notifications")
@blp.doc(security=BEARER)
@roles(*STAFF)
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, InboxSchema)
def list_notifications(args):
    """My inbox (officers, inspectors, administrators), newest first, with the number of unread messages."""
    return notify.inbox(actor(), args["page"], args["per_page"])


@blp.post(f"/notifications/<{ID}:notification_id>/read")
@blp.doc(security=BEARER)
@roles(*STAFF)
@blp.response(200, NotificationSchema)
def read_notification(notification_id):
    """Mark one of my messages read; someone else's message is a 404."""
    return notify.mark_read(actor(), notification_id, clock.now())


@blp.get("/push/vapid-public-key")
@blp.doc(security=BEARER)
@roles(*STAFF)
@blp.response(200, VapidKeySchema)
def get_vapid_public_key():
    """The key a browser subscribes with (`applicationServerKey`)."""
    return {"public_key": channels.vapid_public_key()}


@blp.post("/push-subscriptions")
@blp.doc(security=BEARER)
@roles(*STAFF)
@blp.arguments(PushSubscriptionCreateSchema)
@blp.response(201, PushSubscriptionSchema)
def subscribe_push(body):
    """Web Push for this browser: the body is `PushSubscription.toJSON()`. Subscribing again replaces the keys."""
    return channels.subscribe_push(actor(), endpoint=body["endpoint"], p256dh=body["keys"]["p256dh"],
                                   auth=body["keys"]["auth"], as_of=clock.now())


@blp.delete("/push-subscriptions")
@blp.doc(security=BEARER)
@roles(*STAFF)
@blp.arguments(PushSubscriptionDeleteSchema)
@blp.response(204)
def unsubscribe_push(body):
    """Stop Web Push to this browser (for the signed-in user; answers 204 whether or not it was subscribed)."""
    channels.unsubscribe_push(actor(), body["endpoint"])


@blp.post("/me/wechat-consents")
@blp.doc(security=BEARER, **IDEMPOTENCY_DOC)
@roles(Role.supervisee)
@idempotent
@blp.arguments(WechatConsentCreateSchema)
@blp.response(200, WechatConsentSchema)
def record_wechat_consent(body):
    """My answer to one `wx.requestSubscribeMessage` prompt, per template: each acceptance allows one message."""
    return channels.record_wechat_consent(actor(), as_of=clock.now(), **body)
