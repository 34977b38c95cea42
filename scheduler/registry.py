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
QUARTERLY = {"window": timedelta(days=93)}  # longer than the longest quarter (92 days): a missed start is caught up

JOBS: tuple[Job, ...] = (
    Job("overdue_alerts", jobs.overdue_alerts, {"hour": 0, "minute": 30},
        "未报到、未按时报告、时长不足: alerts from the overdue query", **DAILY),
    Job("late_returns", jobs.late_returns, {"minute": 10}, "未按时销假: trips not closed by their end date", **HOURLY),
    Job("fast_track_deadlines", jobs.fast_track_deadlines, {"minute": "*/10"},
        "审批超时: fast-track requests past their decision deadline", **FREQUENT),
    Job("relocation_deadlines", jobs.relocation_deadlines, {"hour": 1, "minute": 0},
        "变更执行地 steps past their deadlines", **DAILY),
    Job("location_signals", jobs.location_signals, {"minute": "*/5"},
        "越界、未点验、疑似人机分离: missed spot checks, then alerts from check-in signals", **FREQUENT),
    Job("missed_checkins", jobs.missed_checkins, {"hour": 0, "minute": 45},
        "未签到: required check-in periods without a fix", **DAILY),
    Job("spot_check_draw", jobs.spot_check_draw, {"hour": 8, "minute": 30}, "随机点验: the day's random draw",
        window=timedelta(days=1)),
    Job("report_reminders", jobs.report_reminders, {"minute": 0},
        "reminders to supervisees before a report window closes", **HOURLY),
    Job("term_ending", jobs.term_ending, {"hour": 9, "minute": 0}, "解矫 preparation: terms ending within a month",
        **DAILY),
    Job("investigation_deadlines", jobs.investigation_deadlines, {"hour": 8, "minute": 0},
        "调查评估: deadlines within two working days, and past them", **DAILY),
    Job("resettlement_reminders", jobs.resettlement_reminders, {"hour": 8, "minute": 15},
        "安置帮教: releases coming up, contacts due by category", **DAILY),
    Job("monthly_leave_list", jobs.monthly_leave_list, {"day": 1, "hour": 1, "minute": 0},
        "the month's approved leave, to the procuratorate", **MONTHLY),
    Job("quarterly_inspection", jobs.quarterly_inspection, {"month": "1,4,7,10", "day": 1, "hour": 0, "minute": 5},
        "联合巡检: every county's final inspection list of the quarter that ended", **QUARTERLY),
    Job("location_retention", jobs.location_retention, {"hour": 3, "minute": 0},
        "raw location deleted after the retention period", window=timedelta(days=2)),
    Job("checkin_partitions", jobs.checkin_partitions, {"hour": 2, "minute": 40},
        "check-in partitions of this month and the next three (PostgreSQL)", window=timedelta(days=2)),
    Job("photo_retention", jobs.photo_retention, {"hour": 3, "minute": 30},
        "photos never attached deleted after the retention period", window=timedelta(days=2)),
    Job("deliveries", jobs.deliveries, {"minute": "*"}, "retry Web Push and WeChat deliveries that are due",
        **FREQUENT),
)


def job_by_id(job_id: str, registry: tuple[Job, ...] = JOBS) -> Job:
    """:raises KeyError: no such job."""
    for job in registry:
        if job.id == job_id:
            return job
    raise KeyError(job_id)
