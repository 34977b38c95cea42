"""The core application factory: settings, database, migrations, components, CLI and logging; no HTTP routes.

Entry points build on it: `mobile_api.create_app` adds the API, the scheduler (later) adds nothing HTTP.
"""

import logging
import sqlite3
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask_migrate import Migrate

from config import settings_for
from correction import components, redaction
from correction.cli import register_commands
from correction.db import db
from correction.services import audit_hooks

PROJECT_ROOT = Path(__file__).resolve().parent.parent
migrate = Migrate()


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL and a busy timeout make the embedded SQLite file usable by a server with several workers."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def create_app(config_name: str = "development", overrides: dict | None = None) -> Flask:
    """Build a Flask app for configuration `config_name` (development, testing, production).

    :raises config.ConfigError: a required setting is missing (production refuses to start).
    """
    app = Flask("sqjz", instance_path=str(PROJECT_ROOT / "instance"), static_folder=None)
    settings = settings_for(config_name, overrides=overrides)
    if not settings["SQLALCHEMY_DATABASE_URI"]:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        settings["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'sqjz.db'}"
    if settings["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") and settings["POSTGRES_SESSION_OPTIONS"]:
        engine_options = dict(settings["SQLALCHEMY_ENGINE_OPTIONS"])
        engine_options["connect_args"] = {"options": settings["POSTGRES_SESSION_OPTIONS"],
                                          **engine_options.get("connect_args", {})}
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options
    app.config.update(settings)
    app.json.ensure_ascii = False  # Chinese text as UTF-8, not \u escapes
    _configure_logging(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    components.install(app)
    audit_hooks.install()
    register_commands(app)
    return app


def _configure_logging(app: Flask) -> None:
    """Plain English log lines to stderr; request bodies are never logged, and ID numbers, phone numbers and
    coordinates are redacted from what the app's logger writes (exceptions included)."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app.logger.setLevel(logging.DEBUG if app.debug else logging.INFO)
    # Flask logs an unhandled exception with its text, which can quote personal data (a failed statement's row).
    redaction.install(app.logger)
