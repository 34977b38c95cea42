"""The quarter job (联合巡检清单): a quarter start missed while the scheduler was down is caught up exactly once, and
a forced re-run of its period changes nothing."""

from datetime import datetime

import sqlalchemy as sa

from correction.clock import LOCAL_TZ
from correction.db import db
from correction.models import Inspection, InspectionItem, Notification, RunStatus
from scheduler.registry import job_by_id
from scheduler.runs import owed, run_job


def local(year, month, day, hour=12, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LOCAL_TZ)


def state() -> tuple:
    lists = [(i.county_id, i.quarter, i.final, i.generated_at) for i in db.session.scalars(
        sa.select(Inspection).order_by(Inspection.county_id))]
    items = db.session.scalars(sa.select(InspectionItem.id).order_by(InspectionItem.id)).all()
    told = db.session.scalars(sa.select(Notification.user_id).where(Notification.kind == "inspection_list")
                              .order_by(Notification.user_id)).all()
    return lists, items, told


def test_a_missed_quarter_start_is_caught_up_exactly_once(app, world):
    job = job_by_id("quarterly_inspection")
    with app.app_context():
        # Down from 2026-12-30 to 2027-01-03: the 01-01 00:05 start is owed, and only it.
        (missed,) = owed(job, local(2027, 1, 3, 9))
        assert missed == local(2027, 1, 1, 0, 5)
        run = run_job(job, missed)
        assert run.status == RunStatus.succeeded, run.error
        assert (run.counts["counties"], run.counts["generated"], run.counts["notified"]) == (2, 2, 4)
        assert owed(job, local(2027, 1, 3, 9, 1)) == [] and owed(job, local(2027, 3, 31, 23)) == []
        assert owed(job, local(2027, 4, 2)) == [local(2027, 4, 1, 0, 5)]  # the next quarter's start
        lists, items, told = state()
        assert lists == [(world.units["county_a"], "2026Q4", True, missed),
                         (world.units["county_b"], "2026Q4", True, missed)]
        assert len(items) == run.counts["items"] > 0
        assert told == sorted(world.users[u] for u in ("county_a", "inspector_a", "county_b", "inspector_b"))
        assert run_job(job, missed) is None  # the period is done
        forced = run_job(job, missed, force=True)
        assert forced.counts == {"counties": 2, "generated": 0, "items": 0, "notified": 0}
        assert state() == (lists, items, told)
