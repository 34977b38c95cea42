"""A local stand-in for the two Google services Chromium asks before `pushManager.subscribe()` resolves.

Chromium's Web Push goes through its GCM client: a device check-in (protobuf over HTTP), then one registration per
subscription (a form POST answered with `token=…`). Offline, check-in never succeeds and `subscribe()` never
settles. Chromium takes both URLs from the command line (`--gcm-checkin-url`, `--gcm-registration-url`), so this
server answers them on loopback and records every registration. The subscription Chromium then yields is its own
(its P-256 key and auth secret); the endpoint it builds is FCM's, which this machine cannot reach, so delivery to
the browser is not this fake's job (see tests/console/test_push.py).

Usage::

    with FakeGcm() as gcm:
        chromium(*gcm.flags)
        ... subscribe ...
        gcm.registrations[-1].form["sender"]   # the applicationServerKey the page subscribed with
"""

import struct
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

ANDROID_ID, SECURITY_TOKEN = 4_242_424_242, 7_373_737_373
TOKEN_PREFIX = "sqjz-fake-gcm-token-"


def checkin_response() -> bytes:
    """AndroidCheckinResponse: stats_ok (field 1) = true, android_id (7) and security_token (8) as fixed64."""
    return b"\x08\x01" + b"\x39" + struct.pack("<Q", ANDROID_ID) + b"\x41" + struct.pack("<Q", SECURITY_TOKEN)


@dataclass(frozen=True)
class Registration:
    form: dict[str, str]  # app, sender (the applicationServerKey for Web Push), X-subtype ("wp:<origin>…") …
    token: str            # what Chromium puts at the end of the endpoint it builds


class FakeGcm:
    def __init__(self):
        self.lock = threading.Lock()
        self.checkins = 0
        self._registrations: list[Registration] = []
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> "FakeGcm":
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.01,), name="fake-gcm", daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "FakeGcm":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def flags(self) -> list[str]:
        """Chromium switches that send its GCM client here (and its message channel to a closed port)."""
        host, port = self._server.server_address[:2]
        return [f"--gcm-checkin-url=http://{host}:{port}/checkin",
                f"--gcm-registration-url=http://{host}:{port}/register",
                "--gcm-mcs-endpoint=https://127.0.0.1:9"]

    @property
    def registrations(self) -> list[Registration]:
        """Every registration Chromium made, in order (its own invalidation services' too)."""
        with self.lock:
            return list(self._registrations)

    def _register(self, form: dict[str, str]) -> str:
        with self.lock:
            token = f"{TOKEN_PREFIX}{len(self._registrations) + 1}"
            self._registrations.append(Registration(form, token))
            return token


def _handler(gcm: FakeGcm) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path.startswith("/checkin"):
                with gcm.lock:
                    gcm.checkins += 1
                self._answer(checkin_response(), "application/x-protobuf")
            else:
                form = {key: values[0] for key, values in parse_qs(body.decode()).items()}
                self._answer(f"token={gcm._register(form)}".encode(), "text/plain")

        def _answer(self, body: bytes, content_type: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Handler
