"""Database leaf module: the declarative base, the Flask-SQLAlchemy handle and the transaction helper."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm.exc import StaleDataError

from correction.errors import Conflict

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


class UTCDateTime(sa.TypeDecorator):
    """An instant stored as UTC and always returned timezone-aware (SQLite drops the offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware instant")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column(enum_cls, **kwargs) -> sa.Enum:
    """A string-valued enum column: VARCHAR on every database, so adding a value needs no type migration."""
    return sa.Enum(enum_cls, native_enum=False, create_constraint=False, length=32,
                   values_callable=lambda e: [m.value for m in e], validate_strings=True, **kwargs)


_DEPTH = "sqjz_tx_depth"


@contextmanager
def transaction() -> Iterator[sa.orm.Session]:
    """One transaction per use case: the outermost block commits once, nested blocks only flush.

    A concurrent change that loses a race (stale version, unique key) becomes a Conflict (409).
    """
    session = db.session
    depth = session.info.get(_DEPTH, 0)
    session.info[_DEPTH] = depth + 1
    try:
        yield session
        if depth == 0:
            session.commit()
        else:
            session.flush()
    except (StaleDataError, IntegrityError) as exc:
        if depth == 0:
            session.rollback()
        if isinstance(exc, IntegrityError) and not is_unique_violation(exc):
            raise
        raise Conflict("concurrent_update", "记录已被他人修改或已存在，请刷新后重试。") from exc
    except BaseException:
        if depth == 0:
            session.rollback()
        raise
    finally:
        session.info[_DEPTH] = depth


def claim(record, expected, conflict: tuple[str, str], *conditions, **values) -> None:
    """Move `record` on from one of the `expected` statuses with a conditional UPDATE that also bumps its version.

    The UPDATE is the claim, not the read before it: of two people acting at the same moment, exactly one changes
    the row and the other gets a Conflict (409) with `conflict`'s code and message.
    """
    model = type(record)
    done = db.session.execute(
        sa.update(model).where(model.id == record.id, model.status.in_(tuple(expected)),
                               model.version == record.version, *conditions)
        .values(version=model.version + 1, **values).execution_options(synchronize_session=False)).rowcount
    if done != 1:
        raise Conflict(*conflict)
    db.session.expire(record)


def accumulate(model: type[Base], keys: dict, column: str, amount: int) -> None:
    """Adds `amount` to `column` of the row of `model` with primary key `keys`, creating it when missing.

    One INSERT … ON CONFLICT DO UPDATE (PostgreSQL and SQLite alike), so concurrent additions all count.
    """
    stmt = upsert(model).values(**keys, **{column: amount})
    db.session.execute(stmt.on_conflict_do_update(
        index_elements=list(keys), set_={column: getattr(model, column) + stmt.excluded[column]}))


def upsert(model: type[Base]):
    """An INSERT for the session's database that takes ON CONFLICT clauses (PostgreSQL and SQLite alike)."""
    return (postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert)(model)


def is_unique_violation(exc: IntegrityError) -> bool:
    """True when the database refused a duplicate key (PostgreSQL SQLSTATE 23505, SQLite UNIQUE)."""
    orig = exc.orig
    return getattr(orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(orig)


def utcnow_default() -> datetime:
    """Column default for record timestamps; deadlines use the clock seam, not this."""
    return datetime.now(UTC)
