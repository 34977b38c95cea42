"""Settings classes, chosen by name; secrets come from the environment and are checked at start-up.

Class bodies never read the environment (flasky's trap): `settings_for` copies the class attributes,
overlays the environment, and `check` refuses to start when a required secret is missing.
"""

import os
from datetime import timedelta


class ConfigError(RuntimeError):
    """A required setting is missing or unusable; the process must not start."""


class Settings:
    """Defaults shared by every configuration."""

    NAME = "base"
    DEBUG = False
    TESTING = False
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # Session settings for PostgreSQL connections. JIT off: Debian's server compiles our short set-based queries
    # (the overdue query) for seconds longer than they run (bench/overdue.py measured 14.5 s of JIT in 17 s).
    POSTGRES_SESSION_OPTIONS = "-c jit=off"
    MAX_CONTENT_LENGTH = 1 * 1024 * 1024  # JSON bodies; the photo upload route raises it for its own request
    UPLOAD_MAX_BYTES = 5 * 1024 * 1024  # one photo, as uploaded
    UPLOAD_DIR: str | None = None  # where LocalFileStore keeps photos; None: <instance folder>/uploads
    # Tokens: officers live in the console all day, so a short access token is refreshed by logging in again.
    JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=30)
    JWT_BIND_TOKEN_EXPIRES = timedelta(minutes=10)
    # The API reads the Authorization header; the web console's pages the same token from an HttpOnly cookie,
    # SameSite=Lax, with Flask-JWT-Extended's double-submit CSRF check on every form post and JS write.
    JWT_TOKEN_LOCATION = ["headers", "cookies"]
    JWT_COOKIE_SECURE = True
    JWT_COOKIE_SAMESITE = "Lax"
    JWT_COOKIE_CSRF_PROTECT = True
    JWT_CSRF_CHECK_FORM = True
    CONSOLE_REFRESH_WITHIN = timedelta(minutes=10)  # a console page renews a cookie token this close to expiry
    ACTIVATION_CODE_TTL = timedelta(hours=72)
    IDEMPOTENCY_TTL = timedelta(hours=24)
    PASSWORD_MIN_LENGTH = 8
    # argon2id parameters (RFC 9106 second recommended set); Testing lowers them for speed only.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST_KIB = 64 * 1024
    # Fernet keys for ID numbers at rest, newest first (MultiFernet rotation); HMAC key for lookups.
    ID_NUMBER_KEYS: list[str] = []
    ID_INDEX_KEY: str | None = None
    # WeChat mini-program: without credentials, `dev:<openid>` login codes are accepted (never in production).
    WECHAT_APPID: str | None = None
    WECHAT_SECRET: str | None = None
    WECHAT_API_BASE = "https://api.weixin.qq.com"
    WECHAT_TIMEOUT_S = 5.0
    # Subscribe messages (订阅消息): notification kind -> template id. Every template we use has the keywords
    # thing1 (标题), thing2 (内容) and time3 (时间); a kind without a template is not sent over WeChat.
    WECHAT_TEMPLATES: dict[str, str] = {}
    WECHAT_NOTIFICATION_PAGE = "pages/notifications/index"  # the mini-program page a message opens (?id=…)
    WECHAT_MINIPROGRAM_STATE = "formal"  # which build a message opens: formal, trial or developer
    # Web Push to officers' browsers (VAPID): raw base64url keys as `flask --app wsgi vapid-keys` prints them.
    VAPID_PRIVATE_KEY: str | None = None
    VAPID_PUBLIC_KEY: str | None = None
    VAPID_SUBJECT: str | None = None  # mailto: address the push services can write to
    WEBPUSH_TIMEOUT_S = 5.0
    WEBPUSH_ALLOW_LOOPBACK_HTTP = False  # Testing only: subscriptions on http://127.0.0.1 (the local fake)
    # Deliveries leave after the commit on a few worker threads; a full queue leaves them to the scheduler's
    # deliver_pending. DELIVERY_SYNC sends in the committing thread instead (deterministic tests).
    DELIVERY_WORKERS = 2
    DELIVERY_QUEUE_SIZE = 1000
    DELIVERY_SYNC = False
    RULES_REGION: str | None = None  # e.g. "210000" (Liaoning) selects config/rules/regions/210000.toml
    # Abuse limits (Flask-Limiter, `limits` strings: "N per minute; M per hour"), counted in a storage that every
    # app instance shares: redis://host:6379/0 in production; memory:// counts per process (embedded, tests).
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI: str | None = "memory://"
    RATELIMIT_STRATEGY = "sliding-window-counter"  # two counters per key and window, whatever the limit
    RATELIMIT_KEY_PREFIX = "sqjz"
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True  # storage down: each process counts alone, requests still served
    RATELIMIT_LOGIN_PER_USERNAME = "10 per minute; 50 per hour"  # staff login (API and console), per username
    RATELIMIT_LOGIN_PER_IP = "30 per minute; 300 per hour"  # … and per client address (an office shares one)
    RATELIMIT_WX_LOGIN_PER_IP = "120 per minute; 2000 per hour"  # mobile carriers put many phones behind one address
    RATELIMIT_WX_BIND_PER_OPENID = "5 per minute; 20 per hour"  # per WeChat user (bind token), else per address
    RATELIMIT_CHECKIN_PER_USER = "30 per minute; 300 per hour"  # per supervisee; a phone checks in a few times a day
    RATELIMIT_CHECKIN_BATCH_PER_USER = "20 per minute; 200 per hour"  # offline batches: a retrying phone stays under
    TRUSTED_PROXIES = 0  # reverse proxies in front (nginx: 1): the client address is taken from X-Forwarded-For
    # Lockout (锁定) after repeated bad passwords for one username: LOGIN_LOCKOUT_THRESHOLD failures lock it for
    # LOGIN_LOCKOUT_BASE, doubling with each further lockout up to LOGIN_LOCKOUT_MAX; a good password resets it.
    LOGIN_LOCKOUT_THRESHOLD = 5
    LOGIN_LOCKOUT_BASE = timedelta(minutes=1)
    LOGIN_LOCKOUT_MAX = timedelta(hours=1)
    DEMO_ADMIN = False  # only Development seeds admin / sqjz-demo
    TIMEZONE = "Asia/Shanghai"
    # OpenAPI (flask-smorest)
    API_TITLE = "sqjz 社区矫正 API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"

    REQUIRED: tuple[str, ...] = ()


class Development(Settings):
    """Embedded default: a SQLite file with WAL in the instance folder, demo data, demo secrets."""

    NAME = "development"
    DEBUG = False
    SECRET_KEY = "dev-only-secret-key-change-me-0123456789abcdef"
    # Fixed demo keys so the demo database stays readable across restarts. Never used outside Development.
    ID_NUMBER_KEYS = ["ZGV2LW9ubHktaWQtbnVtYmVyLWtleS0wMDAwMDAwMDA="]
    ID_INDEX_KEY = "dev-only-id-index-key"
    VAPID_PRIVATE_KEY = "yuhdxzaHW4_9tKp4AdDPolBCrZSZpsE62IQ4OQjWHJU"
    VAPID_PUBLIC_KEY = "BAskJltWXjv8r9w9w0hf0JFsa2WCkJVzlW00E93wXsG9JsWChBTFkiP1q4o9f9n8o5EhxWvZ-nDZz21HWOMEBIo"
    VAPID_SUBJECT = "mailto:sqjz-dev@example.com"
    DEMO_ADMIN = True
    JWT_COOKIE_SECURE = False  # served on http://127.0.0.1


class Testing(Settings):
    """The test suite: database URL given by the test harness, cheap password hashing."""

    NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key-0123456789abcdef-0123456789"
    ID_NUMBER_KEYS = ["dGVzdGluZy1pZC1udW1iZXIta2V5LTAwMDAwMDAwMDA="]
    ID_INDEX_KEY = "testing-id-index-key"
    VAPID_PRIVATE_KEY = "RvaIbpW3rdNc-eSSEG5hoh0HY8ozy3RZy-GxOjVTxqE"
    VAPID_PUBLIC_KEY = "BMQTo4RvRDFOA7tU22mC9OwmDpsqCUwEVIm_Zt1vZSklu6_ac51Emc_dSOoNjOQSGHm-qH9hwmUn6CcMJQGb2b0"
    VAPID_SUBJECT = "mailto:sqjz-test@example.com"
    WEBPUSH_ALLOW_LOOPBACK_HTTP = True
    JWT_COOKIE_SECURE = False  # the browser tests serve the console on http://127.0.0.1
    WECHAT_TEMPLATES = {"reminder": "tmpl-reminder", "term_ending": "tmpl-reminder", "alert": "tmpl-alert"}
    DELIVERY_SYNC = True
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST_KIB = 8
    # Limits stay on but out of the way of tests that log in or check in often; tests/api/test_limits.py sets low
    # ones. Storage errors surface instead of falling back.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = False
    RATELIMIT_LOGIN_PER_USERNAME = RATELIMIT_LOGIN_PER_IP = RATELIMIT_WX_LOGIN_PER_IP = "10000 per minute"
    RATELIMIT_WX_BIND_PER_OPENID = RATELIMIT_CHECKIN_PER_USER = RATELIMIT_CHECKIN_BATCH_PER_USER = "10000 per minute"


class Production(Settings):
    """PostgreSQL from DATABASE_URL; every secret must come from the environment."""

    NAME = "production"
    REQUIRED = ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "ID_NUMBER_KEYS", "ID_INDEX_KEY",
                "WECHAT_APPID", "WECHAT_SECRET", "VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY", "VAPID_SUBJECT",
                "RATELIMIT_STORAGE_URI")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 5}
    RATELIMIT_STORAGE_URI = None  # several instances count together: redis://host:6379/0 from the environment


CONFIGS = {cls.NAME: cls for cls in (Development, Testing, Production)}

# Environment variable -> setting. Lists are comma-separated.
_ENVIRONMENT = {
    "SECRET_KEY": "SECRET_KEY",
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "ID_NUMBER_KEYS": "ID_NUMBER_KEYS",
    "ID_INDEX_KEY": "ID_INDEX_KEY",
    "WECHAT_APPID": "WECHAT_APPID",
    "WECHAT_SECRET": "WECHAT_SECRET",
    "WECHAT_API_BASE": "WECHAT_API_BASE",
    "WECHAT_TEMPLATES": "WECHAT_TEMPLATES",
    "WECHAT_MINIPROGRAM_STATE": "WECHAT_MINIPROGRAM_STATE",
    "VAPID_PRIVATE_KEY": "VAPID_PRIVATE_KEY",
    "VAPID_PUBLIC_KEY": "VAPID_PUBLIC_KEY",
    "VAPID_SUBJECT": "VAPID_SUBJECT",
    "RULES_REGION": "RULES_REGION",
    "UPLOAD_DIR": "UPLOAD_DIR",
    "RATELIMIT_STORAGE_URI": "RATELIMIT_STORAGE_URI",
    "TRUSTED_PROXIES": "TRUSTED_PROXIES",
}
_LIST_SETTINGS = {"ID_NUMBER_KEYS"}
_INT_SETTINGS = {"TRUSTED_PROXIES"}
_MAP_SETTINGS = {"WECHAT_TEMPLATES"}  # comma-separated key=value pairs, e.g. reminder=tmplA,alert=tmplB


def settings_for(name: str, environ=None, overrides: dict | None = None) -> dict:
    """Return the settings of configuration `name`, overlaid with the environment and `overrides`.

    :raises ConfigError: unknown name, or a required setting missing (production refuses to start).
    """
    if name not in CONFIGS:
        raise ConfigError(f"unknown configuration {name!r}; choose one of {sorted(CONFIGS)}")
    cls = CONFIGS[name]
    values = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
    environ = os.environ if environ is None else environ
    for env_name, key in _ENVIRONMENT.items():
        raw = environ.get(env_name)
        if raw:
            values[key] = _parse(key, raw)
    values.update(overrides or {})
    _check(values)
    return values


def _parse(key: str, raw: str):
    if key in _INT_SETTINGS:
        if not raw.strip().isdigit():
            raise ConfigError(f"{key} must be a whole number")
        return int(raw)
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if key in _LIST_SETTINGS:
        return parts
    if key in _MAP_SETTINGS:
        pairs = [part.split("=", 1) for part in parts]
        if any(len(pair) != 2 or not pair[0].strip() or not pair[1].strip() for pair in pairs):
            raise ConfigError(f"{key} must be comma-separated key=value pairs")
        return {name.strip(): value.strip() for name, value in pairs}
    return raw


def _check(values: dict) -> None:
    missing = [key for key in values["REQUIRED"] if not values.get(key)]
    if missing:
        raise ConfigError(f"{values['NAME']} configuration refuses to start without: {', '.join(missing)}")
    if values["NAME"] == "production":
        if len(values["SECRET_KEY"]) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters in production")
        if not values["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            raise ConfigError("production runs on PostgreSQL: DATABASE_URL must be a postgresql+psycopg:// URL")
        if not values["VAPID_SUBJECT"].startswith(("mailto:", "https://")):
            raise ConfigError("VAPID_SUBJECT must be a mailto: address (or an https: URL) of the operators")
        if values["RATELIMIT_ENABLED"] and values["RATELIMIT_STORAGE_URI"].startswith("memory:"):
            raise ConfigError("RATELIMIT_STORAGE_URI must be a storage every app instance shares, "
                              "e.g. redis://127.0.0.1:6379/0, not memory://")
