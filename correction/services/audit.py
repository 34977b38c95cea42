"""The audit trail (审计日志): append-only entries, each chained to the previous one by a SHA-256 hash.

An entry's hash is `sha256(prev_hash + canonical JSON of (seq, at, actor_id, action, record_type, record_id,
subject_id, detail))`. Entries are queued while a transaction works (`audit_hooks` describes its changes) and
appended in its commit, as late as possible: the `audit_head` row is locked (PostgreSQL) or the database's write
lock taken (SQLite) until the commit, so appends are chained one transaction at a time, and a transaction that
rolls back leaves neither entries nor a gap in `seq`. On PostgreSQL a commit with one entry appends it in one
statement, the hash computed by the database; `verify` recomputes every hash here.

Who acted comes from `acting()`, set by the entry points (the API's role guard, the scheduler's job runner);
reads of a subject's file are recorded by `record_read` with the reader named explicitly.
"""

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC

import sqlalchemy as sa
from sqlalchemy.orm import Session

from correction import clock
from correction.db import db, transaction, upsert
from correction.models import AuditEntry, AuditHead, User

GENESIS = "0" * 64
HEAD_ID = 1
_ACTING = "sqjz_audit_acting"    # session.info: (actor_id, action) of the entry point
_PENDING = "sqjz_audit_pending"  # session.info: entries waiting for the commit
_ENTRIES, _HEAD = AuditEntry.__table__, AuditHead.__table__
_FIELDS = ("seq", "at", "actor_id", "action", "record_type", "record_id", "subject_id", "detail")
_SEQ_MARK = "\x00seq\x00"  # stands for the seq in an entry's canonical text until the head gives it
# Statements are built once (building one costs more than running it). Any number of entries: reserve `count`
# seqs, which locks the head until the commit, reading the hash before them; insert; move the head to the last hash.
_THE_HEAD = _HEAD.c.id == sa.bindparam("head_id")
_CLAIM = (sa.update(_HEAD).where(_THE_HEAD).values(seq=_HEAD.c.seq + sa.bindparam("count"))
          .returning(_HEAD.c.seq, _HEAD.c.hash))
_MOVE = sa.update(_HEAD).where(_THE_HEAD).values(hash=sa.bindparam("head_hash"))


def _append_one_statement() -> sa.Insert:
    """PostgreSQL, one entry (the usual commit) in one statement: lock the head, hash the entry there — sha256 of the
    previous hash and the entry's canonical text around the seq the head gives — move the head, insert the entry.
    The entry's parameters are prefixed: one named like a column of the head would be SET by the UPDATE too."""
    locked = sa.select(_HEAD.c.id, _HEAD.c.seq, _HEAD.c.hash).where(_THE_HEAD).with_for_update().cte("locked")
    seq = locked.c.seq + 1
    text = (locked.c.hash + sa.bindparam("before", type_=sa.Text) + sa.cast(seq, sa.Text)
            + sa.bindparam("after", type_=sa.Text))
    hashed = sa.func.encode(sa.func.sha256(sa.func.convert_to(text, sa.literal_column("'UTF8'"))),
                            sa.literal_column("'hex'"))
    moved = (sa.update(_HEAD).where(_HEAD.c.id == locked.c.id).values(seq=seq, hash=hashed)
             .returning(_HEAD.c.seq, _HEAD.c.hash, locked.c.hash.label("prev_hash")).cte("moved"))
    row = sa.select(moved.c.seq, *(sa.cast(sa.bindparam(f"entry_{name}", type_=_ENTRIES.c[name].type),
                                           _ENTRIES.c[name].type) for name in _FIELDS[1:]),
                    moved.c.prev_hash, moved.c.hash)
    return sa.insert(_ENTRIES).from_select([*_FIELDS, "prev_hash", "hash"], row).returning(_ENTRIES.c.seq)


_APPEND_ONE = _append_one_statement()


def canonical(entry: dict) -> str:
    """The hashed text of an entry: its fields as JSON with sorted keys and no spaces, `at` in UTC to the µs."""
    fields = {name: entry[name] for name in _FIELDS}
    fields["at"] = entry["at"].astimezone(UTC).isoformat(timespec="microseconds")
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev_hash: str, entry: dict) -> str:
    return hashlib.sha256((prev_hash + canonical(entry)).encode()).hexdigest()


@contextmanager
def acting(actor_id: int | None, action: str) -> Iterator[None]:
    """Attribute the changes committed in the block to `actor_id` (None: the system) under `action` (the API view
    or the scheduler job that made them)."""
    info = db.session.info
    previous = info.get(_ACTING)
    info[_ACTING] = (actor_id, action[:48])
    try:
        yield
    finally:
        info[_ACTING] = previous


def queue(session: Session, op: str, record_type: str, record_id: int | None, subject_id: int | None,
          detail: dict) -> None:
    """Queue one entry for the session's commit, attributed to the entry point that is acting."""
    actor_id, action = session.info.get(_ACTING) or (None, op)
    _queue(session, actor_id, action, record_type, record_id, subject_id, {"op": op, **detail})


def record_read(actor: User, subject_id: int, what: str, record_type: str = "subjects",
                record_id: int | None = None, reason: str | None = None) -> None:
    """Who saw which part of a subject's file (`what`: file, history, checkins …) and, where asked, why: one `read`
    entry, committed at once (a read has no transaction of its own to ride on)."""
    detail = {"op": "read", "what": what} | ({"reason": reason} if reason else {})
    with transaction() as session:
        _queue(session, actor.id, "read", record_type, subject_id if record_id is None else record_id, subject_id,
               detail)


def _queue(session: Session, actor_id: int | None, action: str, record_type: str, record_id: int | None,
           subject_id: int | None, detail: dict) -> None:
    session.info.setdefault(_PENDING, []).append({
        "at": clock.now(), "actor_id": actor_id, "action": action, "record_type": record_type,
        "record_id": record_id, "subject_id": subject_id, "detail": detail})


def append_pending(session: Session) -> None:
    """Chain the session's queued entries onto the trail (the commit hook): claim the head, insert, move it."""
    session.flush()  # the commit's own flush comes after this hook: describe every change first
    entries = session.info.pop(_PENDING, None)
    if not entries:
        return
    connection = session.connection()
    if len(entries) == 1 and connection.dialect.name == "postgresql":
        before, _, after = canonical({**entries[0], "seq": _SEQ_MARK}).rpartition(json.dumps(_SEQ_MARK))
        params = {**{f"entry_{name}": entries[0][name] for name in _FIELDS[1:]}, "before": before, "after": after,
                  "head_id": HEAD_ID}
        if connection.execute(_APPEND_ONE, params).first() is None:  # no head yet
            _create_head(connection)
            connection.execute(_APPEND_ONE, params)
        return
    claim = {"head_id": HEAD_ID, "count": len(entries)}
    head = connection.execute(_CLAIM, claim).first()
    if head is None:
        _create_head(connection)
        head = connection.execute(_CLAIM, claim).first()
    seq, prev_hash = head.seq - len(entries), head.hash
    for entry in entries:
        seq += 1
        entry.update(seq=seq, prev_hash=prev_hash)
        entry["hash"] = prev_hash = chain_hash(prev_hash, entry)
    connection.execute(sa.insert(_ENTRIES), entries)
    connection.execute(_MOVE, {"head_id": HEAD_ID, "head_hash": prev_hash})


def _create_head(connection: sa.Connection) -> None:
    """Before the first entry ever: the head, at seq 0 (a concurrent first append creates it only once)."""
    connection.execute(upsert(AuditHead).values(id=HEAD_ID, seq=0, hash=GENESIS)
                       .on_conflict_do_nothing(index_elements=["id"]))


def discard_pending(session: Session) -> None:
    """A transaction that ends without committing takes its queued entries with it."""
    session.info.pop(_PENDING, None)


@dataclass(frozen=True)
class Verification:
    checked: int
    head_seq: int
    bad_seq: int | None = None
    problem: str | None = None


def entry_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(_ENTRIES))


def verify(batch_size: int = 5000, progress: Callable[[int], None] = lambda n: None) -> Verification:
    """Walk the chain up to its head in `seq` order, `batch_size` entries at a time: every seq present once, every
    hash the hash of its entry and of the one before, the head on the last entry, nothing beyond the head (appends
    committed meanwhile move the head with them). Stops at the first bad entry."""
    head_seq, head_hash = _head()
    expected, prev_hash = 1, GENESIS
    columns = [_ENTRIES.c[name] for name in (*_FIELDS, "prev_hash", "hash")]
    while expected <= head_seq and (rows := db.session.execute(
            sa.select(*columns).where(_ENTRIES.c.seq >= expected, _ENTRIES.c.seq <= head_seq)
            .order_by(_ENTRIES.c.seq).limit(batch_size)).mappings().all()):
        for row in rows:
            problem = _problem(row, expected, prev_hash)
            if problem:
                return Verification(expected - 1, head_seq, expected, problem)
            expected, prev_hash = expected + 1, row["hash"]
        progress(len(rows))
    last = expected - 1
    if last < head_seq:
        return Verification(last, head_seq, expected, f"seq {expected} to {head_seq} are missing: entries were "
                                                      f"deleted from the end of the chain")
    if prev_hash != head_hash:
        return Verification(last, head_seq, last, f"seq {last} is not the entry the head records: it was replaced")
    beyond = db.session.scalar(sa.select(sa.func.max(_ENTRIES.c.seq)))
    latest = _head()[0]
    if beyond is not None and beyond > latest:
        return Verification(last, head_seq, latest + 1, f"seq {latest + 1} to {beyond} are beyond the head: "
                                                        f"entries were added outside the trail")
    return Verification(last, head_seq)


def _head() -> tuple[int, str]:
    head = db.session.execute(sa.select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == HEAD_ID)).first()
    return (head.seq, head.hash) if head else (0, GENESIS)


def _problem(row, expected: int, prev_hash: str) -> str | None:
    if row["seq"] != expected:
        return f"seq {expected} is missing (the next entry is seq {row['seq']}): an entry was deleted"
    if row["prev_hash"] != prev_hash:
        return f"seq {expected} does not follow seq {expected - 1}: an entry was inserted or replaced"
    if chain_hash(prev_hash, row) != row["hash"]:
        return f"seq {expected} was edited: its hash does not match its content"
    return None
