"""Notifications: the inbox (the source of truth), Web Push subscriptions, WeChat consents and deliveries."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from correction.db import UTCDateTime, db, enum_column
from correction.models.alert import Alert
from correction.models.org import User


class Notification(db.Model):
    """One message in a user's inbox. Channels deliver it; a failed channel never loses it."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(sa.String(32))  # alert, reminder, decision, term_ending, …
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    link: Mapped[str | None] = mapped_column(sa.String(300))
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    alert_id: Mapped[int | None] = mapped_column(sa.ForeignKey("alerts.id"))
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(160), unique=True)  # reminders are sent once
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    alert: Mapped[Alert | None] = relationship()

    __table_args__ = (sa.Index("ix_notifications_user_created", "user_id", "created_at"),)


class PushSubscription(db.Model):
    """A browser's Web Push subscription (an officer's console); removed when the push service says 404/410."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    endpoint: Mapped[str] = mapped_column(sa.String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(sa.String(200))
    auth: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WechatConsent(db.Model):
    """Subscribe-message credits: each 订阅 the supervisee accepts in the mini-program allows one message."""

    __tablename__ = "wechat_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    template_id: Mapped[str] = mapped_column(sa.String(64))
    credits: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (sa.UniqueConstraint("user_id", "template_id"),)


class Channel(StrEnum):
    webpush = "webpush"
    wechat = "wechat"


class DeliveryStatus(StrEnum):
    pending = "pending"    # to be tried at next_attempt_at
    sent = "sent"
    failed = "failed"      # retries exhausted, or no consent credit
    gone = "gone"          # the subscription no longer exists (404/410)


class Delivery(db.Model):
    """One attempt history of one notification on one channel and target, retried with backoff."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(sa.ForeignKey("notifications.id"), index=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    subscription_id: Mapped[int | None] = mapped_column(sa.ForeignKey("push_subscriptions.id", ondelete="SET NULL"))
    status: Mapped[DeliveryStatus] = mapped_column(enum_column(DeliveryStatus))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    notification: Mapped[Notification] = relationship()

    __table_args__ = (sa.Index("ix_deliveries_status_next", "status", "next_attempt_at"),)
