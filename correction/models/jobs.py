"""The scheduler's state in the database: one run per job and period, and the leader lease."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from correction.db import UTCDateTime, db, enum_column


class RunStatus(StrEnum):
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


class JobRun(db.Model):
    """One run of one job for one period. (job_id, period) is unique: a period runs once, whoever runs it; a run
    left `running` by a dead process is taken over and re-run (the jobs are idempotent by their own keys)."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(sa.String(64))
    period: Mapped[str] = mapped_column(sa.String(32))        # e.g. 2026-11-26, 2026-11-26T09:00, 2026Q4
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime)  # the instant the job acts as of
    status: Mapped[RunStatus] = mapped_column(enum_column(RunStatus))
    attempts: Mapped[int] = mapped_column(default=1)
    runner: Mapped[str] = mapped_column(sa.String(120))        # host:pid
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    counts: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    error: Mapped[str | None] = mapped_column(sa.Text)

    __table_args__ = (sa.UniqueConstraint("job_id", "period"),
                      sa.Index("ix_job_runs_job_started", "job_id", "started_at"))


class SchedulerLease(db.Model):
    """The leader lease: one scheduler process runs jobs; the others wait and take over when it lapses."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(120))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
