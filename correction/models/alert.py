"""Alerts (告警) with their lifecycle and contest, and the sanctions (训诫、警告) officers decide on them."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from correction.db import UTCDateTime, db, enum_column
from correction.models.org import Unit, User
from correction.models.subject import Subject


class AlertType(StrEnum):
    not_reported_in = "not_reported_in"      # 未报到
    report_overdue = "report_overdue"        # 未按时报告 (periodic, health, medical review)
    hours_behind = "hours_behind"            # 教育学习/公益活动时长不足
    out_of_bounds = "out_of_bounds"          # 越界
    late_return = "late_return"              # 未按时销假
    missed_checkin = "missed_checkin"        # 未签到 / 未点验
    spoofing = "spoofing"                    # 疑似人机分离 or a simulated location
    approval_overdue = "approval_overdue"    # 审批超时 (fast-track decision deadline)
    relocation_overdue = "relocation_overdue"  # 变更执行地 steps late


class AlertStatus(StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    resolved = "resolved"


class Disposition(StrEnum):
    excused = "excused"        # 不予处理 (a reason accepted)
    admonition = "admonition"  # 训诫
    warning = "warning"        # 警告
    other = "other"


class Alert(db.Model):
    """One alert about one subject, opened by a scheduler job (once per `dedupe_key`) and closed by an officer."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("subjects.id"), index=True)
    office_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)  # the office at opening
    type: Mapped[AlertType] = mapped_column(enum_column(AlertType))
    status: Mapped[AlertStatus] = mapped_column(enum_column(AlertStatus), index=True)
    dedupe_key: Mapped[str] = mapped_column(sa.String(120), unique=True)  # e.g. report_overdue:17:periodic:2026-11-02
    title: Mapped[str] = mapped_column(sa.String(200))  # Chinese, for people
    evidence: Mapped[dict] = mapped_column(sa.JSON)
    suggestion: Mapped[dict | None] = mapped_column(sa.JSON)  # the sanction ladder's suggestion: {code, text}
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    disposition: Mapped[Disposition | None] = mapped_column(enum_column(Disposition))
    resolution_note: Mapped[str | None] = mapped_column(sa.Text)
    contested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contest_explanation: Mapped[str | None] = mapped_column(sa.Text)
    contest_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contest_answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    contest_answer: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(default=1)

    subject: Mapped[Subject] = relationship()
    office: Mapped[Unit] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (sa.Index("ix_alerts_office_status_opened", "office_id", "status", "opened_at"),)


class SanctionKind(StrEnum):
    admonition = "admonition"                    # 训诫
    warning = "warning"                          # 警告
    revocation_proposal = "revocation_proposal"  # 提请撤销缓刑、假释 / 收监执行


class Sanction(db.Model):
    """A sanction decided by an officer (on an alert or directly): what the ladder counts."""

    __tablename__ = "sanctions"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("subjects.id"), index=True)
    kind: Mapped[SanctionKind] = mapped_column(enum_column(SanctionKind))
    alert_id: Mapped[int | None] = mapped_column(sa.ForeignKey("alerts.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(sa.Text)

    decided_by: Mapped[User] = relationship()
