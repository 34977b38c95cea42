"""Subjects (矫正对象): the registry's core, their dated history, enterprise roles and mini-program accounts."""

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from correction.db import UTCDateTime, db, enum_column, utcnow_default
from correction.models.org import Unit, User


class Category(StrEnum):
    control = "control"                      # 管制
    probation = "probation"                  # 缓刑
    parole = "parole"                        # 假释
    temporary_release = "temporary_release"  # 暂予监外执行


class Level(StrEnum):
    strict = "strict"        # 严管
    ordinary = "ordinary"    # 普管
    lenient = "lenient"      # 宽管


class SubjectStatus(StrEnum):
    awaiting_report = "awaiting_report"    # received, not yet reported in (待报到)
    under_correction = "under_correction"  # 在矫
    released = "released"                  # 解除 (expiry, pardon)
    terminated = "terminated"              # 终止 (revocation, custody, death, other)
    transferred_out = "transferred_out"    # 变更执行地 to a county outside this deployment: supervised there now


ACTIVE_STATUSES = (SubjectStatus.awaiting_report, SubjectStatus.under_correction)


class Sex(StrEnum):
    male = "male"
    female = "female"


class ReleaseType(StrEnum):
    expiry = "expiry"          # 期满解除
    pardon = "pardon"          # 赦免
    revocation = "revocation"  # 撤销缓刑 / 撤销假释
    custody = "custody"        # 收监执行
    death = "death"            # 死亡
    other = "other"
    transferred = "transferred"  # 迁出: the file went to an agency outside this deployment

    @property
    def ends_as(self) -> SubjectStatus:
        """解除 for expiry and pardon, 终止 for everything else (law arts 44–45)."""
        if self == ReleaseType.transferred:
            return SubjectStatus.transferred_out
        released = self in (ReleaseType.expiry, ReleaseType.pardon)
        return SubjectStatus.released if released else SubjectStatus.terminated


class EnterpriseRoleKind(StrEnum):
    legal_representative = "legal_representative"  # 法定代表人
    shareholder = "shareholder"                    # 股东 / 实际控制人
    manager = "manager"                            # 高级管理人员
    key_staff = "key_staff"                        # 关键岗位人员


class EventKind(StrEnum):
    intake = "intake"                  # 接收
    report_in = "report_in"            # 报到
    level_change = "level_change"      # 管理等级调整
    reassignment = "reassignment"      # 司法所或责任民警/矫正干部调整
    profile_update = "profile_update"  # phone or address
    enterprise_role = "enterprise_role"
    release = "release"                # 解除 / 终止
    activation_code = "activation_code"
    account_bound = "account_bound"


class Subject(db.Model):
    """A person under community correction in one county; the ID number is never stored in clear."""

    __tablename__ = "subjects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    id_number_cipher: Mapped[bytes] = mapped_column(sa.LargeBinary)
    id_number_digest: Mapped[str] = mapped_column(sa.String(64), index=True)
    id_number_masked: Mapped[str] = mapped_column(sa.String(18))
    sex: Mapped[Sex] = mapped_column(enum_column(Sex))
    birth_date: Mapped[date]
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    category: Mapped[Category] = mapped_column(enum_column(Category))
    judgment_date: Mapped[date]
    effective_date: Mapped[date]
    term_start: Mapped[date]
    term_end: Mapped[date]
    address: Mapped[str] = mapped_column(sa.String(200))
    home_lat: Mapped[float | None]
    home_lng: Mapped[float | None]
    home_coord_type: Mapped[str | None] = mapped_column(sa.String(8))
    county_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    office_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    officer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    level: Mapped[Level] = mapped_column(enum_column(Level))
    status: Mapped[SubjectStatus] = mapped_column(enum_column(SubjectStatus), index=True)
    report_in_due: Mapped[date]  # the deadline that applied at intake (rule value then)
    reported_in_on: Mapped[date | None]
    ended_on: Mapped[date | None]
    end_type: Mapped[ReleaseType | None] = mapped_column(enum_column(ReleaseType))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow_default)
    version: Mapped[int] = mapped_column(default=1)

    office: Mapped[Unit] = relationship(foreign_keys=[office_id])
    county: Mapped[Unit] = relationship(foreign_keys=[county_id])
    officer: Mapped[User | None] = relationship(foreign_keys=[officer_id])
    enterprise_role: Mapped["EnterpriseRole | None"] = relationship(back_populates="subject", uselist=False)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # One person is under correction at most once per deployment; released files stay.
        sa.Index("uq_subjects_active_person", "id_number_digest", unique=True,
                 sqlite_where=sa.text("status IN ('awaiting_report', 'under_correction')"),
                 postgresql_where=sa.text("status IN ('awaiting_report', 'under_correction')")),
    )


class EnterpriseRole(db.Model):
    """涉民营企业: the subject's role in a private enterprise; verified when an officer entered it."""

    __tablename__ = "enterprise_roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("subjects.id"), unique=True)
    enterprise_name: Mapped[str] = mapped_column(sa.String(200))
    credit_code: Mapped[str] = mapped_column(sa.String(18))  # 统一社会信用代码
    role: Mapped[EnterpriseRoleKind] = mapped_column(enum_column(EnterpriseRoleKind))
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The fast track is withdrawn after a violation (涉企 简捷监管 revoked) until an officer restores it.
    fast_track_suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fast_track_suspended_reason: Mapped[str | None] = mapped_column(sa.Text)

    subject: Mapped[Subject] = relationship(back_populates="enterprise_role")


class SubjectEvent(db.Model):
    """One dated entry of a subject's history: who did what, effective when, recorded when, and why."""

    __tablename__ = "subject_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("subjects.id"), index=True)
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind))
    effective_on: Mapped[date]
    from_value: Mapped[str | None] = mapped_column(sa.String(64))
    to_value: Mapped[str | None] = mapped_column(sa.String(64))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    subject: Mapped[Subject] = relationship()
    actor: Mapped[User | None] = relationship()


class ActivationCode(db.Model):
    """A single-use code an officer gives the subject to bind the mini-program; stored only as a digest."""

    __tablename__ = "activation_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("subjects.id"), index=True)
    code_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    issued_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SuperviseeAccount(db.Model):
    """The binding of a subject to a WeChat openid and to the supervisee user that signs in with it."""

    __tablename__ = "supervisee_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), unique=True)
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("subjects.id"), unique=True)
    wx_openid: Mapped[str] = mapped_column(sa.String(64), unique=True)
    bound_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    subject: Mapped[Subject] = relationship()
