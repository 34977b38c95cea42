"""Test apps on the shared test database: built fresh, watched for ID-number leaks, emptied afterwards."""

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

import sqlalchemy as sa
from flask import Flask

from correction import clock
from correction.clock import LOCAL_TZ
from correction.db import db
from correction.rules.identity import id_number_problem
from mobile_api import create_app

FULL_ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9A-Z])")


def full_id_numbers(text: str) -> list[str]:
    """Valid 18-character ID numbers (check character included) appearing anywhere in `text`."""
    return [m for m in FULL_ID_NUMBER.findall(text) if id_number_problem(m) is None]


def guard_id_numbers(app: Flask) -> list:
    """Record every JSON response body that carries a full ID number."""
    leaks = []

    @app.after_request
    def scan(response):
        if not response.direct_passthrough and response.mimetype == "application/json":
            found = full_id_numbers(response.get_data(as_text=True))
            if found:
                leaks.append((response.status_code, found))
        return response

    return leaks


def empty_database() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for name in tables:
            db.session.execute(sa.text(f"DELETE FROM {name}"))
    db.session.commit()


@contextmanager
def isolated_app(database_url: str, config_name: str = "testing", **overrides) -> Iterator[Flask]:
    """A fresh app on the test database; fails if any response leaked an ID number; empties the database."""
    app = create_app(config_name, {"SQLALCHEMY_DATABASE_URI": database_url, **overrides})
    leaks = guard_id_numbers(app)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.rollback()
            empty_database()
            db.session.remove()
            db.engine.dispose()
    assert not leaks, f"a response body carried a full ID number: {leaks}"


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0):
    """Freeze the clock seam at a local (Asia/Shanghai) time."""
    return clock.frozen(datetime(year, month, day, hour, minute, tzinfo=LOCAL_TZ))


def race(app: Flask, calls: list[Callable]) -> list:
    """Run each call with its own test client at the same moment; return the responses."""
    barrier, responses = threading.Barrier(len(calls)), [None] * len(calls)

    def run(index, call):
        try:
            client = app.test_client()
            barrier.wait(timeout=10)
            responses[index] = call(client)
        except Exception as exc:  # reported by the assertion below, not lost in the thread
            responses[index] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    assert all(not isinstance(r, Exception) for r in responses), responses
    return responses
