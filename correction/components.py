"""The app-scoped parts that services use: rule table, working-day calendar, ID-number vault, password hasher, WeChat
client, file store, Web Push sender."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app

from config import ConfigError, RuleTable, load_rules
from correction.crypto import IdNumberVault, Passwords
from correction.rules.lockout import LockoutPolicy
from correction.rules.workdays import WorkCalendar
from correction.storage import FileStore, LocalFileStore
from correction.webpush import WebPushSender
from correction.wechat import MiniProgramClient

_KEY = "sqjz"


@dataclass(frozen=True)
class SubscribeMessages:
    """How inbox messages become WeChat subscribe messages: the template of each notification kind, the
    mini-program page they open and the build they open it in (formal, trial, developer)."""

    templates: Mapping[str, str]
    page: str
    state: str


@dataclass(frozen=True)
class Components:
    rules: RuleTable
    calendar: WorkCalendar  # working days (调休 included) for deadlines counted in working days
    vault: IdNumberVault
    passwords: Passwords
    password_min_length: int
    lockout: LockoutPolicy  # bad passwords before a lock, and its backoff
    activation_code_ttl: timedelta
    code_secret: str  # keys the activation-code digests
    wechat: MiniProgramClient | None  # None: no credentials, `dev:<openid>` codes are accepted instead
    files: FileStore  # uploaded photos
    upload_max_bytes: int
    webpush: WebPushSender
    wechat_messages: SubscribeMessages


def install(app: Flask) -> Components:
    """Build the components from the app's settings, once per app.

    :raises config.ConfigError: the VAPID keys are unreadable or do not belong together.
    :raises ValueError: the rule table's calendar lists a date under the wrong year.
    """
    cfg = app.config
    wechat = None
    if cfg["WECHAT_APPID"] and cfg["WECHAT_SECRET"]:
        wechat = MiniProgramClient(cfg["WECHAT_APPID"], cfg["WECHAT_SECRET"], cfg["WECHAT_API_BASE"],
                                   timeout=cfg["WECHAT_TIMEOUT_S"])
    rules = load_rules(cfg["RULES_REGION"])
    parts = Components(
        rules=rules,
        calendar=WorkCalendar.from_rules(rules["calendar"]),
        vault=IdNumberVault(cfg["ID_NUMBER_KEYS"], cfg["ID_INDEX_KEY"]),
        passwords=Passwords(cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST_KIB"]),
        password_min_length=cfg["PASSWORD_MIN_LENGTH"],
        lockout=LockoutPolicy(cfg["LOGIN_LOCKOUT_THRESHOLD"], cfg["LOGIN_LOCKOUT_BASE"], cfg["LOGIN_LOCKOUT_MAX"]),
        activation_code_ttl=cfg["ACTIVATION_CODE_TTL"],
        code_secret=cfg["SECRET_KEY"],
        wechat=wechat,
        files=LocalFileStore(Path(cfg["UPLOAD_DIR"] or Path(app.instance_path) / "uploads")),
        upload_max_bytes=cfg["UPLOAD_MAX_BYTES"],
        webpush=_webpush_sender(cfg),
        wechat_messages=SubscribeMessages(dict(cfg["WECHAT_TEMPLATES"]), cfg["WECHAT_NOTIFICATION_PAGE"],
                                          cfg["WECHAT_MINIPROGRAM_STATE"]),
    )
    app.extensions[_KEY] = parts
    return parts


def _webpush_sender(cfg) -> WebPushSender:
    try:
        return WebPushSender(cfg["VAPID_PRIVATE_KEY"] or "", cfg["VAPID_PUBLIC_KEY"] or "", cfg["VAPID_SUBJECT"],
                             timeout=cfg["WEBPUSH_TIMEOUT_S"])
    except ValueError as exc:
        raise ConfigError(f"unusable VAPID keys: {exc}") from exc


def components() -> Components:
    """The current app's components."""
    return current_app.extensions[_KEY]
