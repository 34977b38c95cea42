"""Everything held about one subject, for a lawful request (依法调取): the file and every row that hangs on it.

The rows are found from the schema itself, so a table added later is exported without a change here: every table
with a foreign key to the subject (levels, events, reports, photos, activities, leave, permits, relocations,
check-ins, spot checks, signals, alerts, sanctions, inspection items, audit entries, the mini-program account …), the
supervisee's inbox, and the tables that hang on those (leave steps, deliveries …). ID numbers stay masked (the
request names the person) and secrets stay out: ciphertexts, lookup digests and storage paths are not exported.
"""

from datetime import date, datetime
from decimal import Decimal
from enum import Enum

import sqlalchemy as sa

from correction import clock
from correction.db import db
from correction.errors import Forbidden, NotFound
from correction.models import Notification, Role, Subject, SuperviseeAccount, User
from correction.services.audit import record_read
from correction.services.scope import is_county_officer, visible_subject

_SECRET_COLUMNS = ("_cipher", "_digest", "password", "storage_key", "token")


def _value(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def _exported_columns(table: sa.Table) -> list[sa.Column]:
    return [c for c in table.columns if not isinstance(c.type, sa.LargeBinary)
            and not any(part in c.name for part in _SECRET_COLUMNS)]


def _rows(table: sa.Table, where) -> list[dict]:
    columns = _exported_columns(table)
    key = table.primary_key.columns.values()[0] if table.primary_key.columns else columns[0]
    result = db.session.execute(sa.select(*columns).where(where).order_by(key))
    return [{name: _value(v) for name, v in row._mapping.items()} for row in result]


def _referencing(target: sa.Table) -> list[tuple[sa.Table, sa.Column]]:
    """(table, column) of every foreign key pointing at `target`'s primary key."""
    return [(table, fk.parent) for table in db.metadata.sorted_tables for fk in table.foreign_keys
            if fk.column.table is target and table is not target]


def collect(subject: Subject) -> dict[str, list[dict]]:
    """The subject's rows and two levels of rows hanging on them, by table name."""
    subjects = Subject.__table__
    found: dict[str, list[dict]] = {"subjects": _rows(subjects, subjects.c.id == subject.id)}
    first = [(table, column == subject.id) for table, column in _referencing(subjects)]
    account = db.session.scalar(sa.select(SuperviseeAccount.user_id).where(SuperviseeAccount.subject_id == subject.id))
    if account is not None:
        first.append((Notification.__table__, Notification.__table__.c.user_id == account))
    for table, where in first:
        found.setdefault(table.name, []).extend(_rows(table, where))
    for parent, _ in first:
        ids = [row["id"] for row in found[parent.name] if "id" in row]
        for table, column in _referencing(parent):
            if table.name not in found and table is not subjects and ids:
                found[table.name] = _rows(table, column.in_(ids))
    return {name: rows for name, rows in sorted(found.items()) if rows}


def export_subject(actor: User, subject_id: int, reason: str) -> dict:
    """Everything held about the subject, for an administrator or a county officer of its county; the reading is
    audited with its reason.

    :raises Forbidden: any other role or a judicial office.
    :raises NotFound: missing or outside the county officer's county.
    """
    if actor.role == Role.admin:
        subject = db.session.get(Subject, subject_id)
        if subject is None:
            raise NotFound("subject_not_found", "矫正对象不存在。")
    elif is_county_officer(actor):
        subject = visible_subject(actor, subject_id)
    else:
        raise Forbidden("export_forbidden", "个人数据调取仅限县级社区矫正机构和系统管理员。")
    record_read(actor, subject.id, "export", reason=reason)
    return {"subject_id": subject.id, "exported_at": clock.now(), "exported_by": actor.id, "reason": reason,
            "tables": collect(subject)}
