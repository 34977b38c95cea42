"""Every state change of the audited records becomes an audit entry, whatever code made it: the session's flushes
(new, changed and deleted objects) and its ORM UPDATE / INSERT / DELETE statements (the conditional claims) are
described here and queued for the commit (`audit.append_pending`).

An entry's `detail` names the changed columns with values that are safe to copy: enums, flags, numbers, dates
and instants. Personal identifiers and locations (ID numbers, names, phone numbers, addresses, coordinates, the
WeChat openid, secrets) are "[redacted]"; free text and JSON are "[omitted]" (the record itself holds them).
"""

import math
from datetime import date, datetime
from enum import Enum
from functools import cache

import sqlalchemy as sa
from flask_sqlalchemy.session import Session
from sqlalchemy.orm import Mapper, ORMExecuteState, UOWTransaction
from sqlalchemy.sql import operators
from sqlalchemy.sql.expression import BooleanClauseList

from correction.db import db
from correction.models import LeaveRequest, RelocationRequest, TravelPermit
from correction.services import audit

# The domain's records. Not audited: the trail itself, derived rows (activity totals, location signals, inspection
# items, subject events — the history the service writes beside each change) and plumbing (idempotency records,
# job runs, the lease, notifications, deliveries, push subscriptions, WeChat consents, destinations of a request).
AUDITED = frozenset({
    "units", "users", "subjects", "enterprise_roles", "activation_codes", "supervisee_accounts", "subject_levels",
    "reports", "uploads", "activities", "leave_requests", "travel_permits", "relocation_requests",
    "approval_steps", "alerts", "sanctions", "checkins", "spot_checks", "inspections", "findings",
    "investigations", "investigation_extensions",
    "assisted_persons", "assistance_handovers", "assistance_records", "assistance_risk_notes",
})
# The resettlement register links the correction file it came from, but its entries stay out of that file's trail:
# the file's readers (the procuratorate among them) do not see assistance (安置帮教 is not supervision).
_OWN_TRAIL = frozenset({"assisted_persons"})
REDACTED, OMITTED = "[redacted]", "[omitted]"
_PERSONAL = frozenset({"name", "phone", "address", "new_address", "lat", "lng", "wgs_lat", "wgs_lng", "return_lat",
                       "return_lng", "password_hash", "code_digest", "wx_openid", "storage_key", "received_by",
                       "place", "agreed_with"})
_PERSONAL_PREFIXES = ("id_number_", "home_")
_SAFE_TEXT = frozenset({"code", "step", "level", "reason_type", "coord_type", "fence", "quarter", "reason_code",
                        "item_reason_code", "new_county_code", "content_type"})
_SAFE_TYPES = (sa.Enum, sa.Boolean, sa.Integer, sa.Float, sa.Date, sa.DateTime)
_UNRECORDED = frozenset({"id", "version"})
_STEP_OWNERS = (("leave_id", LeaveRequest), ("permit_id", TravelPermit), ("relocation_id", RelocationRequest))


def _after_end(session, transaction) -> None:
    if transaction.parent is None:
        audit.discard_pending(session)


def safe_value(column: sa.Column, value):
    """What the trail may keep of a column's value."""
    name = column.key
    if name in _PERSONAL or name.startswith(_PERSONAL_PREFIXES):
        return REDACTED
    if value is None:
        return None
    kind = column.type.impl if isinstance(column.type, sa.TypeDecorator) else column.type
    if not (isinstance(kind, _SAFE_TYPES) or isinstance(kind, sa.String) and name in _SAFE_TEXT):
        return OMITTED
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value if isinstance(value, bool | int | float | str) else OMITTED


@cache
def _columns(mapper: Mapper) -> tuple[tuple[str, sa.Column], ...]:
    """(attribute key, column) of a mapped class, without the id and the version counter."""
    return tuple((attr.key, attr.columns[0]) for attr in mapper.column_attrs if attr.key not in _UNRECORDED)


def _after_flush(session, flush_context: UOWTransaction) -> None:
    """Describe what this flush wrote; history and the new/dirty/deleted sets still hold their pre-flush state."""
    for op, objects in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            state = sa.inspect(obj)
            if state.mapper.local_table.name in AUDITED:
                _describe(session, op, state)


def _describe(session, op: str, state) -> None:
    columns = _columns(state.mapper)
    if op == "create":
        changes = {c.key: safe_value(c, state.dict[k]) for k, c in columns if state.dict.get(k) is not None}
    elif op == "update":
        changes = {}
        for key, column in columns:
            history = state.attrs[key].history
            if history.added or history.deleted:
                changes[column.key] = safe_value(column, history.added[0] if history.added else None)
        if not changes:
            return
    else:
        changes = {}
    record_id = state.identity[0] if state.identity else state.dict.get("id")
    audit.queue(session, op, state.mapper.local_table.name, record_id,
                _subject_of(session, state.mapper, record_id, state.dict), {"changes": changes} if changes else {})


def _on_statement(state: ORMExecuteState):
    """An ORM UPDATE, INSERT or DELETE on an audited table (a claim's conditional UPDATE, an INSERT … ON
    CONFLICT …): run it, then describe the rows it changed. A statement that only bumps a version (a subject
    serialising its requests) changes nothing worth recording."""
    if not (state.is_update or state.is_insert or state.is_delete) or state.statement.table.name not in AUDITED:
        return None
    statement = state.statement
    mapper = _mappers()[statement.table.name]
    op = "update" if state.is_update else "create" if state.is_insert else "delete"
    changes = _statement_changes(statement)
    if op == "update" and not changes:
        return None
    detail = {"changes": changes} if changes else {}
    result = state.invoke_statement()
    if not isinstance(result, sa.CursorResult) or result.returns_rows:
        # RETURNING: read the rows for their ids, then hand the caller the same rows
        frozen = result.freeze()
        for row in frozen().all():
            values = _row_values(row)
            record_id = values.get("id")
            audit.queue(state.session, op, mapper.local_table.name, record_id,
                        _subject_of(state.session, mapper, record_id, values), detail)
        return frozen()
    if result.rowcount:
        record_id = _id_criterion(statement)
        if record_id is None:  # a set-based change (the retention purge): one entry for the statement
            audit.queue(state.session, op, mapper.local_table.name, None, None, {**detail, "rows": result.rowcount})
        else:
            audit.queue(state.session, op, mapper.local_table.name, record_id,
                        _subject_of(state.session, mapper, record_id, {}), detail)
    return result


@cache
def _mappers() -> dict[str, Mapper]:
    return {mapper.local_table.name: mapper for mapper in db.Model.registry.mappers}


def _statement_changes(statement) -> dict:
    """The columns a statement sets and their safe values (SQLAlchemy keeps `.values()` in `_values`; there is no
    public accessor). A value computed in SQL is not known here and is omitted."""
    changes = {}
    for key, value in (getattr(statement, "_values", None) or {}).items():
        column = statement.table.c[key] if isinstance(key, str) else key  # a Column, or its name
        if column.key not in _UNRECORDED:
            changes[column.key] = safe_value(column, value.value if isinstance(value, sa.BindParameter) else OMITTED)
    return changes


def _id_criterion(statement) -> int | None:
    """The record id of a statement whose WHERE is `id = :value AND …`, else None."""
    clause = statement.whereclause
    if clause is None:
        return None
    terms = clause.clauses if isinstance(clause, BooleanClauseList) and clause.operator is operators.and_ \
        else (clause,)
    for term in terms:
        if (isinstance(term, sa.BinaryExpression) and term.operator is operators.eq
                and isinstance(term.left, sa.Column) and term.left.key == "id"
                and isinstance(term.right, sa.BindParameter)):
            return term.right.effective_value
    return None


def _row_values(row) -> dict:
    """A returned row's columns, or the state of the object it returned."""
    if len(row) == 1 and isinstance(row[0], db.Model):
        return sa.inspect(row[0]).dict
    return dict(row._mapping)


def _subject_of(session, mapper: Mapper, record_id: int | None, values: dict) -> int | None:
    """The subject whose file a record belongs to: from its own columns, or its request's for a step."""
    table = mapper.local_table
    if table.name == "subjects":
        return record_id
    if table.name in _OWN_TRAIL:
        return None
    for name in ("subject_id", "item_subject_id"):
        if name in table.c:
            return values[name] if name in values else _column_of(session, mapper, record_id, name)
    if table.name == "approval_steps":
        for key, owner in _STEP_OWNERS:
            if values.get(key) is not None:
                return _column_of(session, sa.inspect(owner), values[key], "subject_id")
    return None


def _column_of(session, mapper: Mapper, record_id: int | None, name: str):
    """A column of a record written in this transaction: from the identity map when loaded, else one SELECT."""
    if record_id is None:
        return None
    obj = session.identity_map.get(mapper.identity_key_from_primary_key((record_id,)))
    if obj is not None and name in sa.inspect(obj).dict:
        return sa.inspect(obj).dict[name]
    table = mapper.local_table
    return session.connection().scalar(sa.select(table.c[name]).where(table.c.id == record_id))


LISTENERS = (("after_flush", _after_flush), ("do_orm_execute", _on_statement),
             ("before_commit", audit.append_pending), ("after_transaction_end", _after_end))


def install() -> None:
    """Listen on every Flask-SQLAlchemy session (once per process)."""
    for name, listener in LISTENERS:
        if not sa.event.contains(Session, name, listener):
            sa.event.listen(Session, name, listener)
