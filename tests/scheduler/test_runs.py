"""One job, one period, one run: the claim, retries after a failure or a dead runner, catch-up, the lease and
the `flask jobs` commands, called directly at chosen instants."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from correction.clock import LOCAL_TZ
from correction.db import db
from correction.models import JobRun, RunStatus
from scheduler import lease
from scheduler.cli import jobs_group
from scheduler.registry import JOBS, Job
from scheduler.runs import RUNNER, fire_times, owed, run_job


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """A local (Asia/Shanghai) instant."""
    return datetime(year, month, day, hour, minute, tzinfo=LOCAL_TZ)


class Body:
    """A job body that counts its calls and can be told to fail."""

    def __init__(self):
        self.calls: list[datetime] = []
        self.fail = False

    def __call__(self, when: datetime) -> dict:
        self.calls.append(when)
        if self.fail:
            raise RuntimeError("boom")
        return {"seen": len(self.calls)}


@pytest.fixture
def body():
    return Body()


def daily(body, catch_up: int = 7) -> Job:
    return Job("daily_test", body, {"hour": 0, "minute": 30}, "test", catch_up=catch_up, window=timedelta(days=8))


def runs(app) -> list[tuple]:
    with app.app_context():
        return [(r.period, r.status, r.attempts) for r in db.session.scalars(
            sa.select(JobRun).order_by(JobRun.period))]


def test_a_period_runs_once_whoever_asks(app, body):
    job = daily(body)
    with app.app_context():
        first = run_job(job, at(2026, 11, 26, 0, 30))
        assert (first.period, first.status, first.counts) == ("2026-11-26T00:30", RunStatus.succeeded, {"seen": 1})
        assert run_job(job, at(2026, 11, 26, 0, 30)) is None
        assert run_job(job, at(2026, 11, 26, 0, 30), runner="another:1") is None
        assert run_job(job, at(2026, 11, 26, 0, 30), force=True).attempts == 2  # only when asked to
    assert body.calls == [at(2026, 11, 26, 0, 30)] * 2


def test_a_failed_run_is_recorded_and_retried(app, body):
    job = daily(body, catch_up=1)
    body.fail = True
    with app.app_context():
        failed = run_job(job, at(2026, 11, 26, 0, 30))
        assert failed.status == RunStatus.failed and "RuntimeError: boom" in failed.error
        assert owed(job, at(2026, 11, 26, 9)) == [at(2026, 11, 26, 0, 30)]
        body.fail = False
        retried = run_job(job, at(2026, 11, 26, 0, 30))
    assert (retried.status, retried.attempts, retried.error) == (RunStatus.succeeded, 2, None)


def test_a_run_left_running_by_a_dead_process_is_taken_over(app, body):
    job = daily(body, catch_up=1)
    with app.app_context():
        db.session.add(JobRun(job_id=job.id, period="2026-11-26T00:30", scheduled_for=at(2026, 11, 26, 0, 30),
                              status=RunStatus.running, runner="dead-host:4242", started_at=at(2026, 11, 26, 0, 30),
                              heartbeat_at=at(2026, 11, 26, 0, 30), counts={}))
        db.session.commit()
        assert owed(job, at(2026, 11, 26, 9)) == [at(2026, 11, 26, 0, 30)]
        assert owed(job, at(2026, 11, 26, 9), live=frozenset({"dead-host:4242"})) == []  # still alive: in progress
        taken = run_job(job, at(2026, 11, 26, 0, 30))
    assert (taken.status, taken.attempts, taken.runner) == (RunStatus.succeeded, 2, RUNNER)


def test_downtime_is_caught_up_up_to_the_job_depth(app, body):
    job = daily(body)
    with app.app_context():
        run_job(job, at(2026, 11, 10, 0, 30))
        missed = owed(job, at(2026, 11, 26, 9))  # down since the 10th: 16 periods missed, 7 made up
        assert missed == [at(2026, 11, day, 0, 30) for day in range(20, 27)]
        for when in missed:
            run_job(job, when)
        assert owed(job, at(2026, 11, 26, 9)) == []
    assert len(runs(app)) == 8


def test_a_missed_quarter_start_is_caught_up_once():
    quarter = Job("quarter", lambda when: {}, {"month": "1,4,7,10", "day": 1, "hour": 0, "minute": 5}, "test",
                  window=timedelta(days=93), period_format="%YQ%m")
    assert fire_times(quarter, at(2026, 11, 20), at(2028, 1, 2)) == [
        at(2027, 1, 1, 0, 5), at(2027, 4, 1, 0, 5), at(2027, 7, 1, 0, 5), at(2027, 10, 1, 0, 5),
        at(2028, 1, 1, 0, 5)]
    assert fire_times(quarter, at(2027, 1, 1, 0, 5) - timedelta(microseconds=1), at(2027, 1, 1, 0, 5))[0] == \
        datetime(2026, 12, 31, 16, 5, tzinfo=UTC)


def test_the_quarter_period_is_owed_after_a_restart_past_it(app):
    quarter = Job("quarter", lambda when: {}, {"month": "1,4,7,10", "day": 1, "hour": 0, "minute": 5}, "test",
                  window=timedelta(days=93))
    with app.app_context():
        assert owed(quarter, at(2027, 1, 3, 9)) == [at(2027, 1, 1, 0, 5)]  # the machine was off on new year's eve
        run_job(quarter, at(2027, 1, 1, 0, 5))
        assert owed(quarter, at(2027, 1, 3, 9)) == []


def test_the_lease_has_one_holder_until_it_lapses(app):
    with app.app_context():
        now = at(2026, 11, 26, 9)
        assert lease.acquire("a:1", now, 30)
        assert not lease.acquire("b:2", now + timedelta(seconds=10), 30)
        assert lease.acquire("a:1", now + timedelta(seconds=20), 30)  # renewed to 9:00:50
        assert not lease.acquire("b:2", now + timedelta(seconds=45), 30)
        assert lease.acquire("b:2", now + timedelta(seconds=51), 30)  # lapsed: taken over
        assert not lease.acquire("a:1", now + timedelta(seconds=52), 30)
        assert lease.holder_of().holder == "b:2"
        lease.release("b:2")
        assert lease.holder_of() is None
        assert lease.acquire("a:1", now + timedelta(seconds=53), 30)


def test_jobs_list_and_run_at_an_instant(app):
    runner = app.test_cli_runner()
    listed = runner.invoke(jobs_group, ["list"])
    assert listed.exit_code == 0, listed.output
    assert [line.split()[0] for line in listed.output.splitlines()] == [job.id for job in JOBS]
    first = runner.invoke(jobs_group, ["run", "location_signals", "--at", "2026-11-26T13:07:00+08:00"])
    assert first.exit_code == 0 and "2026-11-26T13:05: succeeded" in first.output, first.output
    again = runner.invoke(jobs_group, ["run", "location_signals", "--at", "2026-11-26T13:09:00+08:00"])
    assert "already done" in again.output
    assert runner.invoke(jobs_group, ["run", "no_such_job"]).exit_code == 2
    assert runner.invoke(jobs_group, ["run", "location_signals", "--at", "yesterday"]).exit_code == 2
    assert runs(app) == [("2026-11-26T13:05", "succeeded", 1)]
