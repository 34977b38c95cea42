"""`Idempotency-Key` on POSTs that create: the same key from the same user within the TTL replays the first
response and creates nothing new. The stored response commits in the same transaction as the creation."""

import hashlib
import re
from functools import wraps

from flask import Response, current_app, request

from correction import clock
from correction.db import transaction
from correction.errors import Conflict, RuleViolation
from correction.services.idempotency import find_response, store_response
from mobile_api.auth import actor

HEADER = "Idempotency-Key"
_KEY = re.compile(r"^[\x21-\x7e]{1,100}$")
DOC = {"parameters": [{
    "in": "header", "name": HEADER, "required": False, "schema": {"type": "string", "maxLength": 100},
    "description": "retries with the same key within 24 h return the first response and create nothing new"}]}


def _replay(record) -> Response:
    response = Response(record.body, status=record.status_code, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def idempotent(view):
    """Wrap a creating POST view (inside the role guard, outside argument parsing)."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not _KEY.match(key):
            raise RuleViolation("invalid_idempotency_key", "Idempotency-Key 应为1到100个可见 ASCII 字符。")
        user_id, as_of, ttl = actor().id, clock.now(), current_app.config["IDEMPOTENCY_TTL"]
        digest = hashlib.sha256(b"\n".join([request.method.encode(), request.path.encode(),
                                            request.get_data()])).hexdigest()

        def earlier():
            record = find_response(user_id, key, as_of, ttl)
            if record is not None and record.request_digest != digest:
                raise RuleViolation("idempotency_key_reused", "同一 Idempotency-Key 已用于不同的请求。")
            return record

        if (record := earlier()) is not None:
            return _replay(record)
        try:
            with transaction():
                response = current_app.make_response(view(*args, **kwargs))
                if response.status_code < 300:
                    store_response(user_id, key, digest, response.status_code, response.get_data(as_text=True),
                                   as_of, ttl)
            return response
        except Conflict:
            # A concurrent twin with the same key won the race: answer with its response.
            if (record := earlier()) is not None:
                return _replay(record)
            raise
    return wrapper
