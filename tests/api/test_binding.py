"""Supervisee binding end to end: wx-login, activation codes, wx-bind and /me; dev codes and a fake WeChat."""

import re
import threading
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from correction import clock
from correction.components import components
from correction.db import db
from correction.models import ActivationCode, SuperviseeAccount
from correction.rules.identity import mask_id_number
from tests.apps import isolated_app
from tests.factories import bearer, build_world, id_number, intake_body
from tests.fakes.wechat import FakeWeChat

WX_LOGIN, WX_BIND, ME = "/api/v1/auth/wx-login", "/api/v1/auth/wx-bind", "/api/v1/me"
APPID, SECRET = "wxtest", "s3cret"
# build_world registers subject a1 with intake_body(office_a1, 1, name="对象A1"), b1 with serial 2.
A1_ID, A1_NAME = intake_body(0, 1)["id_number"], "对象A1"
B1_ID, B1_NAME = intake_body(0, 2)["id_number"], "对象B1"
CODE_PATTERN = re.compile(r"[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}")


# --- helpers -----------------------------------------------------------------------------------------------

def error_code(response, status: int) -> str:
    """Assert the status and the error envelope (no `fields` outside validation); return the error code."""
    body = response.get_json()
    assert response.status_code == status, body
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]["code"]


def wx_login(client, code: str):
    return client.post(WX_LOGIN, json={"code": code})


def bind_token(client, code: str) -> str:
    """The bind token of an unbound WeChat user (`code` is `dev:<openid>` or a code the fake knows)."""
    response = wx_login(client, code)
    body = response.get_json()
    assert response.status_code == 200 and body["bound"] is False, body
    return body["bind_token"]


def issue(client, world, who: str = "officer_a1", subject: str = "a1") -> str:
    path = f"/api/v1/subjects/{world.subjects[subject]}/activation-code"
    response = client.post(path, headers=world.h(who))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["code"]


def bind(client, token: str, code: str, id_no: str = A1_ID, name: str = A1_NAME):
    return client.post(WX_BIND, json={"bind_token": token, "id_number": id_no, "name": name,
                                      "activation_code": code})


def access(response) -> dict:
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["role"] == "supervisee" and body["token_type"] == "Bearer" and body["expires_in"] == 1800
    return bearer(body["access_token"])


# --- (a) dev codes without WeChat credentials (the testing configuration) -----------------------------------

def test_testing_configuration_has_no_wechat_client(app):
    with app.app_context():
        assert components().wechat is None


def test_dev_code_of_an_unbound_openid_gives_only_a_bind_token(client, world):
    response = wx_login(client, "dev:openid-new")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"bound", "bind_token"} and body["bound"] is False and body["bind_token"]


def test_officer_issues_a_code_valid_for_72_hours(app, client, world):
    t0 = clock.now().replace(microsecond=0)
    with clock.frozen(t0):
        response = client.post(f"/api/v1/subjects/{world.subjects['a1']}/activation-code",
                               headers=world.h("officer_a1"))
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"code", "expires_at"} and CODE_PATTERN.fullmatch(body["code"])
    assert app.config["ACTIVATION_CODE_TTL"] == timedelta(hours=72)
    expires = datetime.fromisoformat(body["expires_at"])
    assert expires.tzinfo is not None and expires == t0 + timedelta(hours=72)
    with app.app_context():  # stored only as a digest
        stored = db.session.scalars(sa.select(ActivationCode.code_digest)).all()
        assert len(stored) == 1 and body["code"] not in stored[0]


def test_bind_then_me_then_login_again(client, world):
    token = bind_token(client, "dev:openid-a1")
    code = issue(client, world)

    bound = bind(client, token, code)
    headers = access(bound)
    assert set(bound.get_json()) == {"access_token", "token_type", "expires_in", "role"}

    me = client.get(ME, headers=headers)
    assert me.status_code == 200
    profile = me.get_json()
    assert profile["id"] == world.subjects["a1"] and profile["name"] == A1_NAME
    assert profile["id_number"] == mask_id_number(A1_ID) and profile["id_number"] != A1_ID
    assert A1_ID not in me.get_data(as_text=True) and A1_ID[6:14] not in me.get_data(as_text=True)
    assert profile["unit"] == {"id": world.units["office_a1"], "name": "司法所A1"}
    assert profile["status"] == "awaiting_report" and profile["category"] == "probation"

    again = wx_login(client, "dev:openid-a1")
    body = again.get_json()
    assert again.status_code == 200 and body["bound"] is True and "bind_token" not in body
    assert client.get(ME, headers=access(again)).get_json()["id"] == world.subjects["a1"]


def test_binding_is_recorded_in_the_subject_history(client, world):
    access(bind(client, bind_token(client, "dev:openid-a1"), issue(client, world)))
    history = client.get(f"/api/v1/subjects/{world.subjects['a1']}/history", headers=world.h("officer_a1"))
    events = {event["kind"]: event for event in history.get_json()}
    assert events["activation_code"]["actor"]["id"] == world.users["officer_a1"]
    assert events["account_bound"]["actor"] is None


def test_code_is_accepted_in_lower_case_with_spaces(client, world):
    code = issue(client, world)
    access(bind(client, bind_token(client, "dev:openid-a1"), f"  {code.lower()} "))


def test_supervisee_token_is_refused_on_staff_endpoints(client, world):
    headers = access(bind(client, bind_token(client, "dev:openid-a1"), issue(client, world)))
    assert error_code(client.get("/api/v1/subjects", headers=headers), 403) == "forbidden"
    response = client.post(f"/api/v1/subjects/{world.subjects['a1']}/activation-code", headers=headers)
    assert error_code(response, 403) == "forbidden"
    assert error_code(client.get(ME, headers=world.h("officer_a1")), 403) == "forbidden"


# --- (b) anything but a dev code without credentials -------------------------------------------------------

@pytest.mark.parametrize("code", ["081aBcDeF0gHiJ1kLm2nOp3qRs4tUv", "dev:", "dev:   ", "DEV:openid-a1"])
def test_non_dev_code_without_credentials_is_401(client, world, code):
    assert error_code(wx_login(client, code), 401) == "wx_code_invalid"


# --- (c) WeChat configured, against the fake server --------------------------------------------------------

@pytest.fixture
def fake_wechat():
    with FakeWeChat(APPID, SECRET) as fake:
        yield fake


@pytest.fixture
def wx_app(database_url, fake_wechat):
    """Like conftest's `app`, with WeChat credentials and the fake server's base URL."""
    with isolated_app(database_url, WECHAT_APPID=APPID, WECHAT_SECRET=SECRET,
                      WECHAT_API_BASE=fake_wechat.base_url) as app:
        yield app


@pytest.fixture
def wx_client(wx_app):
    return wx_app.test_client()


@pytest.fixture
def wx_world(wx_app):
    with wx_app.app_context():
        return build_world(wx_app.test_client())


def test_configured_app_uses_the_fake_server(wx_app, fake_wechat):
    with wx_app.app_context():
        client = components().wechat
        assert client is not None and client.base_url == fake_wechat.base_url and client.appid == APPID


def test_wechat_code_binds_and_then_logs_in(wx_client, wx_world, fake_wechat):
    fake_wechat.register_code("wx-code-1", "openid-wx-a1")
    first = wx_login(wx_client, "wx-code-1")
    assert first.status_code == 200 and first.get_json()["bound"] is False
    assert fake_wechat.state.session_calls[-1] == {
        "appid": APPID, "secret": SECRET, "js_code": "wx-code-1", "grant_type": "authorization_code"}

    bound = bind(wx_client, first.get_json()["bind_token"], issue(wx_client, wx_world))
    me = wx_client.get(ME, headers=access(bound))
    assert me.status_code == 200 and me.get_json()["id"] == wx_world.subjects["a1"]

    fake_wechat.register_code("wx-code-2", "openid-wx-a1")
    again = wx_login(wx_client, "wx-code-2")
    assert again.status_code == 200 and again.get_json()["bound"] is True
    assert wx_client.get(ME, headers=access(again)).get_json()["id"] == wx_world.subjects["a1"]
    for response in (first, bound, again):  # the session key stays on the server
        assert "session_key" not in response.get_data(as_text=True)


def test_unknown_wechat_code_is_401(wx_client, wx_world, fake_wechat):
    assert error_code(wx_login(wx_client, "never-issued"), 401) == "wx_code_invalid"
    assert fake_wechat.state.session_calls[-1]["js_code"] == "never-issued"


def test_reused_wechat_code_is_401(wx_client, wx_world, fake_wechat):
    fake_wechat.register_code("wx-code-once", "openid-wx-1")
    assert wx_login(wx_client, "wx-code-once").status_code == 200
    assert error_code(wx_login(wx_client, "wx-code-once"), 401) == "wx_code_invalid"


def test_dev_codes_are_refused_when_wechat_is_configured(wx_client, wx_world, fake_wechat):
    # Even for an openid that is bound: a dev code must never stand in for a real wx.login code.
    fake_wechat.register_code("wx-code-1", "openid-wx-a1")
    access(bind(wx_client, bind_token(wx_client, "wx-code-1"), issue(wx_client, wx_world)))
    for code in ("dev:openid-wx-a1", "dev:openid-unbound"):
        assert error_code(wx_login(wx_client, code), 401) == "wx_code_invalid"


def test_wechat_down_is_503(wx_client, wx_world, fake_wechat):
    fake_wechat.register_code("wx-code-1", "openid-wx-1")
    fake_wechat.stop()
    response = wx_login(wx_client, "wx-code-1")
    assert error_code(response, 503) == "wechat_unavailable"
    assert "Error" not in response.get_json()["error"]["message"]  # no exception text for the client


@pytest.mark.parametrize("trouble", ["busy", "secret_changed"])
def test_wechat_trouble_that_is_not_the_code_is_503(wx_client, wx_world, fake_wechat, trouble):
    fake_wechat.register_code("wx-code-1", "openid-wx-1")
    if trouble == "busy":
        fake_wechat.state.busy = True
    else:  # the AppSecret was reset in the WeChat console: our configuration is wrong, not the user's code
        fake_wechat.state.secret = "reset-secret"
    assert error_code(wx_login(wx_client, "wx-code-1"), 503) == "wechat_unavailable"


def test_wechat_login_rate_limit_is_429(wx_client, wx_world, fake_wechat):
    fake_wechat.register_code("wx-code-1", "openid-wx-1")
    fake_wechat.state.login_rate_limited = True
    assert error_code(wx_login(wx_client, "wx-code-1"), 429) == "wx_rate_limited"


# --- (d) activation codes, bind tokens and who may issue codes ---------------------------------------------

def test_reused_activation_code_is_409(client, world):
    code = issue(client, world)
    access(bind(client, bind_token(client, "dev:openid-1"), code))
    response = bind(client, bind_token(client, "dev:openid-2"), code)
    assert error_code(response, 409) == "activation_code_used"


def test_a_used_code_stays_used_after_it_would_have_expired(client, world):
    t0 = clock.now()
    with clock.frozen(t0):
        code = issue(client, world)
        access(bind(client, bind_token(client, "dev:openid-1"), code))
    with clock.frozen(t0 + timedelta(days=4)):  # used outranks expired: the answer does not change
        assert error_code(bind(client, bind_token(client, "dev:openid-2"), code), 409) == "activation_code_used"


def test_an_expired_code_is_not_consumed_and_a_new_one_works(client, world):
    t0 = clock.now()
    with clock.frozen(t0):
        old = issue(client, world)
    with clock.frozen(t0 + timedelta(hours=73)):
        token = bind_token(client, "dev:openid-1")
        assert error_code(bind(client, token, old), 422) == "activation_code_expired"
        access(bind(client, token, issue(client, world)))


@pytest.mark.parametrize("field, value", [
    ("name", "对象B1"), ("name", "对象A"), ("id_number", B1_ID), ("id_number", id_number(serial=7)),
    ("activation_code", "ZZZZZZZZ"), ("activation_code", "2345"),
])
def test_mismatch_is_422_binding_failed(client, world, field, value):
    code = issue(client, world)
    issue(client, world, "officer_b1", "b1")  # b1 has a live code too: no mixing across subjects
    details = {"id_no": A1_ID, "name": A1_NAME, "code": code}
    details[{"id_number": "id_no", "activation_code": "code"}.get(field, field)] = value
    token = bind_token(client, "dev:openid-1")
    assert error_code(bind(client, token, **details), 422) == "binding_failed"
    access(bind(client, token, code))  # the failed attempt did not use the code


def test_id_number_check_character_matches_in_lower_case(client, world):
    body = intake_body(world.units["office_a1"], 8, name="对象甲")
    assert body["id_number"].endswith("X")
    created = client.post("/api/v1/subjects", headers=world.h("officer_a1"), json=body)
    assert created.status_code == 201, created.get_json()
    response = client.post(f"/api/v1/subjects/{created.get_json()['id']}/activation-code",
                           headers=world.h("officer_a1"))
    token = bind_token(client, "dev:openid-1")
    bound = bind(client, token, response.get_json()["code"], id_no=body["id_number"].lower(), name="对象甲")
    assert client.get(ME, headers=access(bound)).get_json()["id"] == created.get_json()["id"]


@pytest.mark.parametrize("after, expired", [
    (timedelta(hours=72) - timedelta(seconds=1), False),
    (timedelta(hours=72), True),
    (timedelta(days=30), True),
])
def test_activation_code_expires_after_72_hours(client, world, after, expired):
    t0 = clock.now()
    with clock.frozen(t0):
        code = issue(client, world)
    with clock.frozen(t0 + after):  # the supervisee logs in and binds days later
        response = bind(client, bind_token(client, "dev:openid-1"), code)
    if expired:
        assert error_code(response, 422) == "activation_code_expired"
    else:
        access(response)


@pytest.mark.parametrize("shift", [timedelta(days=3), -timedelta(days=3)], ids=["ahead", "behind"])
def test_login_and_bind_work_with_the_clock_frozen(client, world, shift):
    with clock.frozen(clock.now() + shift):
        token = bind_token(client, "dev:openid-1")
        access(bind(client, token, issue(client, world)))


def test_a_new_code_replaces_the_earlier_one(client, world):
    first = issue(client, world)
    second = issue(client, world)
    assert first != second
    token = bind_token(client, "dev:openid-1")
    assert error_code(bind(client, token, first), 409) == "activation_code_used"
    access(bind(client, token, second))


def test_openid_bound_to_one_subject_cannot_bind_another(app, client, world):
    token = bind_token(client, "dev:openid-x")
    access(bind(client, token, issue(client, world)))
    code_b1 = issue(client, world, "officer_b1", "b1")
    response = bind(client, token, code_b1, B1_ID, B1_NAME)  # the bind token is still within its 10 minutes
    assert error_code(response, 409) == "wx_already_bound"
    me = client.get(ME, headers=access(wx_login(client, "dev:openid-x")))
    assert me.get_json()["id"] == world.subjects["a1"]  # still bound to a1
    # The refused bind did not use b1's code.
    access(bind(client, bind_token(client, "dev:openid-y"), code_b1, B1_ID, B1_NAME))


def test_subject_moves_to_a_new_wechat_account_with_a_new_code(app, client, world):
    access(bind(client, bind_token(client, "dev:openid-old-phone"), issue(client, world)))
    headers = access(bind(client, bind_token(client, "dev:openid-new-phone"), issue(client, world)))
    assert client.get(ME, headers=headers).get_json()["id"] == world.subjects["a1"]
    assert wx_login(client, "dev:openid-old-phone").get_json()["bound"] is False
    with app.app_context():
        accounts = db.session.scalars(sa.select(SuperviseeAccount)).all()
        assert [(a.subject_id, a.wx_openid) for a in accounts] == [(world.subjects["a1"], "openid-new-phone")]


def test_bind_token_is_not_an_access_token(client, world):
    token = bind_token(client, "dev:openid-1")
    assert error_code(client.get(ME, headers=bearer(token)), 401) == "unauthorized"
    assert error_code(client.get("/api/v1/subjects", headers=bearer(token)), 401) == "unauthorized"


def test_access_token_is_not_a_bind_token(client, world):
    staff_token = world.h("officer_a1")["Authorization"].removeprefix("Bearer ")
    assert error_code(bind(client, staff_token, issue(client, world)), 401) == "bind_token_invalid"
    assert error_code(bind(client, "not-a-jwt", issue(client, world)), 401) == "bind_token_invalid"


def test_expired_bind_token_is_401(app, client, world):
    app.config["JWT_BIND_TOKEN_EXPIRES"] = timedelta(seconds=-1)
    token = bind_token(client, "dev:openid-1")
    assert error_code(bind(client, token, issue(client, world)), 401) == "bind_token_expired"


@pytest.mark.parametrize("who, status, code", [
    ("inspector_a", 403, "read_only"), ("inspector_b", 403, "read_only"), ("admin", 403, "forbidden"),
    ("officer_a2", 404, "subject_not_found"), ("officer_b1", 404, "subject_not_found"),
    ("county_b", 404, "subject_not_found"),
])
def test_only_officers_in_scope_issue_codes(client, world, who, status, code):
    response = client.post(f"/api/v1/subjects/{world.subjects['a1']}/activation-code", headers=world.h(who))
    assert error_code(response, status) == code


def test_county_officer_issues_codes_for_its_offices(client, world):
    assert CODE_PATTERN.fullmatch(issue(client, world, "county_a", "a1"))


def test_issuing_needs_a_token_and_an_existing_subject(client, world):
    path = f"/api/v1/subjects/{world.subjects['a1']}/activation-code"
    assert error_code(client.post(path), 401) == "unauthorized"
    response = client.post("/api/v1/subjects/999999/activation-code", headers=world.h("officer_a1"))
    assert error_code(response, 404) == "subject_not_found"


def test_closed_file_gets_no_code_and_cannot_bind(client, world):
    code = issue(client, world)
    released = client.post(f"/api/v1/subjects/{world.subjects['a1']}/release", headers=world.h("officer_a1"),
                           json={"date": clock.today().isoformat(), "type": "custody"})
    assert released.status_code == 200, released.get_json()
    response = client.post(f"/api/v1/subjects/{world.subjects['a1']}/activation-code",
                           headers=world.h("officer_a1"))
    assert error_code(response, 409) == "subject_closed"
    assert error_code(bind(client, bind_token(client, "dev:openid-1"), code), 422) == "binding_failed"


# --- (e) two binds racing for one activation code ----------------------------------------------------------

@pytest.mark.parametrize("round_", range(3))
def test_concurrent_binds_with_one_code_let_exactly_one_win(app, client, world, round_):
    code = issue(client, world)
    openids = [f"openid-race-{round_}-{n}" for n in (1, 2)]
    tokens = [bind_token(client, f"dev:{openid}") for openid in openids]
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def attempt(openid: str, token: str) -> None:
        own_client = app.test_client()
        try:
            barrier.wait(timeout=10)
            response = bind(own_client, token, code)
            results[openid] = (response.status_code, response.get_json())
        except Exception as exc:  # reported by the assertions below, not lost in the thread
            results[openid] = exc

    threads = [threading.Thread(target=attempt, args=pair) for pair in zip(openids, tokens, strict=False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    assert all(isinstance(result, tuple) for result in results.values()), results
    statuses = sorted(status for status, _ in results.values())
    assert statuses == [200, 409], results
    winner = next(openid for openid, (status, _) in results.items() if status == 200)
    loser_body = next(body for status, body in results.values() if status == 409)
    assert loser_body["error"]["code"] == "activation_code_used"
    with app.app_context():
        accounts = db.session.scalars(sa.select(SuperviseeAccount)).all()
        assert [(a.subject_id, a.wx_openid) for a in accounts] == [(world.subjects["a1"], winner)]
        used = db.session.scalars(sa.select(ActivationCode).where(ActivationCode.used_at.is_not(None))).all()
        assert len(used) == 1
