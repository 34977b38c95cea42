"""A thin client for the WeChat mini-program server API with a configurable base URL.

wechatpy hard-codes its token URL and lacks `stable_token` (tech-notes §6), so we keep our own: three calls,
thread-safe token caching, and WeChat's habit of answering errors as HTTP 200 with an `errcode`.
"""

import threading
import time

import requests

TOKEN_ERRORS = {40001, 40014, 42001}  # invalid, malformed or expired access token: refresh once and retry


class WeChatError(Exception):
    """WeChat answered with a non-zero errcode, or not at all (errcode None)."""

    def __init__(self, errcode: int | None, errmsg: str):
        self.errcode, self.errmsg = errcode, errmsg
        super().__init__(f"wechat errcode={errcode}: {errmsg}")


class MiniProgramClient:
    def __init__(self, appid: str, secret: str, base_url: str, timeout: float = 5.0, session=None):
        self.appid, self._secret = appid, secret
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._http = session or requests.Session()
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_expires = 0.0

    def code2session(self, js_code: str) -> dict:
        """Exchange a `wx.login` code for `{openid, session_key[, unionid]}` (the session key stays here)."""
        return self._call("GET", "/sns/jscode2session", params={
            "appid": self.appid, "secret": self._secret, "js_code": js_code, "grant_type": "authorization_code"})

    def access_token(self, rejected: str | None = None) -> str:
        """The cached stable access token, refreshed five minutes before it expires.

        `rejected` is a token WeChat refused: it is force-refreshed only if it is still the cached one, so
        concurrent senders that all saw it fail spend one of the day's 20 force refreshes, not one each.
        """
        with self._lock:
            force = rejected is not None and rejected == self._token
            if force or self._token is None or time.monotonic() >= self._token_expires:
                data = self._call("POST", "/cgi-bin/stable_token", json={
                    "grant_type": "client_credential", "appid": self.appid, "secret": self._secret,
                    "force_refresh": force})
                self._token = data["access_token"]
                self._token_expires = time.monotonic() + max(int(data.get("expires_in", 7200)) - 300, 60)
            return self._token

    def send_subscribe_message(self, openid: str, template_id: str, data: dict, page: str | None = None,
                               state: str = "formal") -> dict:
        """Send one subscribe message (订阅消息); retries once with a fresh token on token errors."""
        body = {"touser": openid, "template_id": template_id, "miniprogram_state": state, "lang": "zh_CN",
                "data": {key: {"value": value} for key, value in data.items()}}
        if page:
            body["page"] = page
        token = self.access_token()
        try:
            return self._send(body, token)
        except WeChatError as exc:
            if exc.errcode not in TOKEN_ERRORS:
                raise
            return self._send(body, self.access_token(rejected=token))

    def _send(self, body: dict, token: str) -> dict:
        return self._call("POST", "/cgi-bin/message/subscribe/send", params={"access_token": token}, json=body)

    def _call(self, method: str, path: str, **kwargs) -> dict:
        try:
            response = self._http.request(method, self.base_url + path, timeout=self.timeout, **kwargs)
            response.raise_for_status()
            data = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise WeChatError(None, f"{type(exc).__name__} calling {path}") from exc
        if data.get("errcode", 0) != 0:
            raise WeChatError(data["errcode"], data.get("errmsg", ""))
        return data
