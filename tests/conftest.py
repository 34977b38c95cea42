"""Fixtures: a fresh app per test on one migrated database per session, emptied after every test.

The database is PostgreSQL when SQJZ_TEST_DATABASE_URL is set (script/test starts a throwaway cluster),
otherwise a SQLite file in the session's temporary directory. Schema comes from the migrations, so every
run also proves that they build the models' schema.
"""

import os
import re
from datetime import UTC, datetime

import flask_migrate
import pytest
import sqlalchemy as sa

from correction import clock
from correction.db import db
from correction.rules.identity import id_number_problem
from mobile_api import create_app
from tests.factories import World, build_world

PG_URL = os.environ.get("SQJZ_TEST_DATABASE_URL")


def pytest_report_header(config):
    return f"sqjz test database: {'PostgreSQL ' + PG_URL.split('@')[-1] if PG_URL else 'SQLite (temporary file)'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = PG_URL or f"sqlite:///{tmp_path_factory.mktemp('db') / 'sqjz-test.db'}"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return url


def empty_database() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for name in tables:
            db.session.execute(sa.text(f"DELETE FROM {name}"))
    db.session.commit()


FULL_ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9A-Z])")


def full_id_numbers(text: str) -> list[str]:
    """Valid 18-character ID numbers (check character included) appearing anywhere in `text`."""
    return [m for m in FULL_ID_NUMBER.findall(text) if id_number_problem(m) is None]


def guard_id_numbers(app) -> list:
    """Record every response body that carries a full ID number; the fixture fails the test on any."""
    leaks = []

    @app.after_request
    def scan(response):
        if not response.direct_passthrough and response.mimetype == "application/json":
            found = full_id_numbers(response.get_data(as_text=True))
            if found:
                leaks.append((response.status_code, found))
        return response

    return leaks


@pytest.fixture
def app(database_url):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})
    leaks = guard_id_numbers(app)
    yield app
    assert not leaks, f"a response body carried a full ID number: {leaks}"
    with app.app_context():
        db.session.rollback()
        empty_database()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def ctx(app):
    """An app context, for service-level tests."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def world(app) -> World:
    """Two counties with offices, procuratorates, staff of every role and one subject in each county."""
    with app.app_context():
        return build_world(app.test_client())


NOON = datetime(2026, 11, 26, 4, 0, tzinfo=UTC)  # 12:00 in Asia/Shanghai


@pytest.fixture
def frozen():
    """Freeze the clock seam at 2026-11-26 12:00 +08:00 (tests move it with `clock.frozen`)."""
    with clock.frozen(NOON) as instant:
        yield instant
