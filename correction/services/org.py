"""The organisation: units and the users who work in them."""

import sqlalchemy as sa

from correction.components import components
from correction.db import db, transaction
from correction.errors import Conflict, NotFound, RuleViolation
from correction.geo.fence import fence_problem
from correction.models import Role, Unit, UnitKind, User
from correction.services.paging import Page, page_of

# Which unit kind each staff role belongs to (admins may belong to any unit or none).
_ROLE_UNIT_KINDS = {
    Role.officer: (UnitKind.county_agency, UnitKind.judicial_office),
    Role.inspector: (UnitKind.procuratorate,),
}


def create_unit(kind: UnitKind, code: str, name: str, parent_id: int | None = None,
                supervises_id: int | None = None, fence: dict | None = None,
                fence_coord_type: str | None = None) -> Unit:
    """Add a county agency, a judicial office under it, or a procuratorate supervising it.

    :raises RuleViolation: the unit does not fit the organisation (wrong parent, bad fence).
    :raises Conflict: the code is taken.
    """
    with transaction():
        _check_links(kind, parent_id, supervises_id)
        if fence is not None:
            problem = fence_problem(fence)
            if problem:
                raise RuleViolation.on("fence", problem, "invalid_fence")
            if fence_coord_type is None:
                raise RuleViolation.on("fence_coord_type", "请注明围栏的坐标系。", "invalid_fence")
        if db.session.scalar(sa.select(Unit.id).where(Unit.code == code)):
            raise Conflict("unit_code_taken", "单位代码已存在。")
        unit = Unit(kind=kind, code=code, name=name, parent_id=parent_id, supervises_id=supervises_id,
                    fence=fence, fence_coord_type=fence_coord_type if fence is not None else None)
        db.session.add(unit)
    return unit


def _check_links(kind: UnitKind, parent_id: int | None, supervises_id: int | None) -> None:
    def county(unit_id: int | None, field: str, message: str) -> None:
        unit = db.session.get(Unit, unit_id) if unit_id is not None else None
        if unit is None or unit.kind != UnitKind.county_agency:
            raise RuleViolation.on(field, message, "invalid_unit_link")

    if kind == UnitKind.judicial_office:
        county(parent_id, "parent_id", "司法所必须隶属于一个县级社区矫正机构。")
    elif parent_id is not None:
        raise RuleViolation.on("parent_id", "只有司法所有上级单位。", "invalid_unit_link")
    if kind == UnitKind.procuratorate:
        county(supervises_id, "supervises_id", "人民检察院必须指明所监督的县级社区矫正机构。")
    elif supervises_id is not None:
        raise RuleViolation.on("supervises_id", "只有人民检察院监督县级机构。", "invalid_unit_link")


def list_units(page: int, per_page: int, kind: UnitKind | None = None) -> Page:
    stmt = sa.select(Unit).order_by(Unit.id)
    if kind is not None:
        stmt = stmt.where(Unit.kind == kind)
    return page_of(stmt, page, per_page)


def get_unit(unit_id: int) -> Unit:
    """:raises NotFound: no such unit."""
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("unit_not_found", "单位不存在。")
    return unit


def create_user(username: str, password: str, role: Role, name: str, unit_id: int | None = None,
                phone: str | None = None, resettlement_officer: bool = False) -> User:
    """Add a staff account (admin, officer, inspector); supervisees join only by binding the mini-program. An
    officer may also hold the resettlement role (安置帮教), which alone opens the assistance register.

    :raises RuleViolation: role and unit do not fit, the resettlement role for a non-officer, or the password is
        too short.
    :raises Conflict: the username is taken.
    """
    min_length = components().password_min_length
    with transaction():
        if role == Role.supervisee:
            raise RuleViolation.on("role", "矫正对象账号只能通过小程序绑定创建。", "invalid_role")
        unit = db.session.get(Unit, unit_id) if unit_id is not None else None
        if unit_id is not None and unit is None:
            raise RuleViolation.on("unit_id", "单位不存在。", "unit_not_found")
        allowed = _ROLE_UNIT_KINDS.get(role)
        if allowed is not None and (unit is None or unit.kind not in allowed):
            message = ("检察人员必须属于人民检察院。" if role == Role.inspector
                       else "矫正工作人员必须属于县级机构或司法所。")
            raise RuleViolation.on("unit_id", message, "invalid_unit_for_role")
        if resettlement_officer and role != Role.officer:
            raise RuleViolation.on("resettlement_officer", "只有矫正工作人员可以兼任安置帮教工作。", "invalid_role")
        if len(password) < min_length:
            raise RuleViolation.on("password", f"密码至少{min_length}位。", "weak_password")
        if db.session.scalar(sa.select(User.id).where(User.username == username)):
            raise Conflict("username_taken", "用户名已存在。")
        user = User(username=username, password_hash=components().passwords.hash(password), role=role,
                    unit_id=unit_id, name=name, phone=phone, resettlement_officer=resettlement_officer)
        db.session.add(user)
    return user


def list_users(page: int, per_page: int, role: Role | None = None, unit_id: int | None = None) -> Page:
    stmt = sa.select(User).where(User.role != Role.supervisee).order_by(User.id)
    if role is not None:
        stmt = stmt.where(User.role == role)
    if unit_id is not None:
        stmt = stmt.where(User.unit_id == unit_id)
    return page_of(stmt, page, per_page)


def get_user(user_id: int) -> User:
    """:raises NotFound: no such staff account."""
    user = db.session.get(User, user_id)
    if user is None or user.role == Role.supervisee:
        raise NotFound("user_not_found", "用户不存在。")
    return user
