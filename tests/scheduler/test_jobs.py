"""Every job of the registry, called at chosen instants through the exactly-once runner: its effect, and that a
second (forced) run for the same period changes nothing."""

from datetime import datetime

import sqlalchemy as sa

from correction.clock import LOCAL_TZ
from correction.db import db
from correction.models import (
    Alert, Delivery, JobRun, LocationSignal, Notification, RunStatus, SpotCheck, User,
)
from scheduler.registry import JOBS, job_by_id
from scheduler.runs import fire_times, run_job
from tests.apps import at
from tests.factories import supervisee_headers

TABLES = (Alert, Notification, LocationSignal, SpotCheck, Delivery)


def local(year, month, day, hour=12, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LOCAL_TZ)


def counts() -> dict:
    return {model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in TABLES}


def a_county_with_history(client, world) -> int:
    """a1 reported in on 11-23, bound the mini-program and had a trip approved in November; b1 never reported in."""
    with at(2026, 11, 23):
        client.post(f"/api/v1/subjects/{world.subjects['a1']}/report-in", json={}, headers=world.h("officer_a1"))
    headers = supervisee_headers(client, world)
    with at(2026, 11, 26):
        asked = client.post("/api/v1/me/leave-requests", headers=headers, json={
            "destinations": [{"city_code": "210100", "city_name": "沈阳市"}], "start_date": "2026-12-01",
            "end_date": "2026-12-03", "reason_type": "family", "reason": "探望父母。"}).get_json()
        client.post(f"/api/v1/leave-requests/{asked['id']}/approve", json={"opinion": "同意"},
                    headers=world.h("officer_a1"))
    return asked["id"]


def test_every_job_runs_once_per_period_and_a_rerun_adds_nothing(app, client, world):
    a_county_with_history(client, world)
    when = local(2026, 12, 10, 9, 0)  # a1's trip ended on 12-03 without a return; b1's report-in long overdue
    with app.app_context():
        for job in JOBS:
            fire = fire_times(job, when - job.window, when)[-1]  # the job's latest fire by then
            first = run_job(job, fire)
            assert first.status == RunStatus.succeeded, (job.id, first.error)
            before = counts()
            assert run_job(job, fire) is None  # the period is done
            again = run_job(job, fire, force=True)
            assert again.status == RunStatus.succeeded and again.attempts == 2, job.id
            assert counts() == before, f"{job.id} duplicated something on a re-run"
        kinds = set(db.session.scalars(sa.select(Alert.type)))
        runs = db.session.scalar(sa.select(sa.func.count()).select_from(JobRun))
    assert {"not_reported_in", "late_return"} <= {str(kind) for kind in kinds}
    assert runs == len(JOBS)


def test_the_monthly_leave_list_reaches_the_county_procuratorate_once(app, client, world):
    a_county_with_history(client, world)
    job = job_by_id("monthly_leave_list")
    with app.app_context():
        run = run_job(job, local(2026, 12, 1, 1, 0))
        assert run.counts == {"counties": 2, "sent": 2, "no_inspector": 0}, run.counts
        inspector_a = db.session.get(User, world.users["inspector_a"])
        (message,) = db.session.scalars(sa.select(Notification).where(Notification.user_id == inspector_a.id))
        assert message.title == "2026年11月外出审批情况" and "批准外出1人次" in message.body
        assert message.link == "/api/v1/leave-requests/monthly?month=2026-11"
        link = message.link
        other = db.session.scalars(sa.select(Notification).where(
            Notification.user_id == world.users["inspector_b"])).all()
        assert [m.data["approved"] for m in other] == [0]  # county B's own (empty) list
        run_job(job, local(2026, 12, 1, 1, 0), force=True)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
            Notification.kind == "leave_monthly_list")) == 2
    listed = client.get(link, headers=world.h("inspector_a"))
    assert listed.status_code == 200 and len(listed.get_json()) == 1
