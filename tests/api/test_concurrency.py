"""Two people acting on one record at once: one succeeds, the other gets 409; nothing is duplicated."""


import sqlalchemy as sa

from correction.db import db
from correction.errors import Conflict
from correction.models import Level, Subject, SubjectEvent, User
from correction.services import subjects
from tests.factories import intake_body
from tests.apps import race




def test_two_officers_reporting_in_at_once(app, world, frozen):
    url = f"/api/v1/subjects/{world.subjects['a1']}/report-in"
    responses = race(app, [lambda c, who=who: c.post(url, json={}, headers=world.h(who))
                           for who in ("officer_a1", "county_a")])
    assert sorted(r.status_code for r in responses) == [200, 409]
    with app.app_context():
        events = db.session.scalars(sa.select(SubjectEvent.kind).where(
            SubjectEvent.subject_id == world.subjects["a1"])).all()
    assert events.count("report_in") == 1


def test_the_same_idempotency_key_twice_at_once_creates_one(app, world):
    body = intake_body(world.units["office_a1"], 60)
    headers = {**world.h("officer_a1"), "Idempotency-Key": "double-tap"}
    responses = race(app, [lambda c: c.post("/api/v1/subjects", json=body, headers=headers)] * 2)
    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].get_json()["id"] == responses[1].get_json()["id"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Subject)) == 3


def test_a_stale_write_is_a_conflict(app, world, frozen):
    """The version column catches a lost update even when both writers read before either wrote."""
    with app.app_context():
        officer = db.session.get(User, world.users["officer_a1"])
        mine = db.session.get(Subject, world.subjects["a1"])
        assert mine.version == 1
        with app.app_context():  # another request, another session, commits first
            other = db.session.get(Subject, world.subjects["a1"])
            other.phone = "13911111111"
            db.session.commit()
        try:
            subjects.update_subject(officer, mine.id, as_of=frozen, reason="x", level=Level.strict)
        except Conflict as exc:
            assert exc.code == "concurrent_update"
        else:
            raise AssertionError("a stale update was accepted")
