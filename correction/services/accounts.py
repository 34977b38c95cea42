"""Signing in: staff by password, supervisees through the mini-program and a single-use activation code."""

import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from correction.components import components
from correction.crypto import code_digest
from correction.db import db, transaction
from correction.errors import (
    Conflict, InvalidTransition, RuleViolation, ServiceUnavailable, TooManyRequests, Unauthorized,
)
from correction.models import (
    ACTIVE_STATUSES, ActivationCode, EventKind, Role, Subject, SuperviseeAccount, User,
)
from correction.rules.identity import normalize_id_number
from correction.services import lockout
from correction.services.scope import require_officer, visible_subject
from correction.services.subjects import record_event
from correction.wechat import WeChatError

# Activation codes: 8 characters without look-alikes (no 0/O, 1/I/L), about 10^12 possibilities.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_CODE_LENGTH = 8
# jscode2session errcodes that mean the code itself is bad (invalid/used, or the user is blocked as high-risk).
_BAD_CODE = {40029, 40163, 40226}
_RATE_LIMITED = 45011  # 100 logins per user per minute


def authenticate(username: str, password: str, as_of: datetime) -> User:
    """The staff user with these credentials; a good password clears the username's failures.

    :raises Unauthorized: unknown user, wrong password or disabled account (one message for all three).
    :raises AccountLocked: too many bad passwords for this username, known or not (this one may start the lock).
    """
    with transaction():
        lockout.ensure_unlocked(username, as_of)
        user = db.session.scalar(sa.select(User).where(User.username == username))
        valid = components().passwords.verify(user.password_hash if user else None, password)
        if valid and user.is_active:
            lockout.clear(username)
            user.last_login_at = as_of
            return user
    with transaction():  # committed before the refusal is raised
        locked_until = lockout.record_failure(username, as_of)
    if locked_until is not None:
        raise lockout.locked(locked_until, as_of)
    raise Unauthorized("invalid_credentials", "用户名或密码错误。")


def openid_for_code(code: str) -> str:
    """The WeChat openid behind a `wx.login` code; `dev:<openid>` only when no WeChat credentials are set.

    :raises Unauthorized: the code is invalid, used, or a dev code where WeChat is configured.
    :raises ServiceUnavailable: WeChat did not answer usably.
    """
    client = components().wechat
    if client is None:
        openid = code.removeprefix("dev:")
        if not code.startswith("dev:") or not openid.strip():
            raise Unauthorized("wx_code_invalid", "微信登录凭证无效。")
        return openid.strip()
    try:
        return client.code2session(code)["openid"]
    except WeChatError as exc:
        if exc.errcode in _BAD_CODE:
            raise Unauthorized("wx_code_invalid", "微信登录凭证无效或已使用，请重新登录。") from exc
        if exc.errcode == _RATE_LIMITED:
            raise TooManyRequests("wx_rate_limited", "微信登录过于频繁，请稍后再试。") from exc
        raise ServiceUnavailable("wechat_unavailable", "微信服务暂时不可用，请稍后重试。") from exc


@dataclass(frozen=True)
class WxLogin:
    openid: str
    user: User | None  # None: this WeChat user has not bound a subject yet


def wx_login(code: str, as_of: datetime) -> WxLogin:
    """Resolve a mini-program login to the bound supervisee, or to an unbound openid."""
    openid = openid_for_code(code)
    with transaction():
        account = db.session.scalar(sa.select(SuperviseeAccount).where(SuperviseeAccount.wx_openid == openid))
        if account is None or not account.user.is_active:
            return WxLogin(openid, None)
        account.user.last_login_at = as_of
        return WxLogin(openid, account.user)


def issue_activation_code(actor: User, subject_id: int, as_of: datetime) -> tuple[str, ActivationCode]:
    """A new single-use code for the subject; earlier unused codes stop working.

    :raises NotFound: the subject is missing or outside the officer's scope.
    :raises InvalidTransition: the file is closed.
    """
    require_officer(actor)
    parts = components()
    with transaction():
        subject = visible_subject(actor, subject_id)
        if subject.status not in ACTIVE_STATUSES:
            raise InvalidTransition("subject_closed", "矫正已解除或终止，不能再绑定小程序。")
        db.session.execute(sa.update(ActivationCode).where(
            ActivationCode.subject_id == subject.id, ActivationCode.used_at.is_(None),
            ActivationCode.revoked_at.is_(None)).values(revoked_at=as_of))
        code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
        issued = ActivationCode(subject_id=subject.id, code_digest=code_digest(parts.code_secret, code),
                                issued_by_id=actor.id, issued_at=as_of, expires_at=as_of + parts.activation_code_ttl)
        db.session.add(issued)
        record_event(subject, EventKind.activation_code, actor, as_of)
    return code, issued


def bind(openid: str, id_number: str, name: str, activation_code: str, as_of: datetime) -> User:
    """Bind a WeChat openid to the subject named by ID number, name and a valid activation code.

    :raises RuleViolation: the three do not match one issued code, or the code expired.
    :raises Conflict: the code was used or replaced, or this WeChat account is bound to someone else.
    """
    parts = components()
    mismatch = RuleViolation("binding_failed", "身份信息或激活码不正确。")
    with transaction():
        digest = parts.vault.digest(normalize_id_number(id_number))
        code = db.session.scalar(sa.select(ActivationCode).join(Subject).where(
            ActivationCode.code_digest == code_digest(parts.code_secret, activation_code.strip().upper()),
            Subject.id_number_digest == digest, Subject.name == name.strip()))
        if code is None:
            raise mismatch
        if code.used_at is not None or code.revoked_at is not None:
            raise Conflict("activation_code_used", "激活码已使用或已失效，请联系矫正工作人员重新获取。")
        if code.expires_at <= as_of:
            raise RuleViolation("activation_code_expired", "激活码已过期，请联系矫正工作人员重新获取。")
        subject = db.session.get(Subject, code.subject_id)
        if subject.status not in ACTIVE_STATUSES:
            raise mismatch
        other = db.session.scalar(sa.select(SuperviseeAccount).where(SuperviseeAccount.wx_openid == openid))
        if other is not None and other.subject_id != subject.id:
            raise Conflict("wx_already_bound", "该微信账号已绑定其他矫正对象。")
        # The conditional update is the claim: of two concurrent binds with one code, exactly one wins.
        claimed = db.session.execute(sa.update(ActivationCode).where(
            ActivationCode.id == code.id, ActivationCode.used_at.is_(None),
            ActivationCode.revoked_at.is_(None)).values(used_at=as_of)).rowcount
        if claimed != 1:
            raise Conflict("activation_code_used", "激活码已使用或已失效，请联系矫正工作人员重新获取。")
        account = db.session.scalar(sa.select(SuperviseeAccount).where(SuperviseeAccount.subject_id == subject.id))
        if account is None:
            user = User(role=Role.supervisee, name=subject.name, unit_id=subject.office_id)
            account = SuperviseeAccount(user=user, subject_id=subject.id, wx_openid=openid, bound_at=as_of)
            db.session.add(account)
        else:  # a new phone or WeChat account: the binding moves, the user stays
            account.wx_openid, account.bound_at = openid, as_of
            account.user.is_active = True
        record_event(subject, EventKind.account_bound, None, as_of)
    return account.user


def supervisee_subject(user: User) -> Subject:
    """The subject a supervisee user is bound to.

    :raises Unauthorized: the user is not a bound supervisee.
    """
    account = db.session.scalar(sa.select(SuperviseeAccount).where(SuperviseeAccount.user_id == user.id))
    if user.role != Role.supervisee or account is None:
        raise Unauthorized("not_bound", "账号未绑定矫正对象。")
    return account.subject
