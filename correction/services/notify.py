"""Notifications (消息通知): the inbox is the source of truth; each new message queues its channel deliveries
(Web Push to the user's browsers, a WeChat subscribe message to a bound supervisee with a consent credit), which
leave only after the surrounding transaction commits."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from correction.components import components
from correction.db import db, transaction, upsert
from correction.errors import NotFound
from correction.models import (
    Channel, Delivery, DeliveryStatus, Notification, PushSubscription, Role, Subject, SuperviseeAccount, User,
    WechatConsent,
)
from correction.services import dispatch
from correction.services.paging import Page, page_of

_CHUNK = 500  # users per INSERT: far below SQLite's and PostgreSQL's bound-parameter limits


def notify(user_ids: Iterable[int], *, kind: str, title: str, body: str, as_of: datetime, link: str | None = None,
           data: dict | None = None, alert_id: int | None = None, dedupe_key: str | None = None) -> list[Notification]:
    """Put one message in each user's inbox, in the caller's transaction, and queue its deliveries.

    With `dedupe_key`, each user's copy is keyed `"{dedupe_key}:{user_id}"`: a second call with the same key creates
    nothing for that user, also when two transactions race (INSERT … ON CONFLICT DO NOTHING). The deliveries are
    attempted once the transaction commits; a rollback sends nothing. Returns the messages created.
    """
    users = sorted(set(user_ids))
    created: list[Notification] = []
    with transaction():
        for start in range(0, len(users), _CHUNK):
            rows = [{"user_id": user_id, "kind": kind, "title": title, "body": body, "link": link,
                     "data": data or {}, "alert_id": alert_id, "created_at": as_of,
                     "dedupe_key": f"{dedupe_key}:{user_id}" if dedupe_key else None}
                    for user_id in users[start:start + _CHUNK]]
            stmt = upsert(Notification).on_conflict_do_nothing(index_elements=["dedupe_key"])
            batch = list(db.session.scalars(stmt.returning(Notification), rows))  # one cached statement, batched
            deliveries = _deliveries_for(batch, kind, as_of)
            db.session.add_all(deliveries)
            db.session.flush()
            dispatch.after_commit([delivery.id for delivery in deliveries])
            created += batch
    return created


def _deliveries_for(notifications: list[Notification], kind: str, as_of: datetime) -> list[Delivery]:
    """A pending delivery per push subscription of each user, and a WeChat one where a credit allows it."""
    if not notifications:
        return []
    users = {n.user_id for n in notifications}
    subscriptions: dict[int, list[int]] = {}
    for subscription_id, user_id in db.session.execute(  # a disabled account's browsers get nothing
            sa.select(PushSubscription.id, PushSubscription.user_id).join(User, User.id == PushSubscription.user_id)
            .where(PushSubscription.user_id.in_(users), User.is_active)):
        subscriptions.setdefault(user_id, []).append(subscription_id)
    template = components().wechat_messages.templates.get(kind)
    with_credit: set[int] = set()
    if template and components().wechat is not None:
        with_credit = set(db.session.scalars(
            sa.select(SuperviseeAccount.user_id).join(WechatConsent, WechatConsent.user_id == SuperviseeAccount.user_id)
            .where(SuperviseeAccount.user_id.in_(users), WechatConsent.template_id == template,
                   WechatConsent.credits > 0)))
    deliveries = []
    for notification in notifications:
        pending = {"notification_id": notification.id, "status": DeliveryStatus.pending, "next_attempt_at": as_of}
        deliveries += [Delivery(channel=Channel.webpush, subscription_id=subscription_id, **pending)
                       for subscription_id in subscriptions.get(notification.user_id, ())]
        if notification.user_id in with_credit:
            deliveries.append(Delivery(channel=Channel.wechat, **pending))
    return deliveries


def officers_of(subject: Subject) -> list[int]:
    """The active officers responsible for `subject`: its own officer and every officer of its office."""
    return list(db.session.scalars(sa.select(User.id).where(
        User.is_active, User.role == Role.officer,
        sa.or_(User.id == subject.officer_id, User.unit_id == subject.office_id)).order_by(User.id)))


@dataclass(frozen=True)
class Inbox(Page):
    unread: int


def inbox(user: User, page: int, per_page: int) -> Inbox:
    """The user's own messages, newest first, with the number still unread."""
    unread = db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)))
    found = page_of(sa.select(Notification).where(Notification.user_id == user.id)
                    .order_by(Notification.created_at.desc(), Notification.id.desc()), page, per_page)
    return Inbox(found.items, found.page, found.per_page, found.total, unread)


def mark_read(user: User, notification_id: int, as_of: datetime) -> Notification:
    """Mark one of the user's own messages read (the first reading's time is kept).

    :raises NotFound: no such message in this user's inbox (another user's is indistinguishable).
    """
    with transaction():
        notification = db.session.scalar(sa.select(Notification).where(
            Notification.id == notification_id, Notification.user_id == user.id))
        if notification is None:
            raise NotFound("notification_not_found", "消息不存在。")
        db.session.execute(sa.update(Notification).where(Notification.id == notification.id,
                                                         Notification.read_at.is_(None)).values(read_at=as_of))
    db.session.refresh(notification)
    return notification
