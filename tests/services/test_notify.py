"""notify(): inbox rows deduplicated per user, deliveries per channel target, WeChat subscribe messages against the
fake WeChat server (success, 43101, an expired token refreshed once), and officers_of()."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from correction.components import components
from correction.db import db
from correction.models import Channel, DeliveryStatus, Notification, Role, Subject, User
from correction.services import org
from correction.services.deliveries import deliver_pending
from correction.services.notify import notify, officers_of
from tests.apps import isolated_app
from tests.factories import build_world
from tests.fakes.push import FakePushService
from tests.fakes.wechat import FakeWeChat
from tests.notifying import (
    REMINDER_TEMPLATE, bind_with_wechat, consent, credits, deliveries, subscribe, supervisee_user_id,
    wechat_settings,
)


BODY = "11月23日至11月29日的定期报告须于12月1日（含）前提交。"


def remind(user_ids, as_of, key: str | None = None, kind: str = "reminder") -> list[Notification]:
    return notify(user_ids, kind=kind, title="定期报告提醒", body=BODY, as_of=as_of,
                  link="/me/obligations", data={"obligation": "periodic"}, dedupe_key=key)


def count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification))


def test_one_inbox_row_per_user_and_a_key_is_used_once_per_user(app, world, frozen):
    users = [world.users["officer_a1"], world.users["county_a"]]
    with app.app_context():
        created = remind(users + users[:1], frozen, key="reminder:periodic:2026-11-23:24h")
        assert sorted(n.user_id for n in created) == sorted(users)
        assert {n.dedupe_key for n in created} == {f"reminder:periodic:2026-11-23:24h:{u}" for u in users}
        assert remind(users, frozen, key="reminder:periodic:2026-11-23:24h") == []
        assert [n.user_id for n in remind(users + [world.users["officer_a2"]], frozen,
                                          key="reminder:periodic:2026-11-23:24h")] == [world.users["officer_a2"]]
        assert len(remind(users, frozen)) == 2  # without a key nothing is deduplicated
        assert count() == 5 and remind([], frozen, key="x") == []


def test_a_key_holds_when_two_transactions_race(app, world, frozen):
    barrier, results = threading.Barrier(2), []

    def run():
        with app.app_context():
            barrier.wait(timeout=10)
            results.append(len(remind([world.users["officer_a1"]], frozen, key="race")))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [0, 1]
    with app.app_context():
        assert count() == 1


def test_a_delivery_per_browser_and_none_without_one(app, client, world, frozen):
    with FakePushService() as push:
        for name in ("home", "office"):
            subscribe(client, world.h("officer_a1"), push.browser(name))
        with app.app_context():
            remind([world.users["officer_a1"], world.users["officer_a2"]], frozen)
            assert [(d.channel, d.status) for d in deliveries()] == [(Channel.webpush, DeliveryStatus.sent)] * 2
        assert sorted(r.path for r in push.received) == ["/push/home", "/push/office"]


def test_a_disabled_accounts_browsers_get_nothing(app, client, world, frozen):
    with FakePushService() as push:
        subscribe(client, world.h("officer_a1"), push.browser())
        with app.app_context():
            db.session.get(User, world.users["officer_a1"]).is_active = False
            db.session.commit()
            assert len(remind([world.users["officer_a1"]], frozen)) == 1 and deliveries() == []
        assert push.received == []


def test_officers_of_a_subject_are_its_officer_and_its_office(app, world):
    with app.app_context():
        colleague = org.create_user("colleague_a1", "correct-horse-battery", Role.officer, "同事",
                                    unit_id=world.units["office_a1"])
        retired = org.create_user("retired_a1", "correct-horse-battery", Role.officer, "退休",
                                  unit_id=world.units["office_a1"])
        retired.is_active = False
        subject = db.session.get(Subject, world.subjects["a1"])
        subject.officer_id = world.users["county_a"]  # an officer of the county agency in charge of this file
        db.session.commit()
        assert officers_of(subject) == sorted([world.users["officer_a1"], colleague.id, world.users["county_a"]])
        assert world.users["inspector_a"] not in officers_of(subject)
        assert officers_of(db.session.get(Subject, world.subjects["b1"])) == [world.users["officer_b1"]]


# --- WeChat subscribe messages against the fake WeChat server ----------------------------------------------------

@pytest.fixture
def fake():
    with FakeWeChat() as server:
        yield server


@pytest.fixture
def wx_app(database_url, fake):
    with isolated_app(database_url, **wechat_settings(fake)) as app:
        yield app


@pytest.fixture
def wx(wx_app, fake):
    """A world on the WeChat-configured app with subject a1 bound; returns (client, world, headers, user id)."""
    client = wx_app.test_client()
    with wx_app.app_context():
        world = build_world(client)
    headers = bind_with_wechat(client, world, fake)
    with wx_app.app_context():
        return client, world, headers, supervisee_user_id(world.subjects["a1"])


def test_a_subscribe_message_uses_one_credit(wx_app, fake, wx, frozen):
    client, _, headers, user_id = wx
    assert consent(client, headers) == 1
    with wx_app.app_context():
        notification_id = remind([user_id], frozen)[0].id
        [delivery] = deliveries()
        assert (delivery.channel, delivery.status, delivery.sent_at) == (Channel.wechat, DeliveryStatus.sent, frozen)
        assert credits(user_id) == 0
        remind([user_id], frozen)  # no credit left: the inbox only
        assert len(deliveries()) == 1
    assert fake.state.sent == [{
        "touser": "openid-a1", "template_id": REMINDER_TEMPLATE, "miniprogram_state": "formal", "lang": "zh_CN",
        "page": f"pages/notifications/index?id={notification_id}",
        "data": {"thing1": {"value": "定期报告提醒"}, "thing2": {"value": BODY[:19] + "…"},
                 "time3": {"value": "2026-11-26 12:00"}}}]


def test_no_wechat_delivery_without_a_template_for_the_kind(wx_app, fake, wx, frozen):
    client, _, headers, user_id = wx
    consent(client, headers)
    with wx_app.app_context():
        remind([user_id], frozen, kind="decision")  # the test configuration has no template for decisions
        assert deliveries() == [] and credits(user_id) == 1


def test_43101_fails_the_delivery_and_clears_the_credit(wx_app, fake, wx, frozen):
    client, _, headers, user_id = wx
    consent(client, headers)
    consent(client, headers)
    fake.state.quota_exhausted = True
    with wx_app.app_context():
        remind([user_id], frozen)
        [delivery] = deliveries()
        assert delivery.status == DeliveryStatus.failed and "43101" in delivery.last_error
        assert credits(user_id) == 0 and fake.state.send_attempts == 1
        assert deliver_pending(frozen + timedelta(days=1))["failed"] == 0  # never retried
    assert fake.state.send_attempts == 1


def test_an_expired_token_is_refreshed_once(wx_app, fake, wx, frozen):
    client, _, headers, user_id = wx
    consent(client, headers)
    with wx_app.app_context():
        components().wechat.access_token()
        fake.revoke_tokens()
        remind([user_id], frozen)
        assert deliveries()[0].status == DeliveryStatus.sent
    assert fake.state.send_attempts == 2 and len(fake.state.sent) == 1
    assert [body["force_refresh"] for body in fake.state.token_requests] == [False, True]


def test_a_busy_wechat_is_retried_and_the_credit_kept_for_it(wx_app, fake, wx, frozen):
    client, _, headers, user_id = wx
    consent(client, headers)
    fake.state.busy = True
    with wx_app.app_context():
        remind([user_id], frozen)
        assert deliveries()[0].status == DeliveryStatus.pending and credits(user_id) == 1
        fake.state.busy = False
        assert deliver_pending(frozen + timedelta(minutes=1))["sent"] == 1
        assert credits(user_id) == 0
    assert len(fake.state.sent) == 1


def test_staff_get_no_wechat_messages(wx_app, fake, wx, frozen):
    with wx_app.app_context():
        officer = db.session.get(User, wx[1].users["officer_a1"])
        remind([officer.id], frozen)
        assert deliveries() == []
