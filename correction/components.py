"""The app-scoped parts that services use: rule table, ID-number vault, password hasher, WeChat client, file store."""

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app

from config import RuleTable, load_rules
from correction.crypto import IdNumberVault, Passwords
from correction.storage import FileStore, LocalFileStore
from correction.wechat import MiniProgramClient

_KEY = "sqjz"


@dataclass(frozen=True)
class Components:
    rules: RuleTable
    vault: IdNumberVault
    passwords: Passwords
    password_min_length: int
    activation_code_ttl: timedelta
    code_secret: str  # keys the activation-code digests
    wechat: MiniProgramClient | None  # None: no credentials, `dev:<openid>` codes are accepted instead
    files: FileStore  # uploaded photos
    upload_max_bytes: int


def install(app: Flask) -> Components:
    """Build the components from the app's settings, once per app."""
    cfg = app.config
    wechat = None
    if cfg["WECHAT_APPID"] and cfg["WECHAT_SECRET"]:
        wechat = MiniProgramClient(cfg["WECHAT_APPID"], cfg["WECHAT_SECRET"], cfg["WECHAT_API_BASE"],
                                   timeout=cfg["WECHAT_TIMEOUT_S"])
    parts = Components(
        rules=load_rules(cfg["RULES_REGION"]),
        vault=IdNumberVault(cfg["ID_NUMBER_KEYS"], cfg["ID_INDEX_KEY"]),
        passwords=Passwords(cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST_KIB"]),
        password_min_length=cfg["PASSWORD_MIN_LENGTH"],
        activation_code_ttl=cfg["ACTIVATION_CODE_TTL"],
        code_secret=cfg["SECRET_KEY"],
        wechat=wechat,
        files=LocalFileStore(Path(cfg["UPLOAD_DIR"] or Path(app.instance_path) / "uploads")),
        upload_max_bytes=cfg["UPLOAD_MAX_BYTES"],
    )
    app.extensions[_KEY] = parts
    return parts


def components() -> Components:
    """The current app's components."""
    return current_app.extensions[_KEY]
