"""The channels' sign-ups: a staff browser's Web Push subscription, and a supervisee's subscribe-message consent
credits (each 订阅 accepted in `wx.requestSubscribeMessage` allows one message of that template)."""

from datetime import datetime

import sqlalchemy as sa

from correction.components import components
from correction.db import db, transaction, upsert
from correction.errors import Forbidden, RuleViolation
from correction.models import PushSubscription, Role, User, WechatConsent


def vapid_public_key() -> str:
    """The applicationServerKey browsers subscribe with (base64url, 65 bytes)."""
    return components().webpush.public_key


def subscribe_push(user: User, *, endpoint: str, p256dh: str, auth: str, as_of: datetime) -> PushSubscription:
    """Record this browser's subscription for the user; a browser that subscribes again (perhaps for another
    officer signing in on it) replaces its keys and owner.

    :raises Forbidden: supervisees are reached through WeChat, not Web Push.
    """
    if user.role == Role.supervisee:
        raise Forbidden("forbidden", "矫正对象通过微信小程序接收消息。")
    with transaction():
        stmt = upsert(PushSubscription).values(user_id=user.id, endpoint=endpoint, p256dh=p256dh, auth=auth,
                                               created_at=as_of)
        stmt = stmt.on_conflict_do_update(index_elements=["endpoint"], set_={
            "user_id": stmt.excluded.user_id, "p256dh": stmt.excluded.p256dh, "auth": stmt.excluded.auth})
        subscription = db.session.scalars(stmt.returning(PushSubscription),
                                          execution_options={"populate_existing": True}).one()
    return subscription


def unsubscribe_push(user: User, endpoint: str) -> None:
    """Forget this browser's subscription of the user (nothing happens when there is none)."""
    with transaction():
        db.session.execute(sa.delete(PushSubscription).where(PushSubscription.endpoint == endpoint,
                                                             PushSubscription.user_id == user.id))


def record_wechat_consent(user: User, *, template_id: str, accepted: bool, as_of: datetime) -> WechatConsent:
    """Count the supervisee's answer to one 订阅 prompt: an acceptance adds one credit for that template.

    :raises RuleViolation: not a template this service sends.
    """
    if template_id not in set(components().wechat_messages.templates.values()):
        raise RuleViolation.on("template_id", "未知的订阅消息模板。", "unknown_template")
    with transaction():
        stmt = upsert(WechatConsent).values(user_id=user.id, template_id=template_id, credits=int(accepted),
                                            updated_at=as_of)
        stmt = stmt.on_conflict_do_update(index_elements=["user_id", "template_id"], set_={
            "credits": WechatConsent.credits + stmt.excluded.credits, "updated_at": stmt.excluded.updated_at})
        consent = db.session.scalars(stmt.returning(WechatConsent),
                                     execution_options={"populate_existing": True}).one()
    return consent
