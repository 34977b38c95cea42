"""The inbox for supervisees and staff, Web Push subscriptions and WeChat consents over HTTP."""

from datetime import timedelta

import pytest

from config import Testing
from correction import clock
from correction.services.notify import notify
from tests.factories import supervisee_headers
from tests.fakes.push import FakePushService
from tests.notifying import REMINDER_TEMPLATE, consent, credits, subscribe, subscriptions, supervisee_user_id

MY_INBOX, STAFF_INBOX = "/api/v1/me/notifications", "/api/v1/notifications"
SUBSCRIPTIONS = "/api/v1/push-subscriptions"


@pytest.fixture
def push():
    with FakePushService() as service:
        yield service


def put(app, user_id: int, as_of, title: str) -> int:
    with app.app_context():
        return notify([user_id], kind="reminder", title=title, body=f"{title}的内容", as_of=as_of,
                      data={"due": "2026-12-01"})[0].id


def test_a_supervisee_reads_the_inbox_newest_first(app, client, world, frozen):
    headers = supervisee_headers(client, world)
    with app.app_context():
        user_id = supervisee_user_id(world.subjects["a1"])
    first = put(app, user_id, frozen, "第一条")
    second = put(app, user_id, frozen + timedelta(minutes=1), "第二条")
    put(app, world.users["officer_a1"], frozen, "别人的")
    body = client.get(MY_INBOX, headers=headers).get_json()
    assert [item["id"] for item in body["items"]] == [second, first]
    assert (body["total"], body["unread"], body["page"], body["per_page"]) == (2, 2, 1, 20)
    assert body["items"][0] == {"id": second, "kind": "reminder", "title": "第二条", "body": "第二条的内容",
                                "link": None, "data": {"due": "2026-12-01"}, "alert_id": None,
                                "created_at": "2026-11-26T04:01:00+00:00", "read_at": None}
    assert [i["id"] for i in client.get(MY_INBOX, query_string={"per_page": 1, "page": 2},
                                        headers=headers).get_json()["items"]] == [first]
    read = client.post(f"{MY_INBOX}/{first}/read", headers=headers)
    assert read.status_code == 200 and read.get_json()["read_at"] == "2026-11-26T04:00:00+00:00"
    assert client.get(MY_INBOX, headers=headers).get_json()["unread"] == 1


def test_reading_twice_keeps_the_first_time(app, client, world, frozen):
    notification_id = put(app, world.users["officer_a1"], frozen, "告警")
    client.post(f"{STAFF_INBOX}/{notification_id}/read", headers=world.h("officer_a1"))
    with clock.frozen(frozen + timedelta(hours=1)):
        again = client.post(f"{STAFF_INBOX}/{notification_id}/read", headers=world.h("officer_a1"))
    assert again.status_code == 200 and again.get_json()["read_at"] == "2026-11-26T04:00:00+00:00"


@pytest.mark.parametrize("who", ["officer_a2", "county_a", "inspector_a", "admin"])
def test_someone_elses_message_is_404(app, client, world, frozen, who):
    notification_id = put(app, world.users["officer_a1"], frozen, "告警")
    response = client.post(f"{STAFF_INBOX}/{notification_id}/read", headers=world.h(who))
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "notification_not_found"
    assert client.get(STAFF_INBOX, headers=world.h(who)).get_json()["total"] == 0


def test_inspectors_and_admins_have_an_inbox_and_supervisees_use_theirs(app, client, world, frozen):
    for who in ("inspector_a", "admin"):
        notification_id = put(app, world.users[who], frozen, "通知")
        assert client.get(STAFF_INBOX, headers=world.h(who)).get_json()["unread"] == 1
        assert client.post(f"{STAFF_INBOX}/{notification_id}/read", headers=world.h(who)).status_code == 200
    supervisee = supervisee_headers(client, world)
    assert client.get(STAFF_INBOX, headers=supervisee).status_code == 403
    assert client.get(MY_INBOX, headers=world.h("officer_a1")).status_code == 403


def test_the_vapid_public_key_is_served_to_staff(app, client, world):
    body = client.get("/api/v1/push/vapid-public-key", headers=world.h("officer_a1")).get_json()
    assert body == {"public_key": app.config["VAPID_PUBLIC_KEY"]}


def test_a_browser_subscribes_and_unsubscribes(app, client, world, push, frozen):
    browser = push.browser()
    created = subscribe(client, world.h("inspector_a"), browser)
    assert created["endpoint"] == browser.endpoint and created["last_success_at"] is None
    again = subscribe(client, world.h("officer_a1"), browser)  # the same browser, another officer signed in
    assert again["id"] == created["id"]
    with app.app_context():
        assert [s.user_id for s in subscriptions()] == [world.users["officer_a1"]]
    gone = client.delete(SUBSCRIPTIONS, json={"endpoint": browser.endpoint}, headers=world.h("officer_a2"))
    assert gone.status_code == 204
    with app.app_context():
        assert len(subscriptions()) == 1  # not officer_a2's to remove
    assert client.delete(SUBSCRIPTIONS, json={"endpoint": browser.endpoint},
                         headers=world.h("officer_a1")).status_code == 204
    with app.app_context():
        assert subscriptions() == []


VALID_P256DH = Testing.VAPID_PUBLIC_KEY  # any point on P-256 will do
VALID_AUTH = "AAAAAAAAAAAAAAAAAAAAAA"  # 16 bytes


@pytest.mark.parametrize("change, field", [
    ({"endpoint": "http://push.example.com/x"}, "endpoint"),
    ({"endpoint": "https://10.0.0.8/push/x"}, "endpoint"),
    ({"endpoint": "https://localhost/push/x"}, "endpoint"),
    ({"endpoint": "https://user:pw@push.example.com/x"}, "endpoint"),
    ({"endpoint": "http://127.0.0.2:9/x"}, "endpoint"),
    ({"keys": {"p256dh": "BAAA", "auth": VALID_AUTH}}, "keys.p256dh"),
    ({"keys": {"p256dh": "B" + "A" * 86, "auth": VALID_AUTH}}, "keys.p256dh"),  # 65 bytes, off the curve
    ({"keys": {"p256dh": VALID_P256DH + "!", "auth": VALID_AUTH}}, "keys.p256dh"),  # not base64url
    ({"keys": {"p256dh": VALID_P256DH, "auth": "AAAA"}}, "keys.auth"),  # 3 bytes
    ({"keys": {"p256dh": VALID_P256DH}}, "keys.auth"),
])
def test_a_bad_subscription_is_422(client, world, push, change, field):
    response = client.post(SUBSCRIPTIONS, json={**push.browser().subscription, **change},
                           headers=world.h("officer_a1"))
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"], response.get_json()


def test_an_https_endpoint_is_accepted(client, world, push):
    body = {**push.browser().subscription, "endpoint": "https://fcm.googleapis.com/fcm/send/abc:def"}
    assert client.post(SUBSCRIPTIONS, json=body, headers=world.h("officer_a1")).status_code == 201


def test_supervisees_cannot_subscribe_a_browser(client, world, push):
    headers = supervisee_headers(client, world)
    assert client.post(SUBSCRIPTIONS, json=push.browser().subscription, headers=headers).status_code == 403


def test_consents_add_credits_per_template(app, client, world):
    headers = supervisee_headers(client, world)
    assert consent(client, headers) == 1
    assert consent(client, headers) == 2
    assert consent(client, headers, accepted=False) == 2
    assert consent(client, headers, template="tmpl-alert") == 1
    unknown = client.post("/api/v1/me/wechat-consents", json={"template_id": "tmpl-nope", "accepted": True},
                          headers=headers)
    assert unknown.status_code == 422 and "template_id" in unknown.get_json()["error"]["fields"]
    officer = client.post("/api/v1/me/wechat-consents", json={"template_id": REMINDER_TEMPLATE, "accepted": True},
                          headers=world.h("officer_a1"))
    assert officer.status_code == 403


def test_a_retried_consent_counts_once(app, client, world):
    headers = {**supervisee_headers(client, world), "Idempotency-Key": "consent-1"}
    for _ in range(2):
        response = client.post("/api/v1/me/wechat-consents", json={"template_id": REMINDER_TEMPLATE,
                                                                   "accepted": True}, headers=headers)
        assert response.get_json()["credits"] == 1
    with app.app_context():
        assert credits(supervisee_user_id(world.subjects["a1"])) == 1
