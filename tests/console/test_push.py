"""Web Push from the console in real headless Chromium: the service worker registers, the subscribe button makes a
real `pushManager.subscribe()` with the server's VAPID key and the subscription reaches the server; an alert opened
while the console is closed is pushed by the server, and the pushed message reaches the service worker, which shows
a system notification; the inbox shows the alert whatever happened to the push.

What is real and what is not. Chromium's own push service is FCM: its subscribe() needs Google's check-in and
registration services, which `tests/fakes/gcm.py` answers on loopback, so the subscription is Chromium's own (its
keys, the endpoint it builds), but that endpoint is on FCM, which this machine cannot reach, and FCM's delivery
channel into Chromium (MCS) is not something a test can stand up. So the server's push is checked at a push service
that can read it: the officer's second subscription is held by the local push service (tests/fakes/push.py), which
verifies the VAPID signature and decrypts the aes128gcm body as a browser would. That decrypted message is then handed
to Chromium's service worker through the DevTools Protocol (`ServiceWorker.deliverPushMessage`, the same path as
DevTools' "Push" button), which fires the worker's real `push` event. The delivery to Chromium's FCM endpoint is
attempted and recorded as unanswered, as it would be in a network without FCM."""

import json

import pytest
import sqlalchemy as sa
from selenium.webdriver.common.by import By

from correction.db import db
from correction.models import Delivery, PushSubscription
from tests.apps import at
from tests.console.browser import DevTools, log_in, wait_for
from tests.console.scenario import alert_for
from tests.factories import PASSWORD
from tests.fakes.push import FakePushService
from tests.notifying import subscribe

SUBSCRIPTION = """
const done = arguments[arguments.length - 1];
navigator.serviceWorker.ready.then((reg) => reg.pushManager.getSubscription())
  .then((subscription) => done(subscription && subscription.toJSON()), (error) => done(String(error)));
"""
NOTIFICATIONS = """
const done = arguments[arguments.length - 1];
navigator.serviceWorker.ready.then((reg) => reg.getNotifications())
  .then((shown) => done(shown.map((n) => ({title: n.title, body: n.body, url: n.data.url}))),
        (error) => done(String(error)));
"""


@pytest.fixture
def push():
    with FakePushService() as service:
        yield service


def test_a_subscription_reaches_the_server_and_a_push_reaches_the_service_worker(app, client, world, live, browser,
                                                                                 gcm, push):
    with at(2026, 11, 26):
        log_in(browser, live, "officer_a1", PASSWORD)
        browser.execute_cdp_cmd("Browser.grantPermissions", {"origin": live, "permissions": ["notifications"]})
        browser.get(f"{live}/console/inbox")
        wait_for(browser, "#push-state", "尚未开启推送。")
        assert not browser.find_element(By.ID, "push-off").is_displayed()
        browser.find_element(By.ID, "push-on").click()
        wait_for(browser, "#push-state", "已开启推送。")
        assert browser.find_element(By.ID, "push-off").is_displayed()
        assert not browser.find_element(By.ID, "push-on").is_displayed()

        # Chromium subscribed with the server's key, and the server holds exactly Chromium's subscription.
        in_browser = browser.execute_async_script(SUBSCRIPTION)
        ours = [r for r in gcm.registrations if r.form.get("X-subtype", "").startswith(f"wp:{live}/")]
        assert [r.form["sender"] for r in ours] == [app.config["VAPID_PUBLIC_KEY"]]
        assert in_browser["endpoint"].endswith(f"/{ours[0].token}")
        with app.app_context():
            stored = db.session.execute(sa.select(PushSubscription.user_id, PushSubscription.endpoint,
                                                  PushSubscription.p256dh, PushSubscription.auth)).all()
        assert stored == [(world.users["officer_a1"], in_browser["endpoint"], in_browser["keys"]["p256dh"],
                           in_browser["keys"]["auth"])]

        # The console closes; the officer's other browser is one the local push service can read for.
        devtools = DevTools(browser)
        registration = devtools.registration_id(f"{live}/console/")
        browser.get("about:blank")
        subscribe(client, world.h("officer_a1"), push.browser("officer-a1-laptop"))
        alert_id = alert_for(app, world, key="out_of_bounds:push", title="越界告警（推送测试）")

        # The server pushed it: VAPID-signed with its key, encrypted for the subscriber, decrypted by the service.
        [received] = push.received
        assert received.status == 201 and received.vapid_key == app.config["VAPID_PUBLIC_KEY"]
        assert received.payload["title"] == "对象A1：越界告警（推送测试）" and received.payload["alert_id"] == alert_id
        with app.app_context():
            to_chromium = db.session.scalar(sa.select(Delivery).join(PushSubscription).where(
                PushSubscription.endpoint == in_browser["endpoint"]))
            assert to_chromium.attempts == 1 and to_chromium.sent_at is None
            assert to_chromium.last_error.startswith("no answer")  # FCM is out of reach here

        # The pushed message reaches the service worker, which shows it while no console page is open.
        devtools.call("ServiceWorker.deliverPushMessage", origin=live, registrationId=registration,
                      data=json.dumps(received.payload, ensure_ascii=False))
        devtools.close()
        browser.get(f"{live}/console/inbox")
        wait_for(browser, "#push-state", "已开启推送。")
        shown = browser.execute_async_script(NOTIFICATIONS)
        assert shown == [{"title": "对象A1：越界告警（推送测试）", "body": received.payload["body"],
                          "url": f"{live}/console/alerts/{alert_id}"}]
        assert "越界告警（推送测试）" in browser.find_element(By.CSS_SELECTOR, "ul.inbox").text


def test_the_inbox_shows_an_alert_when_no_push_could_be_sent(app, client, world, live, browser):
    with at(2026, 11, 26):
        alert_id = alert_for(app, world, key="out_of_bounds:inbox", title="越界告警（无推送）")
        log_in(browser, live, "officer_a1", PASSWORD)
        browser.get(f"{live}/console/inbox")
        entry = wait_for(browser, "ul.inbox li.unread")
        assert "越界告警（无推送）" in entry.text
        entry.find_element(By.LINK_TEXT, "查看告警").click()
        assert browser.current_url == f"{live}/console/alerts/{alert_id}"
