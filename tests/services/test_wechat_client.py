"""correction.wechat.MiniProgramClient against the local fake WeChat server (tests/fakes/wechat.py)."""

import socket
import threading

import pytest
import requests

from correction.wechat import MiniProgramClient, WeChatError
from tests.fakes.wechat import FakeWeChat

APPID, SECRET = "wxtest", "s3cret"
TEMPLATE = "tmpl-checkin-reminder"


@pytest.fixture
def fake():
    with FakeWeChat(APPID, SECRET) as server:
        yield server


@pytest.fixture
def http():
    with requests.Session() as session:
        yield session


@pytest.fixture
def client(fake, http):
    return MiniProgramClient(APPID, SECRET, fake.base_url + "/", timeout=2.0, session=http)


def test_code2session_returns_the_registered_openid(fake, client):
    fake.register_code("js-code-1", "openid-1")
    result = client.code2session("js-code-1")
    assert result["openid"] == "openid-1" and result["session_key"]
    assert fake.state.session_calls == [
        {"appid": APPID, "secret": SECRET, "js_code": "js-code-1", "grant_type": "authorization_code"}]


def test_invalid_code_raises_40029(fake, client):
    with pytest.raises(WeChatError) as raised:
        client.code2session("never-issued")
    assert raised.value.errcode == 40029 and raised.value.errmsg == "invalid code"


def test_a_code_works_once(fake, client):
    fake.register_code("js-code-2", "openid-2")
    assert client.code2session("js-code-2")["openid"] == "openid-2"
    with pytest.raises(WeChatError) as raised:
        client.code2session("js-code-2")
    assert raised.value.errcode == 40029


def test_wrong_secret_raises_the_credentials_error(fake, http):
    fake.register_code("js-code-3", "openid-3")
    with pytest.raises(WeChatError) as raised:
        MiniProgramClient(APPID, "not-the-secret", fake.base_url, session=http).code2session("js-code-3")
    assert raised.value.errcode == 40125
    with pytest.raises(WeChatError) as raised:
        MiniProgramClient("wxother", SECRET, fake.base_url, session=http).access_token()
    assert raised.value.errcode == 40013


def test_token_is_fetched_once_for_two_sends(fake, client):
    fake.register_code("c", "openid-1")
    first = client.send_subscribe_message(
        "openid-1", TEMPLATE, {"thing1": "今日签到", "time2": "2026-11-26 09:30"}, page="pages/checkin/index")
    second = client.send_subscribe_message("openid-1", TEMPLATE, {"thing1": "月度报告"})
    assert first["errcode"] == 0 and second["errcode"] == 0
    assert fake.state.token_calls == 1
    assert fake.state.token_requests[0] == {
        "grant_type": "client_credential", "appid": APPID, "secret": SECRET, "force_refresh": False}
    assert fake.state.sent[0] == {
        "touser": "openid-1", "template_id": TEMPLATE, "miniprogram_state": "formal", "lang": "zh_CN",
        "page": "pages/checkin/index",
        "data": {"thing1": {"value": "今日签到"}, "time2": {"value": "2026-11-26 09:30"}}}
    assert "page" not in fake.state.sent[1] and len(fake.state.sent) == 2


def test_revoked_token_is_refreshed_once_and_the_send_succeeds(fake, client):
    fake.register_code("c", "openid-1")
    old = client.access_token()
    fake.revoke_tokens()
    result = client.send_subscribe_message("openid-1", TEMPLATE, {"thing1": "签到提醒"})
    assert result["errcode"] == 0
    assert fake.state.send_attempts == 2 and len(fake.state.sent) == 1
    assert fake.state.token_calls == 2 and fake.state.token_requests[1]["force_refresh"] is True
    assert client.access_token() != old and fake.state.token_calls == 2  # the fresh token is cached


def test_a_token_error_after_the_refresh_is_raised_not_retried_forever(fake, client):
    fake.register_code("c", "openid-1")
    fake.state.expire_every_token = True
    with pytest.raises(WeChatError) as raised:
        client.send_subscribe_message("openid-1", TEMPLATE, {"thing1": "签到提醒"})
    assert raised.value.errcode == 42001
    assert fake.state.send_attempts == 2 and fake.state.token_calls == 2 and fake.state.sent == []


def test_concurrent_sends_on_an_expired_token_force_one_refresh(fake, client):
    fake.register_code("c", "openid-1")
    client.access_token()
    fake.revoke_tokens()
    fake.hold_next_sends(2)  # both senders try the revoked token before either refreshes
    results = []

    def send(n: int) -> None:
        try:
            results.append(client.send_subscribe_message("openid-1", TEMPLATE, {"thing1": f"提醒{n}"}))
        except WeChatError as exc:
            results.append(exc)

    threads = [threading.Thread(target=send, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(results) == 2
    forced = [body for body in fake.state.token_requests if body["force_refresh"]]
    assert len(forced) == 1, f"{len(forced)} forced refreshes for one expired token"
    assert all(isinstance(result, dict) for result in results) and len(fake.state.sent) == 2


def test_quota_exhausted_raises_43101_without_a_token_refresh(fake, client):
    fake.register_code("c", "openid-1")
    fake.state.quota_exhausted = True
    with pytest.raises(WeChatError) as raised:
        client.send_subscribe_message("openid-1", TEMPLATE, {"thing1": "签到提醒"})
    assert raised.value.errcode == 43101
    assert fake.state.send_attempts == 1 and fake.state.token_calls == 1 and fake.state.sent == []


def test_bad_message_data_is_raised_as_47003(fake, client):
    fake.register_code("c", "openid-1")
    with pytest.raises(WeChatError) as raised:
        client.send_subscribe_message("openid-1", TEMPLATE, {"thing1": ""})
    assert raised.value.errcode == 47003


def test_busy_answer_is_an_error_not_a_result(fake, client):
    fake.register_code("js-code-4", "openid-4")
    fake.state.busy = True
    with pytest.raises(WeChatError) as raised:
        client.code2session("js-code-4")
    assert raised.value.errcode == -1


def test_unreachable_server_raises_errcode_none(http):
    # A bound but not listening socket: the port is ours for the test, and connecting to it is refused.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        client = MiniProgramClient(APPID, SECRET, f"http://127.0.0.1:{port}", timeout=2.0, session=http)
        with pytest.raises(WeChatError) as raised:
            client.code2session("js-code")
        assert raised.value.errcode is None and "/sns/jscode2session" in raised.value.errmsg
        with pytest.raises(WeChatError) as raised:
            client.send_subscribe_message("openid-1", TEMPLATE, {"thing1": "签到提醒"})
        assert raised.value.errcode is None and "stable_token" in raised.value.errmsg


def test_non_json_answer_raises_errcode_none(fake, http):
    client = MiniProgramClient(APPID, SECRET, fake.base_url + "/not-wechat", session=http)
    with pytest.raises(WeChatError) as raised:  # the fake answers 404 HTML for unknown paths
        client.code2session("js-code")
    assert raised.value.errcode is None


def test_stopped_fake_is_unreachable(http):
    fake = FakeWeChat(APPID, SECRET).start()
    client = MiniProgramClient(APPID, SECRET, fake.base_url, timeout=2.0, session=http)
    fake.register_code("js-code-5", "openid-5")
    assert client.code2session("js-code-5")["openid"] == "openid-5"
    fake.stop()
    fake.stop()  # idempotent
    fake.register_code("js-code-6", "openid-6")
    with pytest.raises(WeChatError) as raised:
        client.code2session("js-code-6")
    assert raised.value.errcode is None and not fake.running
