"""Web Push end to end against the local push service (tests/fakes/push.py), which verifies the VAPID JWT and
decrypts the aes128gcm body with the browser's keys."""

import socket
import threading
from datetime import timedelta

import pytest

from correction.components import components
from correction.db import db, transaction
from correction.models import DeliveryStatus, Notification
from correction.services.deliveries import deliver_pending
from correction.services.dispatch import dispatcher
from correction.services.notify import notify
from correction.webpush import b64url_decode, generate_vapid_keys, is_p256_point
from tests.apps import isolated_app
from tests.factories import build_world
from tests.fakes.push import Browser, FakePushService
from tests.notifying import deliveries, subscribe, subscriptions


@pytest.fixture
def push():
    with FakePushService() as service:
        yield service


@pytest.fixture
def officer(app, client, world, push):
    """officer_a1 with one subscribed browser; returns (user id, browser)."""
    browser = push.browser("officer-a1")
    subscribe(client, world.h("officer_a1"), browser)
    return world.users["officer_a1"], browser


def send(app, user_id: int, as_of, body: str = "对象A1越界，请核实。") -> int:
    """Notify one user (committing); returns the notification's id."""
    with app.app_context():
        return notify([user_id], kind="alert", title="越界告警", body=body, as_of=as_of, link="/alerts/7")[0].id


def test_a_message_arrives_encrypted_signed_and_decryptable(app, push, officer, frozen):
    user_id, browser = officer
    notification_id = send(app, user_id, frozen)
    [received] = push.received
    assert received.status == 201 and received.error is None
    assert received.payload == {"id": notification_id, "kind": "alert", "title": "越界告警",
                                "body": "对象A1越界，请核实。", "link": "/alerts/7", "alert_id": None,
                                "created_at": frozen.isoformat()}
    assert received.headers["ttl"] == "86400" and received.headers["content-encoding"] == "aes128gcm"
    assert received.headers["urgency"] == "high"
    assert received.claims["aud"] == push.origin and received.claims["sub"] == "mailto:sqjz-test@example.com"
    with app.app_context():
        assert received.vapid_key == components().webpush.public_key
        [delivery] = deliveries()
        assert (delivery.status, delivery.attempts, delivery.sent_at) == (DeliveryStatus.sent, 1, frozen)
        assert subscriptions()[0].last_success_at == frozen


@pytest.mark.parametrize("body", ["长" * 3000, "x" * 10000])
def test_a_long_body_is_cut_to_fit_one_record(app, push, officer, frozen, body):
    send(app, officer[0], frozen, body=body)
    [received] = push.received
    assert received.status == 201 and received.body_bytes <= 4096
    assert received.payload["title"] == "越界告警" and received.payload["link"] == "/alerts/7"
    assert received.payload["body"].endswith("…") and body.startswith(received.payload["body"][:-1])
    assert len(received.payload["body"]) > 1000


@pytest.mark.parametrize("status", [404, 410])
def test_an_expired_subscription_is_removed(app, push, officer, frozen, status):
    push.answer(status)
    send(app, officer[0], frozen)
    with app.app_context():
        [delivery] = deliveries()
        assert delivery.status == DeliveryStatus.gone and str(status) in delivery.last_error
        assert subscriptions() == []
    send(app, officer[0], frozen)  # nowhere to push any more; the inbox still has both
    with app.app_context():
        assert len(deliveries()) == 1
        assert db.session.query(Notification).count() == 2
    assert len(push.received) == 1


def test_a_server_error_is_retried_after_the_backoff(app, push, officer, frozen):
    push.answer(500)
    send(app, officer[0], frozen)
    with app.app_context():
        [delivery] = deliveries()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.pending, 1)
        assert delivery.next_attempt_at == frozen + timedelta(seconds=60) and "500" in delivery.last_error
        assert deliver_pending(frozen + timedelta(seconds=59))["sent"] == 0  # not due yet
        counts = deliver_pending(frozen + timedelta(seconds=60))
        assert counts["sent"] == 1 and counts["retry"] == 0
        [delivery] = deliveries()
        assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.sent, 2, None)
        assert deliver_pending(frozen + timedelta(hours=3)) == dict.fromkeys(counts, 0)
    assert [r.status for r in push.received] == [500, 201]
    assert push.received[0].payload == push.received[1].payload


def test_too_many_requests_waits_for_retry_after(app, push, officer, frozen):
    push.answer(429)  # the fake asks for 120 s, more than the first backoff step
    send(app, officer[0], frozen)
    with app.app_context():
        assert deliveries()[0].next_attempt_at == frozen + timedelta(seconds=120)


def test_retries_end_after_max_attempts(app, push, officer, frozen):
    push.answer(500, 502, 503, 500, 500)
    send(app, officer[0], frozen)
    at = frozen
    with app.app_context():
        for wait in components().rules["delivery.backoff_seconds"]:
            at += timedelta(seconds=wait)
            deliver_pending(at)
        [delivery] = deliveries()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.failed, 5)
        assert deliver_pending(at + timedelta(days=1))["sent"] == 0
    assert len(push.received) == 5


def test_an_unreachable_push_service_is_retried(app, client, world, push, frozen):
    with socket.socket() as closed:  # bound, never listening: connecting is refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        browser = push.browser("elsewhere")
        subscribe(client, world.h("officer_a1"), Browser(f"http://127.0.0.1:{port}/push/x", browser.private_key,
                                                         browser.auth_secret))
        send(app, world.users["officer_a1"], frozen)
    with app.app_context():
        [delivery] = deliveries()
        assert delivery.status == DeliveryStatus.pending and delivery.last_error.startswith("no answer")


def test_nothing_is_sent_when_the_transaction_rolls_back(app, push, officer, frozen):
    with app.app_context(), pytest.raises(RuntimeError):
        with transaction():
            notify([officer[0]], kind="alert", title="越界告警", body="…", as_of=frozen)
            raise RuntimeError("the alert could not be saved")
    with app.app_context():
        assert db.session.query(Notification).count() == 0 and deliveries() == []
    assert push.received == []


def test_two_schedulers_send_a_due_delivery_once(app, push, officer, frozen):
    push.answer(500)
    send(app, officer[0], frozen)
    later, barrier, results = frozen + timedelta(minutes=5), threading.Barrier(2), []

    def run():
        with app.app_context():
            barrier.wait(timeout=10)
            results.append(deliver_pending(later))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(r["sent"] for r in results) == [0, 1]
    assert [r.status for r in push.received] == [500, 201]


def test_the_worker_pool_sends_after_the_commit(database_url, push, frozen):
    with isolated_app(database_url, DELIVERY_SYNC=False) as pooled:
        with pooled.app_context():
            world = build_world(pooled.test_client())
        subscribe(pooled.test_client(), world.h("officer_a1"), push.browser())
        send(pooled, world.users["officer_a1"], frozen)
        dispatcher(pooled).join()
        assert [r.status for r in push.received] == [201]
        with pooled.app_context():
            assert deliveries()[0].status == DeliveryStatus.sent


def test_vapid_keys_command_prints_a_usable_pair(runner):
    result = runner.invoke(args=["vapid-keys"])
    assert result.exit_code == 0, result.output
    lines = dict(line.split("=", 1) for line in result.output.split())
    assert set(lines) == {"VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY"}
    assert len(b64url_decode(lines["VAPID_PRIVATE_KEY"])) == 32
    assert is_p256_point(b64url_decode(lines["VAPID_PUBLIC_KEY"]))
    assert generate_vapid_keys() != generate_vapid_keys()
