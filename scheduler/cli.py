"""`flask --app wsgi jobs list | run <id> [--at <instant>] [--force]`: inspect the registry, run any job for any
instant (the same exactly-once claim as the scheduler: a period already done is reported, not re-run)."""

from datetime import datetime

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import with_appcontext

from correction import clock
from correction.clock import LOCAL_TZ
from correction.db import db
from correction.models import JobRun
from scheduler.registry import JOBS, job_by_id
from scheduler.runs import RUNNER, fire_times, run_job


@click.group("jobs")
def jobs_group() -> None:
    """Scheduler jobs: list them, or run one for an instant."""


@jobs_group.command("list")
@with_appcontext
def list_jobs() -> None:
    """Every job with its schedule, next fire time and last run."""
    now = clock.now()
    for job in JOBS:
        last = db.session.scalar(sa.select(JobRun).where(JobRun.job_id == job.id)
                                 .order_by(JobRun.started_at.desc()).limit(1))
        upcoming = job.trigger.get_next_fire_time(None, now)
        last_text = f"{last.period} {last.status}" if last else "never"
        click.echo(f"{job.id:22} {_cron(job.cron):28} next {upcoming.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}  "
                   f"last {last_text:28} {job.description}")


@jobs_group.command("run")
@with_appcontext
@click.argument("job_id")
@click.option("--at", "at", default=None, help="ISO instant to act as of, e.g. 2027-01-01T00:05+08:00 (default: now)")
@click.option("--force", is_flag=True, help="re-run a period that already succeeded")
def run(job_id: str, at: str | None, force: bool) -> None:
    """Run JOB_ID for the period of the latest fire time at or before the instant (or exactly at it)."""
    try:
        job = job_by_id(job_id)
    except KeyError as exc:
        raise click.UsageError(f"unknown job {job_id!r}; see `jobs list`") from exc
    instant = _instant(at) if at else clock.now()
    fires = fire_times(job, instant - job.window, instant)
    fire = fires[-1] if fires else instant
    result = run_job(job, fire, runner=f"cli:{RUNNER}", force=force)
    if result is None:
        click.echo(f"{job.id} {job.period(fire)}: already done (use --force to run it again)")
        return
    click.echo(f"{job.id} {result.period}: {result.status} {result.counts}")
    if result.error:
        click.echo(result.error, err=True)
        raise SystemExit(1)


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO instant: {text!r}") from exc
    return value.replace(tzinfo=LOCAL_TZ) if value.tzinfo is None else value


def _cron(fields: dict) -> str:
    return " ".join(f"{k}={v}" for k, v in fields.items())


def register(app: Flask) -> None:
    app.cli.add_command(jobs_group)
