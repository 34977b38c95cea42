"""Helpers for the notification tests: subscribing a fake browser, binding a supervisee through the fake WeChat
server, and reading deliveries back."""

import sqlalchemy as sa

from correction.db import db
from correction.models import Delivery, PushSubscription, SuperviseeAccount, WechatConsent
from tests.factories import World, bearer, intake_body
from tests.fakes.push import Browser
from tests.fakes.wechat import FakeWeChat

APPID, SECRET = "wxtest", "s3cret"
REMINDER_TEMPLATE = "tmpl-reminder"  # the test configuration's template of kind "reminder"


def wechat_settings(fake: FakeWeChat) -> dict:
    """App overrides that point the WeChat client at the fake server."""
    return {"WECHAT_APPID": APPID, "WECHAT_SECRET": SECRET, "WECHAT_API_BASE": fake.base_url}


def subscribe(client, headers: dict, browser: Browser) -> dict:
    response = client.post("/api/v1/push-subscriptions", json=browser.subscription, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def bind_with_wechat(client, world: World, fake: FakeWeChat, key: str = "a1") -> dict:
    """Bind subject `key` through a real (fake-server) wx.login code; returns the supervisee's headers."""
    officer = world.h(f"officer_{key}")
    code = client.post(f"/api/v1/subjects/{world.subjects[key]}/activation-code", headers=officer).get_json()["code"]
    fake.register_code(f"code-{key}", f"openid-{key}")
    login = client.post("/api/v1/auth/wx-login", json={"code": f"code-{key}"}).get_json()
    subject = client.get(f"/api/v1/subjects/{world.subjects[key]}", headers=officer).get_json()
    bound = client.post("/api/v1/auth/wx-bind", json={
        "bind_token": login["bind_token"], "id_number": intake_body(0, {"a1": 1, "b1": 2}[key])["id_number"],
        "name": subject["name"], "activation_code": code})
    assert bound.status_code == 200, bound.get_json()
    return bearer(bound.get_json()["access_token"])


def consent(client, headers: dict, template: str = REMINDER_TEMPLATE, accepted: bool = True) -> int:
    response = client.post("/api/v1/me/wechat-consents", json={"template_id": template, "accepted": accepted},
                           headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["credits"]


def supervisee_user_id(subject_id: int) -> int:
    return db.session.scalar(sa.select(SuperviseeAccount.user_id).where(SuperviseeAccount.subject_id == subject_id))


def deliveries() -> list[Delivery]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Delivery).order_by(Delivery.id)))


def subscriptions() -> list[PushSubscription]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(PushSubscription).order_by(PushSubscription.id)))


def credits(user_id: int, template: str = REMINDER_TEMPLATE) -> int | None:
    return db.session.scalar(sa.select(WechatConsent.credits).where(WechatConsent.user_id == user_id,
                                                                   WechatConsent.template_id == template))
