"""A thin Web Push sender (pywebpush with VAPID, RFC 8291/8292) and the key helpers around it.

tech-notes §3 lists the traps it avoids: pywebpush's default `ttl=0`, the `vapid_claims` dict it mutates (a fresh
one per call, so `aud` is always the endpoint's origin), PEM text it cannot read (keys are raw base64url), and
bodies over one 4,096-byte aes128gcm record that it still sends.
"""

import base64
import binascii
import json

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush

MAX_PAYLOAD_BYTES = 3993  # the most plaintext one 4,096-byte aes128gcm record holds (measured, tech-notes §3)
P256DH_BYTES = 65  # an uncompressed P-256 point
AUTH_BYTES = 16
ELLIPSIS = "…"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding.

    :raises ValueError: not base64url.
    """
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except binascii.Error as exc:
        raise ValueError(str(exc)) from exc


def is_p256_point(raw: bytes) -> bool:
    """True when `raw` is an uncompressed point on P-256 (a browser's `p256dh` key)."""
    if len(raw) != P256DH_BYTES:
        return False
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        return False
    return True


def _public_key_of(vapid: Vapid02) -> str:
    return b64url(vapid.public_key.public_bytes(serialization.Encoding.X962,
                                                serialization.PublicFormat.UncompressedPoint))


def generate_vapid_keys() -> tuple[str, str]:
    """A new VAPID key pair: the raw 32-byte private key and the 65-byte public key, both base64url."""
    vapid = Vapid02()
    vapid.generate_keys()
    return b64url(vapid.private_key.private_numbers().private_value.to_bytes(32, "big")), _public_key_of(vapid)


def fit_payload(payload: dict) -> str:
    """`payload` as JSON within MAX_PAYLOAD_BYTES of UTF-8: the `body` is cut (with an ellipsis), never the rest.

    :raises ValueError: even an empty body does not fit.
    """
    def encoded(body: str) -> str:
        return json.dumps({**payload, "body": body}, ensure_ascii=False, separators=(",", ":"))

    body = payload["body"]
    if len(encoded(body).encode()) <= MAX_PAYLOAD_BYTES:
        return encoded(body)
    if len(encoded(ELLIPSIS).encode()) > MAX_PAYLOAD_BYTES:
        raise ValueError("the push payload does not fit even without its body")
    keep, too_long = 0, len(body)  # binary search for the longest prefix of the body that still fits
    while too_long - keep > 1:
        middle = (keep + too_long) // 2
        if len(encoded(body[:middle] + ELLIPSIS).encode()) <= MAX_PAYLOAD_BYTES:
            keep = middle
        else:
            too_long = middle
    return encoded(body[:keep] + ELLIPSIS)


class PushFailed(Exception):
    """The push service refused the message (`status`) or did not answer (`status` None)."""

    def __init__(self, status: int | None, reason: str, retry_after: str | None = None):
        self.status, self.reason, self.retry_after = status, reason, retry_after
        super().__init__(f"push failed ({status}): {reason}")


class WebPushSender:
    """Signs with the VAPID key once parsed at start-up and sends one encrypted message per call."""

    def __init__(self, private_key: str, public_key: str, subject: str, timeout: float):
        """:raises ValueError: the key is unreadable or `public_key` is not its public half."""
        self._vapid = Vapid02.from_raw(private_key.encode())
        self.public_key = _public_key_of(self._vapid)
        if self.public_key != public_key.rstrip("="):
            raise ValueError("VAPID_PUBLIC_KEY is not the public key of VAPID_PRIVATE_KEY")
        self.subject, self.timeout = subject, timeout

    def send(self, endpoint: str, p256dh: str, auth: str, payload: dict, *, ttl: int, urgency: str) -> None:
        """Encrypt `payload` (aes128gcm, cut to fit one record) and post it to the subscription's endpoint.

        :raises PushFailed: the push service answered above 202, or not at all within the timeout.
        """
        subscription = {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}
        try:
            webpush(subscription, data=fit_payload(payload), vapid_private_key=self._vapid,
                    vapid_claims={"sub": self.subject}, content_encoding="aes128gcm", ttl=ttl,
                    timeout=self.timeout, headers={"Urgency": urgency})
        except WebPushException as exc:
            raise PushFailed(exc.status_code, exc.message.splitlines()[0], exc.retry_after) from exc
        except requests.RequestException as exc:
            raise PushFailed(None, type(exc).__name__) from exc
