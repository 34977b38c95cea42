"""The scheduler process: APScheduler 3.x `BlockingScheduler` in Asia/Shanghai, one leader at a time.

Every process renews or tries to take the leader lease on a short interval; only the leader runs jobs. On each
fire, and when a process becomes leader, it runs every period its jobs owe (`runs.owed`): so downtime, a crash
mid-job or a handover between processes loses no period, and the job-run claim keeps any period from running
twice. Each run gets its own app context (APScheduler runs jobs in executor threads).
"""

import argparse
import importlib
import logging
import os
import signal
import threading

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from correction import clock
from correction.clock import LOCAL_TZ
from correction.components import components
from correction.factory import create_app
from scheduler import lease
from scheduler.registry import JOBS, Job
from scheduler.runs import RUNNER, owed, run_job

log = logging.getLogger("sqjz.scheduler")
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}


class Leader:
    """This process's view of the lease, renewed by `beat` and read by every job fire."""

    def __init__(self, app: Flask, registry: tuple[Job, ...], seconds: int):
        self.app, self.registry, self.seconds = app, registry, seconds
        self.held = False
        self._lock = threading.Lock()

    def beat(self) -> None:
        with self.app.app_context():
            held = lease.acquire(RUNNER, clock.now(), self.seconds)
        with self._lock:
            became, lost = held and not self.held, self.held and not held
            self.held = held
        if lost:
            log.warning("lost the leader lease; standing by")
        if became:
            log.info("took the leader lease as %s; catching up", RUNNER)
            for job in self.registry:
                self.tick(job)

    def tick(self, job: Job) -> None:
        """Run every period `job` owes, if this process leads."""
        if not self.held:
            return
        with self.app.app_context():
            for at in owed(job, clock.now()):
                run_job(job, at)

    def resign(self) -> None:
        with self.app.app_context():
            lease.release(RUNNER)
        self.held = False


def load_registry(path: str | None) -> tuple[Job, ...]:
    """The job registry, or another one named `module:attribute` (an operator's or a test's)."""
    if path is None:
        return JOBS
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute or "JOBS")


def build(app: Flask, registry: tuple[Job, ...], lease_seconds: int) -> tuple[BlockingScheduler, Leader]:
    leader = Leader(app, registry, lease_seconds)
    scheduler = BlockingScheduler(timezone=LOCAL_TZ, job_defaults=JOB_DEFAULTS)
    scheduler.add_job(leader.beat, IntervalTrigger(seconds=max(1, lease_seconds // 3), timezone=LOCAL_TZ),
                      id="_lease", next_run_time=clock.now())
    for job in registry:
        scheduler.add_job(leader.tick, job.trigger, args=[job], id=job.id, name=job.description)
    return scheduler, leader


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scheduler", description="Run the sqjz job scheduler.")
    parser.add_argument("--config", default=None, help="settings name (default: $SQJZ_CONFIG or development)")
    parser.add_argument("--registry", default=None,
                        help="job registry as module:attribute (default: scheduler.registry:JOBS)")
    parser.add_argument("--lease-seconds", type=int, default=None,
                        help="leader lease length (default: rule scheduler.lease_seconds)")
    args = parser.parse_args(argv)
    app = create_app(args.config or os.environ.get("SQJZ_CONFIG", "development"))
    with app.app_context():
        seconds = args.lease_seconds or components().rules["scheduler.lease_seconds"]
    registry = load_registry(args.registry)
    scheduler, leader = build(app, registry, seconds)

    def stop(signum, _frame):
        log.info("signal %d: stopping", signum)
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("scheduler %s: %d jobs, lease %d s", RUNNER, len(registry), seconds)
    try:
        scheduler.start()
    finally:
        if leader.held:
            leader.resign()
        log.info("scheduler %s stopped", RUNNER)
