"""Fixtures: a fresh app per test on one migrated database per session, emptied after every test.

The database is PostgreSQL when SQJZ_TEST_DATABASE_URL is set (script/test starts a throwaway cluster),
otherwise a SQLite file in the session's temporary directory. Schema comes from the migrations, so every
run also proves that they build the models' schema.
"""

import os
from datetime import UTC, datetime

import flask_migrate
import pytest

from correction import clock
from correction.db import db
from mobile_api import create_app
from tests import logscan
from tests.apps import isolated_app
from tests.factories import World, build_world

PG_URL = os.environ.get("SQJZ_TEST_DATABASE_URL")
LOG_SCAN = logscan.LogScan()
LOG_LEVELS = pytest.StashKey[dict]()


def pytest_sessionstart(session):
    """Scan every log record of the session for personal data (tests/logscan.py)."""
    session.config.stash[LOG_LEVELS] = logscan.attach(LOG_SCAN)


def pytest_runtest_logstart(nodeid, location):
    LOG_SCAN.test = nodeid
    logscan.attach(LOG_SCAN)  # migrating (Alembic's fileConfig) replaces the root logger's handlers


def pytest_runtest_call(item):
    logscan.attach(LOG_SCAN)  # and again after the fixtures, which may have migrated


def pytest_sessionfinish(session, exitstatus):
    """A record that carried an ID number, a phone number or coordinates fails the session."""
    logscan.detach(LOG_SCAN, session.config.stash[LOG_LEVELS])
    if LOG_SCAN.offending and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_sep("=", f"log scan: {LOG_SCAN.seen} records", red=bool(LOG_SCAN.offending))
    if LOG_SCAN.offending:
        terminalreporter.write_line(LOG_SCAN.report())


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


@pytest.fixture
def app(database_url):
    with isolated_app(database_url) as app:
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
