"""gunicorn entry for bench/checkins.py: the service app as `wsgi.py` builds it, plus the floor blueprint.

    gunicorn --chdir <project> --pythonpath bench 'checkins_wsgi:build()'

The configuration is `production` (SQJZ_CONFIG and DATABASE_URL come from the environment, as for `wsgi.py`).
The benchmark has no real secrets, so every setting production requires and the environment lacks is taken
from the `testing` configuration's throwaway values (or a placeholder where testing has none, e.g. the WeChat
app id); WeChat's API base points at a closed loopback port, so nothing can leave the machine. BENCH_PG_SET
(`bench/checkins.py --set`) appends PostgreSQL session settings to the configured ones. Nothing else is changed:
same factory, extensions, error envelope and session options; the floor only adds routes under /bench.
"""

import os

from config.settings import CONFIGS, settings_for
from floor import blp as floor_blueprint
from mobile_api import create_app

ENVIRONMENT_NAMES = {"SQLALCHEMY_DATABASE_URI": "DATABASE_URL"}  # settings read from a differently named variable


def bench_overrides(pg_set: str | None = None) -> dict:
    """Throwaway values for the settings production requires and the environment does not give; PostgreSQL
    session settings (`pg_set`, else BENCH_PG_SET from `bench/checkins.py --set`) after the configured ones."""
    testing = settings_for("testing", environ={})
    # Abuse limits off: every token here posts far more often than a phone would (their cost is one Redis call).
    overrides = {"WECHAT_API_BASE": "http://127.0.0.1:9", "RATELIMIT_ENABLED": False}
    if extra := (os.environ.get("BENCH_PG_SET") if pg_set is None else pg_set):
        configured = CONFIGS["production"].POSTGRES_SESSION_OPTIONS or ""
        overrides["POSTGRES_SESSION_OPTIONS"] = " ".join([configured, *(f"-c {s}" for s in extra.split())]).strip()
    for key in CONFIGS["production"].REQUIRED:
        if not os.environ.get(ENVIRONMENT_NAMES.get(key, key)):
            overrides[key] = testing.get(key) or f"bench-placeholder-{key.lower()}"
    return overrides


def build(pg_set: str | None = None):
    """The service app with the bench-only floor routes registered on it."""
    app = create_app(overrides=bench_overrides(pg_set))
    app.register_blueprint(floor_blueprint)
    return app
