"""The one place schedules are declared: each job's id, function, cron trigger, period and catch-up depth.

A job function takes the instant it acts as of (the scheduled fire time, never the wall clock) and returns a
dict of counts for the job-run table. Cron fields are Asia/Shanghai wall-clock times; `day_of_week` is always
written with names (tech-notes §2.4: APScheduler counts numeric days from Monday = 0).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger

from correction.clock import LOCAL_TZ
from scheduler import jobs


@dataclass(frozen=True)
class Job:
    id: str
    func: Callable[[datetime], dict]
    cron: dict                 # CronTrigger fields, e.g. {"hour": 9, "minute": 0}
    description: str
    catch_up: int = 1          # after downtime, run at most this many of the most recent missed periods
    window: timedelta = timedelta(hours=2)  # how far back to look for them (longer than the job's interval)
    period_format: str = "%Y-%m-%dT%H:%M"   # a fire time's period key, in Asia/Shanghai
    trigger: CronTrigger = field(init=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "trigger", CronTrigger(timezone=LOCAL_TZ, **self.cron))

    def period(self, fire_time: datetime) -> str:
        """The period a fire time stands for: the fire time itself in Asia/Shanghai (to the minute by default)."""
        return fire_time.astimezone(LOCAL_TZ).strftime(self.period_format)


DAILY_CATCH_UP = 7  # days of daily runs made up after downtime
DAILY = {"catch_up": DAILY_CATCH_UP, "window": timedelta(days=DAILY_CATCH_UP + 1)}
HOURLY = {"window": timedelta(hours=2)}
FREQUENT = {"window": timedelta(minutes=30)}
MONTHLY = {"window": timedelta(days=32)}

JOBS: tuple[Job, ...] = (
    Job("missed_checkins", jobs.missed_checkins, {"hour": 0, "minute": 45},
        "未签到: required check-in periods without a fix", **DAILY),
    Job("spot_check_draw", jobs.spot_check_draw, {"hour": 8, "minute": 30}, "随机点验: the day's random draw",
        window=timedelta(days=1)),
    Job("spot_check_expiry", jobs.spot_check_expiry, {"minute": "*/5"},
        "未点验: spot checks whose response window closed", **FREQUENT),
    Job("location_retention", jobs.location_retention, {"hour": 3, "minute": 0},
        "raw location deleted after the retention period", window=timedelta(days=2)),
)


def job_by_id(job_id: str, registry: tuple[Job, ...] = JOBS) -> Job:
    """:raises KeyError: no such job."""
    for job in registry:
        if job.id == job_id:
            return job
    raise KeyError(job_id)
