"""Abuse limits: login per username and per address (API and console together), WeChat login per address, binding
per WeChat user, check-ins per supervisee; the 429 envelope with Retry-After; X-Forwarded-For only behind trusted
proxies; two app instances counting together in a real Redis.

Each test sets its own low limits and starts counting after its world is built (the world logs every staff member
in); the clients come from their own addresses (192.0.2.0/24, the documentation range, only ever a WSGI environ
value).
"""

import uuid
from contextlib import ExitStack

import pytest

from mobile_api.limits import limiter_of
from tests.apps import at, isolated_app
from tests.factories import PASSWORD, build_world, intake_body
from tests.locations import fence_county_a, fix, reported_and_bound
from tests.redis_server import redis_server

TOKEN, WX_LOGIN, WX_BIND = "/api/v1/auth/token", "/api/v1/auth/wx-login", "/api/v1/auth/wx-bind"
CONSOLE_LOGIN, CHECKINS = "/console/login", "/api/v1/me/checkins"
HIGH = "1000 per minute"


@pytest.fixture(scope="module")
def redis_url():
    with redis_server() as url:
        yield url


def client_at(app, address: str):
    """A test client whose requests come from `address`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def login(client, username: str, password: str = "wrong-password"):
    return client.post(TOKEN, json={"username": username, "password": password})


def assert_rate_limited(response) -> int:
    """The contract's envelope for a 429 and a Retry-After in seconds; returns the seconds."""
    assert response.status_code == 429, response.get_data(as_text=True)
    assert response.get_json() == {"error": {"code": "rate_limited", "message": "请求过于频繁，请稍后再试。"}}
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= 3600
    return retry_after


@pytest.fixture
def stack():
    """Contexts (a frozen clock) held to the end of the test."""
    with ExitStack() as contexts:
        yield contexts


@pytest.fixture
def limited(database_url):
    """Build the app with the given limit settings (everything else as in testing) and its world."""
    with ExitStack() as stack:
        def build(**overrides):
            app = stack.enter_context(isolated_app(database_url, **overrides))
            with app.app_context():
                world = build_world(app.test_client())
            limiter_of(app).reset()
            return app, world
        yield build


# --- staff login ---------------------------------------------------------------------------------------------

def test_login_per_username_is_429_with_envelope_and_retry_after(limited):
    app, _ = limited(RATELIMIT_LOGIN_PER_USERNAME="3 per minute", RATELIMIT_LOGIN_PER_IP=HIGH)
    client = client_at(app, "192.0.2.1")
    assert [login(client, "officer_a1").status_code for _ in range(3)] == [401, 401, 401]
    assert_rate_limited(login(client, "officer_a1", PASSWORD))  # the right password waits too
    assert assert_rate_limited(login(client_at(app, "192.0.2.2"), "officer_a1")) == 60  # from any address
    assert login(client, "officer_a2", PASSWORD).status_code == 200  # another username is not affected


def test_login_per_address(limited):
    app, _ = limited(RATELIMIT_LOGIN_PER_USERNAME=HIGH, RATELIMIT_LOGIN_PER_IP="9 per minute")  # the world: 8
    client = client_at(app, "192.0.2.1")
    assert {login(client, f"user{n}").status_code for n in range(9)} == {401}
    assert_rate_limited(login(client, "officer_a1", PASSWORD))
    assert login(client_at(app, "192.0.2.2"), "officer_a1", PASSWORD).status_code == 200


def test_api_and_console_logins_count_together(limited):
    app, _ = limited(RATELIMIT_LOGIN_PER_USERNAME="2 per minute", RATELIMIT_LOGIN_PER_IP=HIGH)
    client = client_at(app, "192.0.2.1")
    assert login(client, "officer_a1").status_code == 401
    form = {"username": "officer_a1", "password": "wrong-password"}
    assert client.post(CONSOLE_LOGIN, data=form).status_code == 401
    page = client.post(CONSOLE_LOGIN, data=form)
    assert page.status_code == 429 and page.mimetype == "text/html" and int(page.headers["Retry-After"]) > 0
    assert "登录尝试过于频繁，请稍后再试。" in page.get_data(as_text=True)
    assert_rate_limited(login(client, "officer_a1"))
    assert client.get(CONSOLE_LOGIN).status_code == 200  # showing the form is not limited


# --- mini-program login and binding --------------------------------------------------------------------------

def test_wx_login_per_address(limited):
    app, _ = limited(RATELIMIT_WX_LOGIN_PER_IP="2 per minute")
    client = client_at(app, "192.0.2.1")
    for n in range(2):
        assert client.post(WX_LOGIN, json={"code": f"dev:openid-{n}"}).status_code == 200
    assert_rate_limited(client.post(WX_LOGIN, json={"code": "dev:openid-9"}))
    assert client_at(app, "192.0.2.2").post(WX_LOGIN, json={"code": "dev:openid-9"}).status_code == 200


def test_binding_per_wechat_user(limited):
    """Guessing activation codes: one WeChat user gets a few tries, another one at the same address its own."""
    app, _ = limited(RATELIMIT_WX_BIND_PER_OPENID="2 per minute")
    client = client_at(app, "192.0.2.1")

    def guess(openid: str):
        token = client.post(WX_LOGIN, json={"code": f"dev:{openid}"}).get_json()["bind_token"]
        return client.post(WX_BIND, json={"bind_token": token, "id_number": intake_body(0, 1)["id_number"],
                                          "name": "对象A1", "activation_code": "ZZZZZZZZ"})

    assert [guess("openid-1").status_code for _ in range(2)] == [422, 422]
    assert_rate_limited(guess("openid-1"))
    assert guess("openid-2").status_code == 422


# --- check-ins -----------------------------------------------------------------------------------------------

def test_checkins_per_supervisee_with_batches_counted_apart(limited, stack):
    app, world = limited(RATELIMIT_CHECKIN_PER_USER="2 per minute", RATELIMIT_CHECKIN_BATCH_PER_USER="1 per minute")
    fence_county_a(app, world)
    client = app.test_client()
    a1, b1 = reported_and_bound(client, world, "a1"), reported_and_bound(client, world, "b1")
    stack.enter_context(at(2026, 11, 26))
    for _ in range(2):
        assert client.post(CHECKINS, json=fix(), headers=a1).status_code == 201
    assert_rate_limited(client.post(CHECKINS, json=fix(), headers=a1))
    assert client.post(CHECKINS, json=fix(), headers=b1).status_code == 201  # another supervisee
    batch = client.post(f"{CHECKINS}/batch", json={"items": [fix()]}, headers=a1)
    assert batch.status_code == 200, batch.get_json()  # the offline queue has its own allowance
    assert_rate_limited(client.post(f"{CHECKINS}/batch", json={"items": [fix()]}, headers=a1))


def test_checkin_without_a_token_is_still_401(limited):
    app, _ = limited(RATELIMIT_CHECKIN_PER_USER="1 per minute")
    client = client_at(app, "192.0.2.1")
    assert client.post(CHECKINS, json=fix()).status_code == 401
    assert_rate_limited(client.post(CHECKINS, json=fix()))  # counted by address instead


# --- the client address behind nginx -------------------------------------------------------------------------

@pytest.mark.parametrize("proxies, separate", [(0, False), (1, True)])
def test_forwarded_for_counts_only_behind_trusted_proxies(limited, proxies, separate):
    app, _ = limited(RATELIMIT_WX_LOGIN_PER_IP="1 per minute", TRUSTED_PROXIES=proxies)
    client = client_at(app, "127.0.0.1")  # nginx on the same machine
    first = client.post(WX_LOGIN, json={"code": "dev:o1"}, headers={"X-Forwarded-For": "198.51.100.1"})
    second = client.post(WX_LOGIN, json={"code": "dev:o2"}, headers={"X-Forwarded-For": "198.51.100.2"})
    assert first.status_code == 200
    assert second.status_code == (200 if separate else 429)


# --- several app instances -----------------------------------------------------------------------------------

def test_two_app_instances_count_together_in_redis(database_url, redis_url, stack):
    """Like two gunicorn instances behind nginx: each app has its own limiter and Redis connection, one count."""
    settings = {"RATELIMIT_STORAGE_URI": redis_url, "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
                "RATELIMIT_LOGIN_PER_USERNAME": "3 per minute", "RATELIMIT_LOGIN_PER_IP": HIGH,
                "RATELIMIT_CHECKIN_PER_USER": "3 per minute"}
    with isolated_app(database_url, **settings) as one, isolated_app(database_url, **settings) as two:
        with one.app_context():
            world = build_world(one.test_client())
        limiter_of(one).reset()
        first, second = client_at(one, "192.0.2.1"), client_at(two, "192.0.2.1")
        assert [c.post(TOKEN, json={"username": "officer_a1", "password": "x"}).status_code
                for c in (first, second, first)] == [401, 401, 401]
        assert_rate_limited(login(second, "officer_a1", PASSWORD))
        assert_rate_limited(login(first, "officer_a1", PASSWORD))
        assert login(second, "officer_a2", PASSWORD).status_code == 200

        fence_county_a(one, world)
        a1 = reported_and_bound(one.test_client(), world)
        stack.enter_context(at(2026, 11, 26))
        assert [c.post(CHECKINS, json=fix(), headers=a1).status_code
                for c in (first, second, second)] == [201, 201, 201]
        assert_rate_limited(first.post(CHECKINS, json=fix(), headers=a1))


def test_per_process_storage_would_not_count_together(database_url):
    """The contrast that makes the Redis test mean something: memory:// apps count alone."""
    settings = {"RATELIMIT_LOGIN_PER_USERNAME": "1 per minute", "RATELIMIT_LOGIN_PER_IP": HIGH}
    with isolated_app(database_url, **settings) as one, isolated_app(database_url, **settings) as two:
        assert login(client_at(one, "192.0.2.1"), "nobody").status_code == 401
        assert login(client_at(two, "192.0.2.1"), "nobody").status_code == 401


def test_limits_can_be_switched_off(database_url):
    with isolated_app(database_url, RATELIMIT_ENABLED=False, RATELIMIT_WX_LOGIN_PER_IP="1 per minute") as app:
        client = app.test_client()
        assert [client.post(WX_LOGIN, json={"code": "dev:o"}).status_code for _ in range(3)] == [200, 200, 200]


# --- the description ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [TOKEN, WX_LOGIN, WX_BIND, CHECKINS, f"{CHECKINS}/batch"])
def test_openapi_documents_the_429(client, path):
    operation = client.get("/api/v1/openapi.json").get_json()["paths"][path]["post"]
    answer = operation["responses"]["429"]
    assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorEnvelope"}
    assert "Retry-After" in answer["headers"]
