"""Daily supervision records (日常管理): dated level spans, reports, photos, education and public-welfare work."""

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from correction.db import UTCDateTime, db, enum_column
from correction.models.org import User
from correction.models.subject import Level, Subject


class SubjectLevel(db.Model):
    """A span of one management level: [valid_from, valid_to). A change closes one span and opens the next."""

    __tablename__ = "subject_levels"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("subjects.id"))
    level: Mapped[Level] = mapped_column(enum_column(Level))
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]

    subject: Mapped[Subject] = relationship()

    # Covering: the overdue query finds the span in force on a day from the index alone.
    __table_args__ = (sa.Index("ix_subject_levels_subject_from", "subject_id", "valid_from", "valid_to", "level"),)


class ReportKind(StrEnum):
    periodic = "periodic"              # 定期报告
    life_event = "life_event"          # 及时报告
    health_report = "health_report"    # 暂予监外执行: monthly health report
    medical_review = "medical_review"  # 保外就医: 病情复查 every three months


class LifeEvent(StrEnum):
    residence_change = "residence_change"    # 居所变化
    job_change = "job_change"                # 工作变动
    family_event = "family_event"            # 家庭重大变故
    risky_contact = "risky_contact"          # 接触对其矫正可能产生不利影响的人员


class Report(db.Model):
    """A report from the mini-program; recurring kinds are matched to the period they fulfil."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("subjects.id"))
    kind: Mapped[ReportKind] = mapped_column(enum_column(ReportKind))
    event_type: Mapped[LifeEvent | None] = mapped_column(enum_column(LifeEvent))
    content: Mapped[str] = mapped_column(sa.Text)
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]
    on_time: Mapped[bool | None]
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)  # server receive time: the one that counts
    submitted_on: Mapped[date]  # its Asia/Shanghai date
    lat: Mapped[float | None]
    lng: Mapped[float | None]
    coord_type: Mapped[str | None] = mapped_column(sa.String(8))
    accuracy_m: Mapped[float | None]
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    review_comment: Mapped[str | None] = mapped_column(sa.Text)
    flagged: Mapped[bool] = mapped_column(default=False)

    subject: Mapped[Subject] = relationship()
    reviewed_by: Mapped[User | None] = relationship()
    photos: Mapped[list["Upload"]] = relationship(back_populates="report", order_by="Upload.id")

    __table_args__ = (
        # Kind and period first: the overdue query reads one period's reports for the whole country with it,
        # and probes (kind, period, subject) for a county just as well.
        sa.Index("ix_reports_kind_period_subject", "kind", "period_start", "subject_id"),
        sa.Index("ix_reports_unreviewed", "subject_id", "reviewed_at"),
    )


class Upload(db.Model):
    """A photo a supervisee uploaded (metadata re-encoded away); attached to at most one report."""

    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("subjects.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reports.id"), index=True)
    leave_id: Mapped[int | None] = mapped_column(sa.ForeignKey("leave_requests.id"), index=True)  # proof of a trip
    alert_id: Mapped[int | None] = mapped_column(sa.ForeignKey("alerts.id"), index=True)  # proof for a contest
    storage_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(32))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    report: Mapped[Report | None] = relationship(back_populates="photos")


class ActivityKind(StrEnum):
    education = "education"            # 教育学习
    public_welfare = "public_welfare"  # 公益活动
    talk = "talk"                      # 个别谈话 / 个别教育
    visit = "visit"                    # 走访 / 实地查访


class ActivityStatus(StrEnum):
    pending = "pending"      # submitted by the supervisee, awaiting an officer
    confirmed = "confirmed"  # recorded or confirmed by an officer: counts towards the monthly hours
    rejected = "rejected"


class Activity(db.Model):
    """Education, public-welfare work, talks and visits, with their duration."""

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("subjects.id"))
    kind: Mapped[ActivityKind] = mapped_column(enum_column(ActivityKind))
    occurred_on: Mapped[date]
    minutes: Mapped[int]
    note: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[ActivityStatus] = mapped_column(enum_column(ActivityStatus))
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (sa.Index("ix_activities_subject_day", "subject_id", "occurred_on"),)


class ActivityTotal(db.Model):
    """Confirmed minutes per month, kind and subject, kept in step with every confirmed activity in the same
    transaction (services/activities.py). The overdue query reads one row here instead of summing activities:
    at national scale that sum was most of the query's time (bench/overdue.py)."""

    __tablename__ = "activity_totals"
    # The key covers `minutes` on PostgreSQL, so the overdue query reads the index alone (migration 0009).
    __table_args__ = (sa.PrimaryKeyConstraint("month", "kind", "subject_id", postgresql_include=["minutes"]),)

    month: Mapped[date]  # the month's first day
    kind: Mapped[ActivityKind] = mapped_column(enum_column(ActivityKind))
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("subjects.id"))
    minutes: Mapped[int]
