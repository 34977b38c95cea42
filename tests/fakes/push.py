"""A local Web Push service (RFC 8030) on an ephemeral loopback port that checks what a real one would.

Each message is recorded after the service has
- verified the VAPID header (RFC 8292): `Authorization: vapid t=<JWT>, k=<public key>`, an ES256 JWT signed by k
  whose `aud` is the endpoint's origin, whose `exp` lies in the future and which names a `sub`;
- decrypted the aes128gcm body (RFC 8291) with the browser's private key and auth secret, as the browser would.

The browser side is `Browser`: a P-256 key pair and a 16-byte auth secret made with `cryptography`.

Usage::

    with FakePushService() as push:
        browser = push.browser("officer-1")        # subscription JSON: browser.subscription
        push.answer(500, 201)                      # the next answers; afterwards 201 again
        ... send ...
        push.received[0].payload                   # the decrypted JSON
"""

import json
import secrets
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from correction.webpush import b64url, b64url_decode


@dataclass(frozen=True)
class Browser:
    """The browser end of one subscription: what `PushSubscription.toJSON()` gives, and the keys to read it."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes

    @property
    def subscription(self) -> dict:
        public = self.private_key.public_key().public_bytes(serialization.Encoding.X962,
                                                            serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": self.endpoint, "expirationTime": None,
                "keys": {"p256dh": b64url(public), "auth": b64url(self.auth_secret)}}


@dataclass(frozen=True)
class Received:
    """One message as the push service saw it."""

    path: str
    status: int                 # what the service answered
    headers: dict[str, str]     # lower-case names
    body_bytes: int
    claims: dict                # the verified VAPID JWT claims
    vapid_key: str              # k=
    payload: dict | None        # the decrypted JSON (None when the service refused before decrypting)
    error: str | None = None


@dataclass
class _State:
    browsers: dict[str, Browser] = field(default_factory=dict)  # path -> browser
    answers: deque = field(default_factory=deque)
    received: list[Received] = field(default_factory=list)


class FakePushService:
    def __init__(self):
        self.lock = threading.Lock()
        self.state = _State()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> "FakePushService":
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.01,), name="fake-push",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            server, self._server = self._server, None
            server.shutdown()
            server.server_close()
            self._thread.join(timeout=5)

    def __enter__(self) -> "FakePushService":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def browser(self, name: str | None = None) -> Browser:
        """A new browser subscribed at `/push/<name>`."""
        path = f"/push/{name or secrets.token_urlsafe(8)}"
        browser = Browser(self.origin + path, ec.generate_private_key(ec.SECP256R1()), secrets.token_bytes(16))
        with self.lock:
            self.state.browsers[path] = browser
        return browser

    def answer(self, *statuses: int) -> None:
        """Answer the next messages with these statuses (201, 404, 410, 429, 500 …), then 201 again."""
        with self.lock:
            self.state.answers.extend(statuses)

    @property
    def received(self) -> list[Received]:
        with self.lock:
            return list(self.state.received)

    def _receive(self, path: str, headers: dict[str, str], body: bytes) -> int:
        with self.lock:
            browser = self.state.browsers.get(path)
            status = self.state.answers.popleft() if self.state.answers else 201
        claims, key, payload, error = {}, "", None, None
        try:
            claims, key = _verify_vapid(headers.get("authorization", ""), self.origin)
            if browser is None:
                status, error = 404, "unknown subscription"
            elif headers.get("content-encoding") != "aes128gcm" or "ttl" not in headers:
                status, error = 400, "aes128gcm and a TTL header are required"
            else:
                payload = json.loads(http_ece.decrypt(body, private_key=browser.private_key,
                                                      auth_secret=browser.auth_secret, version="aes128gcm"))
        except (ValueError, KeyError, jwt.PyJWTError) as exc:
            status, error = 401, f"{type(exc).__name__}: {exc}"
        with self.lock:
            self.state.received.append(Received(path, status, headers, len(body), claims, key, payload, error))
        return status


def _verify_vapid(header: str, origin: str) -> tuple[dict, str]:
    """The claims of a valid `vapid t=…, k=…` header for this origin, and k.

    :raises ValueError: malformed header; jwt.PyJWTError: bad signature, audience, expiry or a missing claim.
    """
    scheme, _, params = header.partition(" ")
    if scheme.lower() != "vapid":
        raise ValueError(f"not a vapid authorization: {scheme!r}")
    parts = dict(part.strip().split("=", 1) for part in params.split(","))
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(parts["k"]))
    claims = jwt.decode(parts["t"], public, algorithms=["ES256"], audience=origin,
                        options={"require": ["aud", "exp", "sub"]})
    return claims, parts["k"]


def _handler(service: FakePushService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status = service._receive(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(status)
            if status == 429:
                self.send_header("Retry-After", "120")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    return Handler
