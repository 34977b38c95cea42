"""A job registry for the process tests: one job firing every second whose body logs each execution.

The body writes one row per execution into `test_ticks` (created by the test, dropped after it), so the test
counts executions per period independently of the job-run table.
"""

import os
from datetime import datetime, timedelta

import sqlalchemy as sa

from correction.clock import LOCAL_TZ
from correction.db import db
from scheduler.registry import Job


def tick(at: datetime) -> dict:
    db.session.execute(sa.text("INSERT INTO test_ticks (period, pid) VALUES (:period, :pid)"),
                       {"period": at.astimezone(LOCAL_TZ).strftime("%H:%M:%S"), "pid": os.getpid()})
    return {"ticks": 1}


JOBS = (Job("tick", tick, {"second": "*"}, "test: every second", catch_up=30, window=timedelta(seconds=30),
            period_format="%H:%M:%S"),)
