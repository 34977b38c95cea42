"""A local fake of the WeChat mini-program server API (tech-notes §6), served on an ephemeral loopback port.

It implements the three paths `correction.wechat.MiniProgramClient` calls, with WeChat's habit of answering
errors as HTTP 200 and an `errcode`:

- `GET /sns/jscode2session`: registered codes answer `{openid, session_key}` once; unknown or used codes
  answer 40029; a wrong appid 40013, a wrong secret 40125; `busy` mode answers -1 (系统繁忙).
- `POST /cgi-bin/stable_token`: `{access_token, expires_in: 7200}`; the same token until it is revoked or
  `force_refresh` is asked for (which revokes the previous one). Every call is counted and recorded.
- `POST /cgi-bin/message/subscribe/send`: checks the access token (unknown 40001, revoked 42001), the
  openid (40003), the template (40037) and the `data` shape (47003); `quota_exhausted` mode answers 43101.
  Accepted messages are recorded in `state.sent`.

Usage::

    fake = FakeWeChat(appid="wxtest", secret="s3cret").start()
    fake.register_code("code-1", "openid-1")
    ... MiniProgramClient("wxtest", "s3cret", fake.base_url) ...
    fake.stop()

The server speaks HTTP/1.0 (one request per connection), so stopping it never waits on an idle keep-alive
connection and no socket outlives a test.
"""

import secrets
import threading
from dataclasses import dataclass, field

from flask import Flask, jsonify, request
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

INVALID_CODE = 40029
INVALID_APPID = 40013
INVALID_SECRET = 40125
INVALID_TOKEN = 40001
EXPIRED_TOKEN = 42001
INVALID_OPENID = 40003
INVALID_TEMPLATE = 40037
INVALID_DATA = 47003
QUOTA_EXHAUSTED = 43101
BUSY = -1


@dataclass
class _Hold:
    """Concurrent subscribe/send requests held until `parties` of them have arrived."""

    parties: int
    arrived: int = 0
    released: threading.Event = field(default_factory=threading.Event)


@dataclass
class FakeWeChatState:
    """What the fake knows and what it saw; tests read and set it directly (under `FakeWeChat.lock`)."""

    appid: str
    secret: str
    codes: dict[str, str] = field(default_factory=dict)         # unused js_code -> openid
    used_codes: set[str] = field(default_factory=set)
    openids: set[str] = field(default_factory=set)              # every openid ever registered
    session_calls: list[dict] = field(default_factory=list)     # query args of each jscode2session call
    token_requests: list[dict] = field(default_factory=list)    # JSON body of each stable_token call
    current_token: str | None = None
    valid_tokens: set[str] = field(default_factory=set)
    revoked_tokens: set[str] = field(default_factory=set)
    send_attempts: int = 0
    sent: list[dict] = field(default_factory=list)              # accepted subscribe messages (JSON bodies)
    quota_exhausted: bool = False                               # subscribe/send answers 43101
    busy: bool = False                                          # every path answers errcode -1
    login_rate_limited: bool = False                            # jscode2session answers 45011
    expire_every_token: bool = False                            # subscribe/send answers 42001, any token
    hold: _Hold | None = None                                   # see FakeWeChat.hold_next_sends

    @property
    def token_calls(self) -> int:
        return len(self.token_requests)


class _QuietHTTP10Handler(WSGIRequestHandler):
    """One request per connection (no keep-alive to wait for at shutdown), and no request log lines."""

    protocol_version = "HTTP/1.0"

    def log_request(self, *args, **kwargs):
        pass


class FakeWeChat:
    """The fake server: `start()`, `base_url`, `register_code()`, `revoke_tokens()`, `hold_next_sends()`,
    `state` (read and set it in tests), `stop()`; also a context manager."""

    def __init__(self, appid: str = "wxtest", secret: str = "s3cret"):
        self.lock = threading.Lock()
        self.state = FakeWeChatState(appid=appid, secret=secret)
        self.app = self._build_app()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------------------

    def start(self) -> "FakeWeChat":
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True,
                                   request_handler=_QuietHTTP10Handler)
        # Poll for shutdown every 10 ms (the default 0.5 s would make every stop() slow).
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.01,), name="fake-wechat",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket; safe to call twice."""
        if self._server is None:
            return
        server, self._server = self._server, None
        server.shutdown()
        server.server_close()
        self._thread.join(timeout=5)

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake WeChat server is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "FakeWeChat":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- arranging ------------------------------------------------------------------------------------

    def register_code(self, code: str, openid: str) -> str:
        """Make `code` a valid, unused wx.login code for `openid`; returns the code."""
        with self.lock:
            self.state.codes[code] = openid
            self.state.openids.add(openid)
        return code

    def revoke_tokens(self) -> None:
        """Revoke every token issued so far: sends with them answer 42001 until the client refreshes."""
        with self.lock:
            self.state.revoked_tokens |= self.state.valid_tokens
            self.state.valid_tokens.clear()
            self.state.current_token = None

    def hold_next_sends(self, parties: int) -> None:
        """Hold the next `parties` subscribe/send requests until all have arrived, then answer them together.

        This makes concurrent senders see the same server state (for example the same revoked token).
        """
        with self.lock:
            self.state.hold = _Hold(parties)

    # --- the WeChat API ----------------------------------------------------------------------------------

    def _build_app(self) -> Flask:
        app = Flask("fake_wechat")
        state, lock = self.state, self.lock

        def error(errcode: int, errmsg: str):
            return jsonify(errcode=errcode, errmsg=errmsg)  # HTTP 200, as WeChat does

        def credentials_error(appid, secret):
            if appid != state.appid:
                return error(INVALID_APPID, "invalid appid")
            if secret != state.secret:
                return error(INVALID_SECRET, "invalid appsecret")
            return None

        @app.get("/sns/jscode2session")
        def jscode2session():
            args = request.args.to_dict()
            with lock:
                state.session_calls.append(args)
                if state.busy:
                    return error(BUSY, "system error")
                if state.login_rate_limited:
                    return error(45011, "api minute-quota reach limit")
                bad = credentials_error(args.get("appid"), args.get("secret"))
                if bad is not None:
                    return bad
                if args.get("grant_type") != "authorization_code":
                    return error(40002, "invalid grant_type")
                openid = state.codes.pop(args.get("js_code", ""), None)
                if openid is None:
                    return error(INVALID_CODE, "invalid code")
                state.used_codes.add(args["js_code"])
            # Success responses carry no errcode, like the real API sometimes does.
            return jsonify(openid=openid, session_key=secrets.token_urlsafe(16))

        @app.post("/cgi-bin/stable_token")
        def stable_token():
            body = request.get_json(silent=True) or {}
            with lock:
                state.token_requests.append(body)
                if state.busy:
                    return error(BUSY, "system error")
                if body.get("grant_type") != "client_credential":
                    return error(40002, "invalid grant_type")
                bad = credentials_error(body.get("appid"), body.get("secret"))
                if bad is not None:
                    return bad
                if body.get("force_refresh") or state.current_token is None:
                    if state.current_token is not None:
                        state.valid_tokens.discard(state.current_token)
                        state.revoked_tokens.add(state.current_token)
                    state.current_token = secrets.token_urlsafe(24)
                    state.valid_tokens.add(state.current_token)
                return jsonify(access_token=state.current_token, expires_in=7200)

        @app.post("/cgi-bin/message/subscribe/send")
        def subscribe_send():
            token = request.args.get("access_token", "")
            body = request.get_json(silent=True) or {}
            with lock:
                hold = state.hold
                if hold is not None:
                    hold.arrived += 1
                    if hold.arrived >= hold.parties:
                        state.hold = None
                        hold.released.set()
            if hold is not None:
                hold.released.wait(timeout=5)
            with lock:
                state.send_attempts += 1
                if state.busy:
                    return error(BUSY, "system error")
                if token in state.revoked_tokens or state.expire_every_token:
                    return error(EXPIRED_TOKEN, "access_token expired")
                if token not in state.valid_tokens:
                    return error(INVALID_TOKEN, "invalid credential, access_token is invalid or not latest")
                if body.get("touser") not in state.openids:
                    return error(INVALID_OPENID, "invalid openid")
                if not body.get("template_id"):
                    return error(INVALID_TEMPLATE, "invalid template_id")
                data = body.get("data")
                values_ok = isinstance(data, dict) and data and all(
                    isinstance(v, dict) and isinstance(v.get("value"), str) and v["value"]
                    for v in data.values())
                if not values_ok:
                    return error(INVALID_DATA, "argument invalid! data.value is empty or invalid")
                if state.quota_exhausted:
                    return error(QUOTA_EXHAUSTED, "user refuse to accept the msg")
                state.sent.append(body)
                return jsonify(errcode=0, errmsg="ok", msgid=len(state.sent))

        return app
