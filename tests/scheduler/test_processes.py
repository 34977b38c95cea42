"""Two real scheduler processes (`python -m scheduler`) on the suite's database: each period of a job firing
every second runs exactly once, and killing the leader hands the jobs to the other with no period missed.

Real processes run on the real clock, so this test waits for them (polling with a deadline), the only place the
suite does.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from correction.db import db
from correction.models import JobRun, RunStatus, SchedulerLease

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 2


def start(database_url: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "SQJZ_CONFIG": "testing", "DATABASE_URL": database_url}
    with open(log, "wb") as out:  # the child keeps its own handle
        return subprocess.Popen([sys.executable, "-m", "scheduler", "--registry", "tests.scheduler.registry:JOBS",
                                 "--lease-seconds", str(LEASE_SECONDS)], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.rollback()  # a fresh snapshot each time
        if result := condition():
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def holder() -> str | None:
    row = db.session.get(SchedulerLease, "scheduler")
    db.session.expire_all()
    return row.holder if row else None


def succeeded() -> list[JobRun]:
    return db.session.scalars(sa.select(JobRun).where(JobRun.status == RunStatus.succeeded)
                              .order_by(JobRun.period)).all()


def test_two_schedulers_run_each_period_once_and_hand_over(app, database_url, tmp_path):
    with app.app_context():
        db.session.execute(sa.text("CREATE TABLE test_ticks (period VARCHAR(8) NOT NULL, pid INTEGER NOT NULL)"))
        db.session.commit()
        processes = [start(database_url, tmp_path / f"scheduler-{n}.log") for n in (1, 2)]
        try:
            first = wait_for(holder, 20, "a leader")
            wait_for(lambda: len(succeeded()) >= 4, 20, "runs by the first leader")
            leader = next(p for p in processes if first.endswith(f":{p.pid}"))
            leader.send_signal(signal.SIGKILL)
            leader.wait(timeout=10)
            second = wait_for(lambda: (h := holder()) and h != first and h, 20, "the standby taking over")
            taken_at = len(succeeded())
            wait_for(lambda: len(succeeded()) >= taken_at + 3, 20, "runs by the new leader")
        finally:
            for process in processes:
                if process.poll() is None:
                    process.terminate()
                    process.wait(timeout=10)
        runs = [(r.runner, r.period) for r in succeeded()]
        ticks = Counter(period for (period,) in db.session.execute(sa.text("SELECT period FROM test_ticks")))
        db.session.execute(sa.text("DROP TABLE test_ticks"))
        db.session.commit()

    assert {runner for runner, _ in runs} == {first, second}
    periods = sorted(period for _, period in runs)
    seconds = [int(p[:2]) * 3600 + int(p[3:5]) * 60 + int(p[6:]) for p in periods]
    assert seconds == list(range(seconds[0], seconds[0] + len(seconds))), "a period was missed"
    # Each period's body ran once; only the one the kill may have interrupted can have run twice.
    assert set(ticks) == set(periods)
    assert sum(1 for count in ticks.values() if count > 1) <= 1 and max(ticks.values()) <= 2
