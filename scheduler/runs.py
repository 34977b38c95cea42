"""Running one job for one period exactly once, and finding the periods a job owes.

The claim is the row in `job_runs`, unique on (job, period): the INSERT that creates it wins, whoever else tries.
A run that failed, or that a dead or demoted process left `running`, is taken over with a conditional UPDATE on
the attempt it read. Job bodies are idempotent by their own keys, so a run re-done after a crash mid-job adds
only what the crashed attempt had not committed.
"""

import logging
import os
import socket
import traceback
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from correction import clock, redaction
from correction.db import db, is_unique_violation
from correction.models import JobRun, RunStatus
from correction.services import audit
from scheduler.registry import Job

log = logging.getLogger("sqjz.scheduler")
redaction.install(log)  # a failed job logs its exception, whose text can quote a row

RUNNER = f"{socket.gethostname()}:{os.getpid()}"
ERROR_CHARS = 4000


def fire_times(job: Job, after: datetime, until: datetime) -> list[datetime]:
    """The job's fire times in (after, until]."""
    times, cursor = [], after + timedelta(microseconds=1)
    while (fire := job.trigger.get_next_fire_time(None, cursor)) is not None and fire <= until:
        times.append(fire)
        cursor = fire + timedelta(microseconds=1)
    return times


def owed(job: Job, now: datetime, live: frozenset[str] = frozenset({RUNNER})) -> list[datetime]:
    """The most recent fire times up to `now` (at most `job.catch_up` of them, within `job.window`) whose period
    has no finished run: what a leader runs on each tick and after taking over. A `running` row of a runner in
    `live` (this process) is in progress; any other is left over by a dead or demoted process and is owed."""
    times = fire_times(job, now - job.window, now)[-job.catch_up:]
    if not times:
        return []
    periods = {job.period(t): t for t in times}
    runs = db.session.execute(sa.select(JobRun.period, JobRun.status, JobRun.runner).where(
        JobRun.job_id == job.id, JobRun.period.in_(list(periods)))).all()
    settled = {period for period, status, runner in runs
               if status == RunStatus.succeeded or (status == RunStatus.running and runner in live)}
    return [t for p, t in periods.items() if p not in settled]


def _claim(job: Job, period: str, at: datetime, runner: str, force: bool) -> JobRun | None:
    started = clock.now()
    try:
        run = JobRun(job_id=job.id, period=period, scheduled_for=at, status=RunStatus.running, runner=runner,
                     started_at=started, heartbeat_at=started, counts={})
        db.session.add(run)
        db.session.commit()
        return run
    except IntegrityError as exc:
        db.session.rollback()
        if not is_unique_violation(exc):
            raise
    run = db.session.scalar(sa.select(JobRun).where(JobRun.job_id == job.id, JobRun.period == period))
    if run.status == RunStatus.succeeded and not force:
        return None
    if run.status == RunStatus.running and run.runner == runner:
        return None  # this process runs it right now
    taken = db.session.execute(
        sa.update(JobRun).where(JobRun.id == run.id, JobRun.attempts == run.attempts, JobRun.status == run.status)
        .values(status=RunStatus.running, attempts=run.attempts + 1, runner=runner, started_at=started,
                heartbeat_at=started, finished_at=None, error=None)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if not taken:
        return None
    db.session.refresh(run)
    return run


def run_job(job: Job, at: datetime, runner: str = RUNNER, force: bool = False) -> JobRun | None:
    """Run `job` for the period of fire time `at`, acting as of `at`; None when that period is done or taken.

    `force` re-runs a period that already succeeded (the job's own keys keep it from duplicating anything).
    """
    period = job.period(at)
    run = _claim(job, period, at, runner, force)
    if run is None:
        log.info("job %s period %s: already done or running elsewhere", job.id, period)
        return None
    log.info("job %s period %s: started by %s (attempt %d)", job.id, period, runner, run.attempts)
    try:
        with audit.acting(None, job.id):  # the system, acting under the job's name
            counts = job.func(at) or {}
            db.session.commit()
    except Exception as exc:  # a failed job is recorded and retried; the scheduler keeps running
        db.session.rollback()
        _finish(run.id, RunStatus.failed, {}, "".join(traceback.format_exception(exc))[-ERROR_CHARS:])
        log.exception("job %s period %s: failed", job.id, period)
    else:
        _finish(run.id, RunStatus.succeeded, counts, None)
        log.info("job %s period %s: succeeded %s", job.id, period, counts)
    db.session.expire_all()
    return db.session.get(JobRun, run.id)


def _finish(run_id: int, status: RunStatus, counts: dict, error: str | None) -> None:
    db.session.execute(sa.update(JobRun).where(JobRun.id == run_id).values(
        status=status, counts=counts, error=error, finished_at=clock.now()))
    db.session.commit()
