"""The investigation-deadline and resettlement reminder jobs through the exactly-once runner: who is told, when
(working days before the deadline), and only once."""

import sqlalchemy as sa

from correction.db import db
from correction.models import Notification
from scheduler.registry import job_by_id
from scheduler.runs import run_job
from tests.apps import at
from tests.factories import add_resettlement_officers, investigation_body, notice_body
from tests.scheduler.test_jobs import local


def told(title: str) -> list[int]:
    return sorted(db.session.scalars(sa.select(Notification.user_id).where(Notification.title == title)))


def test_investigation_deadline_reminders(app, client, world):
    with at(2026, 11, 20):  # received on a Friday: due Friday 4 December (10 working days)
        created = client.post("/api/v1/investigations", headers=world.h("county_a"),
                              json=investigation_body(world.units["office_a1"], 5))
    assert created.get_json()["due_on"] == "2026-12-04"
    job = job_by_id("investigation_deadlines")
    with app.app_context():
        assert run_job(job, local(2026, 12, 1, 8)).counts == {"due_soon": 0, "overdue": 0}
        assert run_job(job, local(2026, 12, 2, 8)).counts == {"due_soon": 1, "overdue": 0}  # two working days before
        assert told("调查评估即将到期") == [world.users["officer_a1"]]  # the office holds the case
        assert run_job(job, local(2026, 12, 3, 8)).counts == {"due_soon": 0, "overdue": 0}
        assert run_job(job, local(2026, 12, 7, 8)).counts == {"due_soon": 0, "overdue": 1}
        assert told("调查评估已超期") == sorted([world.users["officer_a1"], world.users["county_a"]])
        assert run_job(job, local(2026, 12, 8, 8)).counts == {"due_soon": 0, "overdue": 0}


def test_resettlement_reminders_for_releases_and_contacts(app, client, world):
    add_resettlement_officers(app, world)
    office = world.units["office_a1"]
    with at(2026, 11, 20):
        coming = client.post("/api/v1/resettlement/persons", headers=world.h("resettle_a1"),
                             json=notice_body(office, 7, expected_release_on="2026-12-01")).get_json()
        contacted, silent = (client.post("/api/v1/resettlement/persons", headers=world.h("resettle_a1"),
                                         json=notice_body(office, serial, expected_release_on="2026-11-20")).get_json()
                             for serial in (8, 9))
        for person in (contacted, silent):
            client.post(f"/api/v1/resettlement/persons/{person['id']}/handover", headers=world.h("resettle_a1"), json={
                "released_on": "2026-11-20", "received_at": "2026-11-20T09:00:00+08:00", "received_by": "王某",
                "place": "监狱门口"})
    with at(2026, 12, 3):
        recorded = client.post(f"/api/v1/resettlement/persons/{contacted['id']}/records",
                               headers=world.h("resettle_a1"),
                               json={"kind": "contact", "occurred_on": "2026-12-03", "note": "上门走访"})
    assert recorded.status_code == 201 and coming["status"] == "awaiting_release"
    job = job_by_id("resettlement_reminders")
    with app.app_context():
        # November closes within 7 days: neither released person has had a contact in it yet.
        assert run_job(job, local(2026, 11, 25, 8, 15)).counts == {"handover": 0, "contact": 2}
        assert run_job(job, local(2026, 11, 26, 8, 15)).counts == {"handover": 1, "contact": 0}  # 3 working days
        assert told("刑满释放人员即将出狱") == [world.users["resettle_a1"]]  # the role only, not officer_a1
        assert run_job(job, local(2026, 12, 23, 8, 15)).counts == {"handover": 0, "contact": 0}
        assert run_job(job, local(2026, 12, 24, 8, 15)).counts == {"handover": 0, "contact": 1}  # 重点: monthly
        assert told("帮教走访提醒") == [world.users["resettle_a1"]] * 3  # two for November, one for December
        assert run_job(job, local(2026, 12, 25, 8, 15)).counts == {"handover": 0, "contact": 0}
