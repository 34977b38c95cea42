"""随机点验 and the check-ins a supervisee owes: an officer's spot check answered by a fix, a missed one, scope,
and /me/obligations with the required check-in and open spot checks."""

import pytest
import sqlalchemy as sa

from correction.db import db
from correction.models import LocationSignal, SpotCheck
from correction.services import spot_checks
from tests.apps import at
from tests.locations import XINGHAI, fence_county_a, fix, local, reported_and_bound


@pytest.fixture
def me(app, client, world):
    fence_county_a(app, world)
    headers = reported_and_bound(client, world)
    with at(2026, 11, 26):
        yield headers


def ask(client, world, who="officer_a1", key="a1"):
    return client.post(f"/api/v1/subjects/{world.subjects[key]}/spot-checks", headers=world.h(who))


def test_a_spot_check_is_answered_by_a_fix_within_its_window(app, client, world, me):
    created = ask(client, world)
    body = created.get_json()
    assert created.status_code == 201, body
    assert (body["status"], body["drawn"], body["respond_by"]) == ("pending", False, "2026-11-26T04:30:00+00:00")
    again = ask(client, world, "county_a")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "spot_check_open"
    assert [s["id"] for s in client.get("/api/v1/me/spot-checks", headers=me).get_json()] == [body["id"]]
    with at(2026, 11, 26, 12, 20):
        early = client.post("/api/v1/me/checkins", json=fix(captured=local(2026, 11, 26, 11, 50)), headers=me)
        assert early.get_json()["spot_check_id"] is None  # captured before it was asked
        answer = client.post("/api/v1/me/checkins", json=fix(XINGHAI, local(2026, 11, 26, 12, 19)), headers=me)
        assert answer.get_json()["spot_check_id"] == body["id"]  # answered whatever the verdict
        assert client.get("/api/v1/me/spot-checks", headers=me).get_json() == []
        later = client.post("/api/v1/me/checkins", json=fix(XINGHAI, local(2026, 11, 26, 12, 20)), headers=me)
        assert later.get_json()["spot_check_id"] is None
    with app.app_context():
        spot_check = db.session.get(SpotCheck, body["id"])
        assert spot_check.status == "answered" and spot_check.answered_at.isoformat() == "2026-11-26T04:20:00+00:00"
        assert spot_checks.expire_spot_checks(local(2026, 11, 26, 13)) == []


def test_a_fix_after_the_window_does_not_answer_and_the_spot_check_is_missed(app, client, world, me):
    spot_id = ask(client, world).get_json()["id"]
    with at(2026, 11, 26, 12, 31):
        late = client.post("/api/v1/me/checkins", json=fix(captured=local(2026, 11, 26, 12, 29)), headers=me)
        assert late.get_json()["spot_check_id"] is None  # received after the deadline
    with app.app_context():
        assert spot_checks.expire_spot_checks(local(2026, 11, 26, 12, 30)) == []  # not over yet
        assert len(spot_checks.expire_spot_checks(local(2026, 11, 26, 12, 31))) == 1
        assert spot_checks.expire_spot_checks(local(2026, 11, 26, 12, 32)) == []
        assert db.session.get(SpotCheck, spot_id).status == "missed"
        signal, = db.session.scalars(sa.select(LocationSignal)).all()
        assert (signal.kind, signal.spot_check_id, signal.evidence["drawn"]) == ("missed_spot_check", spot_id, False)
    listed = client.get("/api/v1/location-signals", query_string={"subject_id": world.subjects["a1"]},
                        headers=world.h("inspector_a")).get_json()
    assert [s["kind"] for s in listed["items"]] == ["missed_spot_check"]


def test_spot_check_scope(client, world, me):
    assert ask(client, world, "officer_b1").status_code == 404
    assert ask(client, world, "officer_a2").status_code == 404
    denied = ask(client, world, "inspector_a")
    assert denied.status_code == 403 and denied.get_json()["error"]["code"] == "read_only"
    assert client.get("/api/v1/me/spot-checks", headers=world.h("officer_a1")).status_code == 403


def test_a_closed_file_gets_no_spot_check(client, world, me):
    client.post(f"/api/v1/subjects/{world.subjects['a1']}/release", json={"date": "2026-11-26", "type": "death"},
                headers=world.h("officer_a1"))
    response = ask(client, world)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "subject_closed"


def test_my_obligations_show_the_required_check_in_and_open_spot_checks(client, world, me):
    def checkin_items():
        items = client.get("/api/v1/me/obligations", headers=me).get_json()
        return [i for i in items if i["kind"] in ("checkin", "spot_check")]

    # A new intake is 严管: one check-in a day; yesterday's is closed (the grace ended at 02:00).
    assert checkin_items() == [{
        "kind": "checkin", "due": "2026-11-26", "due_at": "2026-11-26T18:00:00+00:00", "status": "open",
        "period_start": "2026-11-26", "period_end": "2026-11-26", "report_id": None, "required_hours": None,
        "done_hours": None, "spot_check_id": None}]
    client.post("/api/v1/me/checkins", json=fix(), headers=me)
    spot_id = ask(client, world).get_json()["id"]
    items = checkin_items()
    assert [(i["kind"], i["status"]) for i in items] == [("checkin", "fulfilled"), ("spot_check", "open")]
    assert (items[1]["spot_check_id"], items[1]["due_at"]) == (spot_id, "2026-11-26T04:30:00+00:00")
    with at(2026, 11, 27, 1):  # in the grace hours, yesterday's period is still shown
        assert [(i["period_start"], i["status"]) for i in checkin_items()] == [
            ("2026-11-26", "fulfilled"), ("2026-11-27", "open")]
