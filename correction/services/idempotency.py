"""Idempotency-Key storage: the first response to a (user, key) within the TTL is replayed, not redone."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from correction.db import db
from correction.models import IdempotencyRecord


def find_response(user_id: int, key: str, as_of: datetime, ttl: timedelta) -> IdempotencyRecord | None:
    """The stored first response, if one is younger than `ttl`."""
    return db.session.scalar(sa.select(IdempotencyRecord).where(
        IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key,
        IdempotencyRecord.created_at > as_of - ttl))


def store_response(user_id: int, key: str, request_digest: str, status_code: int, body: str,
                   as_of: datetime, ttl: timedelta) -> None:
    """Record the response inside the caller's transaction, so it commits with what the request created.

    A concurrent twin that commits first makes this flush fail with a unique violation (409 to the loser).
    """
    db.session.execute(sa.delete(IdempotencyRecord).where(
        IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key,
        IdempotencyRecord.created_at <= as_of - ttl))
    db.session.add(IdempotencyRecord(user_id=user_id, key=key, request_digest=request_digest,
                                     status_code=status_code, body=body, created_at=as_of))
    db.session.flush()
