"""Login lockout (登录锁定): the lock after repeated bad passwords, its doubling backoff and cap, the reset on a good
password, the same answers for unknown usernames, concurrent attempts, the console, and the administrator's unlock.

The clock seam is frozen; the rate limits stay at testing's high values.
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from correction import clock
from correction.db import db
from correction.models import LoginLockout
from tests.apps import isolated_app, race
from tests.factories import PASSWORD, build_world

TOKEN = "/api/v1/auth/token"
LOCKED_AT_NOON = "密码错误次数过多，账号已锁定至 2026-11-26 12:01:00（北京时间），请届时再试或联系系统管理员解锁。"


def login(client, username: str, password: str = "wrong-password"):
    return client.post(TOKEN, json={"username": username, "password": password})


def fail(client, username: str, times: int) -> list[int]:
    return [login(client, username).status_code for _ in range(times)]


def assert_locked(response, seconds: int) -> str:
    """A 429 `account_locked` envelope with Retry-After; returns the message."""
    body = response.get_json()
    assert response.status_code == 429 and set(body["error"]) == {"code", "message"}, body
    assert body["error"]["code"] == "account_locked" and response.headers["Retry-After"] == str(seconds)
    return body["error"]["message"]


def lock_row(app, username: str) -> LoginLockout | None:
    with app.app_context():
        return db.session.get(LoginLockout, username)


def test_fifth_bad_password_locks_for_a_minute_then_a_good_one_resets(app, client, world, frozen):
    assert fail(client, "officer_a1", 4) == [401] * 4
    assert assert_locked(login(client, "officer_a1"), 60) == LOCKED_AT_NOON
    assert assert_locked(login(client, "officer_a1", PASSWORD), 60) == LOCKED_AT_NOON  # even the right one
    with clock.frozen(frozen + timedelta(seconds=59)):
        assert_locked(login(client, "officer_a1", PASSWORD), 1)
    with clock.frozen(frozen + timedelta(seconds=60)):
        assert login(client, "officer_a1", PASSWORD).status_code == 200
    assert lock_row(app, "officer_a1") is None  # failures and backoff forgotten
    assert login(client, "officer_a2", PASSWORD).status_code == 200  # other accounts were never affected


def test_each_lock_doubles_up_to_the_cap(database_url, frozen):
    with isolated_app(database_url, LOGIN_LOCKOUT_THRESHOLD=2, LOGIN_LOCKOUT_MAX=timedelta(minutes=5)) as app:
        client = app.test_client()
        with app.app_context():
            build_world(client)
        instant, seen = frozen, []
        for _ in range(5):
            with clock.frozen(instant):
                assert login(client, "officer_a1").status_code == 401
                response = login(client, "officer_a1")
                seen.append(int(response.headers["Retry-After"]))
                assert_locked(response, seen[-1])
            instant += timedelta(seconds=seen[-1])
        assert seen == [60, 120, 240, 300, 300]
        with clock.frozen(instant):  # a good password after the lock expires ends the backoff
            assert login(client, "officer_a1", PASSWORD).status_code == 200
            assert fail(client, "officer_a1", 2) == [401, 429]
            assert_locked(login(client, "officer_a1"), 60)


def test_a_good_password_resets_the_count(client, world, frozen):
    assert fail(client, "officer_a1", 4) == [401] * 4
    assert login(client, "officer_a1", PASSWORD).status_code == 200
    assert fail(client, "officer_a1", 4) == [401] * 4


def test_unknown_usernames_are_answered_alike(client, world, frozen):
    """Nothing in status, code, message or Retry-After tells whether the account exists."""
    def answers(username: str) -> list:
        responses = [login(client, username) for _ in range(6)]
        return [(r.status_code, r.get_json(), r.headers.get("Retry-After")) for r in responses]

    known, unknown = answers("officer_a1"), answers("nobody-here")
    assert known == unknown
    assert [status for status, _, _ in known] == [401] * 4 + [429, 429]


def test_disabled_account_counts_like_a_bad_password(app, client, world, frozen):
    with app.app_context():
        db.session.execute(sa.text("UPDATE users SET is_active = false WHERE username = 'officer_a1'"))
        db.session.commit()
    assert [login(client, "officer_a1", PASSWORD).status_code for _ in range(5)] == [401] * 4 + [429]


def test_concurrent_bad_passwords_all_count(database_url, frozen):
    """Two bad attempts at the same moment with one left before the lock: exactly one of them locks."""
    with isolated_app(database_url, LOGIN_LOCKOUT_THRESHOLD=3) as app:
        with app.app_context():
            build_world(app.test_client())
        assert login(app.test_client(), "officer_a1").status_code == 401
        responses = race(app, [lambda c: login(c, "officer_a1")] * 2)
        assert sorted(r.status_code for r in responses) == [401, 429]
        row = lock_row(app, "officer_a1")
        assert (row.failed_logins, row.lockouts) == (0, 1)


def test_console_login_shows_the_unlock_time(client, world, frozen):
    form = {"username": "officer_a1", "password": "wrong-password"}
    assert [client.post("/console/login", data=form).status_code for _ in range(4)] == [401] * 4
    page = client.post("/console/login", data=form)
    assert page.status_code == 429 and LOCKED_AT_NOON in page.get_data(as_text=True)
    assert_locked(login(client, "officer_a1", PASSWORD), 60)  # one lock for the API and the console


@pytest.mark.parametrize("username", ["officer_a1", "nobody-here"])
def test_administrator_unlocks_from_the_command_line(app, client, runner, world, frozen, username):
    assert fail(client, username, 5)[-1] == 429
    result = runner.invoke(args=["unlock-user", username])
    assert result.exit_code == 0 and f"unlocked {username}" in result.output
    assert lock_row(app, username) is None
    assert fail(client, username, 5) == [401] * 4 + [429]  # the backoff starts again at one minute
    assert_locked(login(client, username), 60)
    assert "had no failed logins" in runner.invoke(args=["unlock-user", "officer_b1"]).output
