"""Resettlement (安置帮教): handovers on time and late, people moved in from community correction, assistance rather
than supervision, the register closed to officers without the resettlement role, risk notes, figures, export."""

import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from correction.db import db
from correction.models import Alert, AuditEntry
from scheduler.registry import job_by_id
from scheduler.runs import run_job
from tests.apps import at
from tests.factories import add_resettlement_officers, notice_body, supervisee_headers
from tests.scheduler.test_jobs import local

PERSONS = "/api/v1/resettlement/persons"


@pytest.fixture
def staff(app, world):
    add_resettlement_officers(app, world)
    return world


def notice(client, world, serial=7, who="resettle_a1", **overrides):
    response = client.post(PERSONS, json=notice_body(world.units["office_a1"], serial, **overrides),
                           headers=world.h(who))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def handover(client, world, person_id, released_on, received_at, who="resettle_a1"):
    return client.post(f"{PERSONS}/{person_id}/handover", headers=world.h(who), json={
        "released_on": released_on, "received_at": received_at, "received_by": "司法所干警王某、家属",
        "place": "大连监狱大门"})


def released_from_correction(client, world) -> int:
    """a1 reports in on 11-23 and is pardoned (赦免, a 解除) on 11-26."""
    with at(2026, 11, 23):
        client.post(f"/api/v1/subjects/{world.subjects['a1']}/report-in", json={}, headers=world.h("officer_a1"))
    with at(2026, 11, 26):
        released = client.post(f"/api/v1/subjects/{world.subjects['a1']}/release", headers=world.h("officer_a1"),
                               json={"date": "2026-11-26", "type": "pardon", "note": "特赦"})
    assert released.status_code == 200, released.get_json()
    return world.subjects["a1"]


def test_a_handover_on_time_and_one_late(client, world, staff, frozen):
    first = notice(client, world, 7, expected_release_on="2026-11-25")
    second = notice(client, world, 8, key_case=False, out_of_province=True, expected_release_on="2026-11-24")
    assert first["status"] == "awaiting_release" and first["category"] == "key"
    assert second["category"] == "general"
    on_time = handover(client, world, first["id"], "2026-11-25", "2026-11-25T10:30:00+08:00")
    late = handover(client, world, second["id"], "2026-11-24", "2026-11-26T09:00:00+08:00")
    assert on_time.status_code == late.status_code == 200, (on_time.get_json(), late.get_json())
    assert on_time.get_json()["handover"]["on_time"] is True and late.get_json()["handover"]["on_time"] is False
    assert on_time.get_json()["status"] == "in_assistance" and on_time.get_json()["period_end"] == "2031-11-24"
    again = handover(client, world, first["id"], "2026-11-25", "2026-11-25T10:30:00+08:00")
    assert again.status_code == 409
    third = notice(client, world, 9)
    assert handover(client, world, third["id"], "2026-11-26", "2026-11-25T09:00:00+08:00").status_code == 422
    figures = client.get("/api/v1/stats", query_string={"from": "2026-11-01", "to": "2026-11-30"},
                         headers=world.h("county_a")).get_json()["resettlement"]
    assert (figures["notices"], figures["releases"], figures["handovers"], figures["handovers_on_time"]) == (3, 2, 2, 1)
    assert figures["handovers_out_of_province"] == 1 and figures["handover_rate"] == 0.5
    assert figures["in_period_by_category"] == {"key": 1, "general": 1}


def test_a_person_released_from_community_correction_enters_the_register(app, client, world, staff):
    subject_id = released_from_correction(client, world)
    with at(2026, 11, 26):
        found = client.get(PERSONS, query_string={"current": "true"}, headers=world.h("resettle_a1")).get_json()
        file = client.get(f"/api/v1/subjects/{subject_id}", headers=world.h("officer_a1")).get_json()
        trail = client.get(f"/api/v1/subjects/{subject_id}/audit", headers=world.h("inspector_a")).get_json()
        figures = client.get("/api/v1/stats", query_string={"from": "2026-11-01", "to": "2026-11-30"},
                             headers=world.h("officer_a1")).get_json()["resettlement"]
    assert found["total"] == 1
    person = found["items"][0]
    assert (person["subject_id"], person["source"]) == (subject_id, "correction_ended")
    assert person["status"] == "in_assistance"
    assert (person["released_on"], person["period_end"], person["category"]) == ("2026-11-26", "2031-11-25", "general")
    assert person["name"] == file["name"] and person["id_number"] == file["id_number"]
    assert file["status"] == "released" and "assist" not in str(file)  # the file shows nothing of the register
    assert all(entry["record_type"] != "assisted_persons" for entry in trail["items"])
    assert figures["moved_from_correction"] == 1 and figures["in_period_at_end"] == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.record_type == "assisted_persons")) == 1


def test_a_termination_does_not_move_anyone(client, world, staff, frozen):
    client.post(f"/api/v1/subjects/{world.subjects['a1']}/release", headers=world.h("officer_a1"),
                json={"date": "2026-11-26", "type": "death"})
    assert client.get(PERSONS, headers=world.h("resettle_a")).get_json()["total"] == 0


def test_assistance_is_not_supervision(app, client, world, staff):
    supervisee = supervisee_headers(client, world)
    subject_id = released_from_correction(client, world)
    with at(2026, 11, 27):
        spot = client.post(f"/api/v1/subjects/{subject_id}/spot-checks", headers=world.h("officer_a1"))
        fix = client.post("/api/v1/me/checkins", headers=supervisee, json={
            "lat": 39.05, "lng": 121.72, "coord_type": "wgs84", "accuracy_m": 20,
            "captured_at": "2026-11-27T10:00:00+08:00"})
        no_consent = client.get("/api/v1/me/assistance", headers=supervisee)
        person = client.get(PERSONS, headers=world.h("resettle_a1")).get_json()["items"][0]
        client.post(f"{PERSONS}/{person['id']}/consent", json={"given": True, "on": "2026-11-27"},
                    headers=world.h("resettle_a1"))
        mine = client.get("/api/v1/me/assistance", headers=supervisee)
    assert spot.status_code == 409 and spot.get_json()["error"]["code"] == "subject_closed"
    assert fix.status_code == 409 and fix.get_json()["error"]["code"] == "subject_closed"
    assert no_consent.status_code == 403 and no_consent.get_json()["error"]["code"] == "consent_required"
    assert mine.status_code == 200 and mine.get_json()["period_end"] == "2031-11-25"
    with app.app_context():
        for job_id, when in (("overdue_alerts", local(2026, 12, 20, 0, 30)),
                             ("missed_checkins", local(2026, 12, 20, 0, 45)),
                             ("location_signals", local(2026, 12, 20, 9, 5))):
            assert run_job(job_by_id(job_id), when).status == "succeeded", job_id
        alerted = set(db.session.scalars(sa.select(Alert.subject_id)))
        assert world.subjects["b1"] in alerted and subject_id not in alerted  # b1 never reported in


@pytest.mark.parametrize("who", ["officer_a1", "county_a", "inspector_a", "admin"])
def test_an_officer_without_the_resettlement_role_cannot_read_the_register(client, world, staff, frozen, who):
    person = notice(client, world)
    one = f"{PERSONS}/{person['id']}"
    for url in (PERSONS, one, f"{one}/records", f"{one}/risks", "/api/v1/resettlement/export"):
        response = client.get(url, headers=world.h(who))
        assert response.status_code == 403, (who, url)
        assert response.get_json()["error"]["code"] in ("resettlement_role_required", "forbidden")
    assert client.get(PERSONS, headers=world.h("resettle_a")).get_json()["total"] == 1
    assert client.get(PERSONS, headers=world.h("resettle_b1")).get_json()["total"] == 0


def test_risk_notes_put_a_person_on_the_joint_action_list(client, world, staff, frozen):
    person = notice(client, world, expected_release_on="2026-11-25")
    handover(client, world, person["id"], "2026-11-25", "2026-11-25T10:00:00+08:00")
    risk = client.post(f"{PERSONS}/{person['id']}/risks", headers=world.h("resettle_a1"),
                       json={"kind": "address_unknown", "note": "电话停机，家属不知去向", "noted_on": "2026-11-26"})
    assert risk.status_code == 201

    def joint(flag):
        return client.get(PERSONS, query_string={"joint_action": flag}, headers=world.h("resettle_a")).get_json()

    assert [p["id"] for p in joint("true")["items"]] == [person["id"]] and joint("false")["total"] == 0
    resolved = client.post(f"{PERSONS}/{person['id']}/risks/{risk.get_json()['id']}/resolve",
                           headers=world.h("resettle_a1"), json={"resolved_on": "2026-11-26", "resolution": "已找到"})
    assert resolved.status_code == 200 and joint("true")["total"] == 0
    placed = client.post(f"{PERSONS}/{person['id']}/records", headers=world.h("resettle_a1"),
                         json={"kind": "base_placement", "occurred_on": "2026-11-26", "note": "安置就业"})
    assert placed.status_code == 422 and "base_name" in placed.get_json()["error"]["fields"]


def test_the_register_export(client, world, staff, frozen):
    person = notice(client, world, expected_release_on="2026-11-25")
    handover(client, world, person["id"], "2026-11-25", "2026-11-25T10:00:00+08:00")
    response = client.get("/api/v1/resettlement/export", headers=world.h("resettle_a"))
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.get_data())).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("序号", "姓名", "身份证号", "来源", "类别")
    assert rows[1][3:6] == ("刑满释放", "重点", "司法所A1") and rows[1][10] == "是" and "*" in rows[1][2]
