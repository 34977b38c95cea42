"""Attempting deliveries: claim with a conditional UPDATE, send outside any transaction, record the outcome, and
retry with the rule table's backoff (`[delivery]`). The inbox row was committed before; a channel that fails never
loses the message.

Web Push: 404/410 means the browser unsubscribed, so the subscription is deleted and the delivery is `gone`;
429, 5xx and no answer are retried; any other refusal fails at once. WeChat: 43101 means the user has no
subscription credit left (failed, credit set to 0, no retry); an expired token was already refreshed once by the
client; busy (-1), token errors and no answer are retried. A WeChat credit is taken when the attempt is claimed
and given back when the message was not accepted.
"""

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from correction import redaction
from correction.clock import LOCAL_TZ
from correction.components import components
from correction.db import db, transaction
from correction.models import (
    Channel, Delivery, DeliveryStatus, Notification, PushSubscription, SuperviseeAccount, WechatConsent,
)
from correction.webpush import PushFailed
from correction.wechat import TOKEN_ERRORS, WeChatError

log = logging.getLogger(__name__)
redaction.install(log)  # an exception's or a remote service's text can quote personal data

OUTCOMES = ("sent", "retry", "failed", "gone", "skipped", "abandoned")
NO_CREDIT = 43101  # WeChat: the user refused, or the accepted subscriptions are used up
_RETRY_WECHAT = {None, -1, *TOKEN_ERRORS}  # no answer, system busy, a token still refused after the refresh
_WECHAT_THING_CHARS = 20  # a `thing` keyword value holds at most 20 characters


@dataclass(frozen=True)
class _Job:
    """What one claimed attempt needs, read before the claim's transaction ends (no ORM object crosses it)."""

    delivery_id: int
    channel: Channel
    attempt: int
    message: dict           # the notification's fields
    target: dict | None     # webpush: subscription id, endpoint and keys; wechat: openid, template, user id
    unsendable: tuple[str, str] | None = None  # without a target: the outcome and why


@dataclass(frozen=True)
class _Outcome:
    status: str             # sent, retry, failed, gone
    error: str | None = None
    retry_after: int | None = None
    no_credit: bool = False


def deliver(delivery_ids: Iterable[int], as_of: datetime) -> dict[str, int]:
    """Attempt these deliveries now (those not pending and due, or claimed elsewhere, are skipped); counts by
    outcome."""
    counts = Counter(dict.fromkeys(OUTCOMES, 0))
    for delivery_id in delivery_ids:
        counts[_attempt(delivery_id, as_of)] += 1
    return dict(counts)


def deliver_pending(as_of: datetime) -> dict[str, int]:
    """Attempt every delivery due at `as_of` (the scheduler's retry pass); counts by outcome.

    Safe with two processes at once: each delivery is claimed by a conditional UPDATE before it is sent. A delivery
    whose last attempt was claimed by a process that died before recording it is failed as `abandoned`.
    """
    max_attempts = components().rules["delivery.max_attempts"]
    with transaction():
        abandoned = db.session.execute(sa.update(Delivery).where(
            Delivery.status == DeliveryStatus.pending, Delivery.attempts >= max_attempts,
            Delivery.next_attempt_at <= as_of).values(status=DeliveryStatus.failed, last_error="attempts exhausted")
            .execution_options(synchronize_session=False)).rowcount
    due = list(db.session.scalars(sa.select(Delivery.id).where(
        Delivery.status == DeliveryStatus.pending, Delivery.attempts < max_attempts, Delivery.next_attempt_at <= as_of)
        .order_by(Delivery.next_attempt_at, Delivery.id)))
    counts = deliver(due, as_of)
    counts["abandoned"] = abandoned
    return counts


def _backoff(failures: int, retry_after: int | None = None) -> timedelta:
    """The wait after the `failures`-th failed attempt; a push service's Retry-After is honoured up to the longest
    step."""
    steps = components().rules["delivery.backoff_seconds"]
    return timedelta(seconds=max(steps[min(failures, len(steps)) - 1], min(retry_after or 0, max(steps))))


def _attempt(delivery_id: int, as_of: datetime) -> str:
    with transaction():
        job = _claim(delivery_id, as_of)
        if job is None:
            return "skipped"
        if job.target is None:
            return _record(job, _Outcome(*job.unsendable), as_of)
    outcome = _send_webpush(job) if job.channel == Channel.webpush else _send_wechat(job)
    with transaction():
        status = _record(job, outcome, as_of)
    if status != "sent":
        log.warning("delivery %d (%s, attempt %d): %s, %s", job.delivery_id, job.channel, job.attempt, status,
                    outcome.error)
    return status


def _claim(delivery_id: int, as_of: datetime) -> _Job | None:
    """Take the delivery for one attempt; None when it is not due or another process took it first.

    The claim moves `next_attempt_at` on by the backoff, so an attempt lost with its process is retried then.
    """
    row = db.session.execute(sa.select(Delivery, Notification).join(Notification).where(Delivery.id == delivery_id)
                             .execution_options(populate_existing=True)).one_or_none()
    if row is None:
        return None
    delivery, notification = row
    attempt = delivery.attempts + 1
    if (delivery.status != DeliveryStatus.pending or delivery.next_attempt_at > as_of
            or attempt > components().rules["delivery.max_attempts"]):
        return None
    claimed = db.session.execute(sa.update(Delivery).where(
        Delivery.id == delivery.id, Delivery.status == DeliveryStatus.pending, Delivery.attempts == delivery.attempts)
        .values(attempts=attempt, next_attempt_at=as_of + _backoff(attempt))
        .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        return None
    message = {"id": notification.id, "user_id": notification.user_id, "kind": notification.kind,
               "title": notification.title, "body": notification.body, "link": notification.link,
               "alert_id": notification.alert_id, "created_at": notification.created_at}
    return _Job(delivery.id, delivery.channel, attempt, message, *_target(delivery, notification))


def _target(delivery: Delivery, notification: Notification) -> tuple[dict | None, tuple[str, str] | None]:
    """Where the attempt goes, or the outcome without one; a WeChat attempt takes one consent credit here."""
    if delivery.channel == Channel.webpush:
        subscription = db.session.get(PushSubscription, delivery.subscription_id) if delivery.subscription_id else None
        if subscription is None:
            return None, ("gone", "the push subscription was removed")
        return {"id": subscription.id, "endpoint": subscription.endpoint, "p256dh": subscription.p256dh,
                "auth": subscription.auth}, None
    openid = db.session.scalar(sa.select(SuperviseeAccount.wx_openid)
                               .where(SuperviseeAccount.user_id == notification.user_id))
    template = components().wechat_messages.templates.get(notification.kind)
    if openid is None or template is None or components().wechat is None:
        return None, ("failed", "no bound WeChat account, no template for this kind or no WeChat credentials")
    taken = db.session.execute(sa.update(WechatConsent).where(
        WechatConsent.user_id == notification.user_id, WechatConsent.template_id == template,
        WechatConsent.credits > 0).values(credits=WechatConsent.credits - 1)
        .execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        return None, ("failed", "no subscribe-message credit left")
    return {"openid": openid, "template": template, "user_id": notification.user_id}, None


def _send_webpush(job: _Job) -> _Outcome:
    target, message = job.target, job.message
    payload = {**message, "created_at": message["created_at"].isoformat()}
    del payload["user_id"]
    try:
        components().webpush.send(target["endpoint"], target["p256dh"], target["auth"], payload,
                                  ttl=components().rules["delivery.webpush_ttl_seconds"],
                                  urgency="high" if message["kind"] == "alert" else "normal")
    except PushFailed as exc:
        error = f"push service answered {exc.status}: {exc.reason}" if exc.status else f"no answer: {exc.reason}"
        if exc.status in (404, 410):
            return _Outcome("gone", error)
        if exc.status is None or exc.status == 429 or exc.status >= 500:
            return _Outcome("retry", error, _seconds(exc.retry_after))
        return _Outcome("failed", error)
    return _Outcome("sent")


def _send_wechat(job: _Job) -> _Outcome:
    target, message = job.target, job.message
    settings = components().wechat_messages
    data = {"thing1": _thing(message["title"]), "thing2": _thing(message["body"]),
            "time3": message["created_at"].astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")}
    try:
        components().wechat.send_subscribe_message(target["openid"], target["template"], data,
                                                   page=f"{settings.page}?id={message['id']}", state=settings.state)
    except WeChatError as exc:
        error = f"wechat errcode {exc.errcode}: {exc.errmsg}"
        if exc.errcode == NO_CREDIT:
            return _Outcome("failed", error, no_credit=True)
        return _Outcome("retry" if exc.errcode in _RETRY_WECHAT else "failed", error)
    return _Outcome("sent")


def _thing(text: str) -> str:
    """A `thing` keyword value: at most 20 characters, never empty."""
    text = " ".join(text.split()) or "-"
    return text if len(text) <= _WECHAT_THING_CHARS else text[:_WECHAT_THING_CHARS - 1] + "…"


def _seconds(retry_after: str | None) -> int | None:
    """Retry-After in seconds (the HTTP-date form is ignored: the backoff applies)."""
    return int(retry_after) if retry_after and retry_after.strip().isdigit() else None


def _record(job: _Job, outcome: _Outcome, as_of: datetime) -> str:
    """Store the outcome of the attempt; returns the delivery's status string (a retry past the last attempt is
    `failed`)."""
    values: dict = {"last_error": outcome.error[:500] if outcome.error else None}
    if outcome.status == "sent":
        values.update(status=DeliveryStatus.sent, sent_at=as_of)
        if job.channel == Channel.webpush:
            db.session.execute(sa.update(PushSubscription).where(PushSubscription.id == job.target["id"])
                               .values(last_success_at=as_of).execution_options(synchronize_session=False))
    elif outcome.status == "gone":
        values.update(status=DeliveryStatus.gone)
        if job.target is not None:  # its other deliveries keep their rows; the foreign key sets them to NULL
            db.session.execute(sa.delete(PushSubscription).where(PushSubscription.id == job.target["id"])
                               .execution_options(synchronize_session=False))
    elif outcome.status == "retry" and job.attempt < components().rules["delivery.max_attempts"]:
        values.update(status=DeliveryStatus.pending, next_attempt_at=as_of + _backoff(job.attempt, outcome.retry_after))
    else:
        values.update(status=DeliveryStatus.failed)
    db.session.execute(sa.update(Delivery).where(Delivery.id == job.delivery_id).values(**values)
                       .execution_options(synchronize_session=False))
    if job.channel == Channel.wechat and job.target is not None and outcome.status != "sent":
        credits = 0 if outcome.no_credit else WechatConsent.credits + 1  # 43101: WeChat says none are left
        db.session.execute(sa.update(WechatConsent).where(
            WechatConsent.user_id == job.target["user_id"], WechatConsent.template_id == job.target["template"])
            .values(credits=credits).execution_options(synchronize_session=False))
    return "retry" if values["status"] == DeliveryStatus.pending else str(values["status"])
