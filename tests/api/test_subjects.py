"""The subject registry through the API: intake → report-in → level change → release, with dated history."""

from datetime import UTC, datetime

import pytest

from correction import clock
from tests.factories import id_number, intake_body

SUBJECTS = "/api/v1/subjects"


def test_intake_registers_an_awaiting_subject_with_a_masked_id(client, world, frozen):
    body = intake_body(world.units["office_a1"], 7, enterprise_role={
        "enterprise_name": "大连某机械有限公司", "credit_code": "91210213MA0XXXXX1B", "role": "legal_representative"})
    response = client.post(SUBJECTS, json=body, headers=world.h("officer_a1"))
    assert response.status_code == 201, response.get_json()
    subject = response.get_json()
    assert subject["status"] == "awaiting_report"
    assert subject["id_number"] == body["id_number"][:3] + "*" * 11 + body["id_number"][-4:]
    assert subject["report_in_due"] == "2026-11-30"  # effective 2026-11-20 + 10 days (law art 21)
    assert subject["office"] == {"id": world.units["office_a1"], "name": "司法所A1"}
    assert subject["county"]["id"] == world.units["county_a"]
    assert subject["enterprise_role"]["role"] == "legal_representative"


def test_temporary_release_uses_the_delivery_deadline(client, world):
    body = intake_body(world.units["office_a1"], 8, category="temporary_release", term_end="2027-05-19")
    response = client.post(SUBJECTS, json=body, headers=world.h("county_a"))
    assert response.status_code == 201 and response.get_json()["report_in_due"] == "2026-11-30"


def test_an_office_officer_cannot_take_in_for_another_office(client, world):
    response = client.post(SUBJECTS, json=intake_body(world.units["office_a2"], 9), headers=world.h("officer_a1"))
    assert response.status_code == 422
    assert "office_id" in response.get_json()["error"]["fields"]


def test_full_lifecycle_with_history(client, world, frozen):
    a1, officer, county = world.subjects["a1"], world.h("officer_a1"), world.h("county_a")
    reported = client.post(f"{SUBJECTS}/{a1}/report-in", json={"date": "2026-11-25"}, headers=officer)
    assert reported.status_code == 200 and reported.get_json()["status"] == "under_correction"
    assert client.post(f"{SUBJECTS}/{a1}/report-in", json={}, headers=officer).get_json()["error"]["code"] == \
        "already_reported"

    changed = client.patch(f"{SUBJECTS}/{a1}", headers=officer, json={
        "level": "strict", "level_effective_on": "2026-11-25", "reason": "入矫初期从严管理"})
    assert changed.status_code == 200 and changed.get_json()["level"] == "strict"
    future = client.patch(f"{SUBJECTS}/{a1}", headers=officer, json={
        "level": "lenient", "level_effective_on": "2026-12-01", "reason": "x"})
    assert future.status_code == 422 and "level_effective_on" in future.get_json()["error"]["fields"]

    moved = client.patch(f"{SUBJECTS}/{a1}", headers=county, json={"office_id": world.units["office_a2"],
                                                                    "reason": "居住地在本县内变动"})
    assert moved.status_code == 200 and moved.get_json()["office"]["id"] == world.units["office_a2"]

    early = client.post(f"{SUBJECTS}/{a1}/release", json={"date": "2026-11-26", "type": "expiry"}, headers=county)
    assert early.status_code == 422  # the term runs to 2028-11-19
    released = client.post(f"{SUBJECTS}/{a1}/release", headers=county,
                           json={"date": "2026-11-26", "type": "pardon", "note": "特赦"})
    assert released.status_code == 200
    body = released.get_json()
    assert (body["status"], body["ended_on"], body["end_type"]) == ("released", "2026-11-26", "pardon")
    closed = client.patch(f"{SUBJECTS}/{a1}", headers=county, json={"phone": "13900000000", "reason": "x"})
    assert closed.status_code == 409 and closed.get_json()["error"]["code"] == "subject_closed"

    history = client.get(f"{SUBJECTS}/{a1}/history", headers=world.h("inspector_a")).get_json()
    steps = [(e["kind"], e["from_value"], e["to_value"], e["effective_on"]) for e in history]
    assert steps == [
        ("intake", None, "awaiting_report", history[0]["effective_on"]),
        ("level_change", None, "ordinary", history[1]["effective_on"]),
        ("report_in", "awaiting_report", "under_correction", "2026-11-25"),
        ("level_change", "ordinary", "strict", "2026-11-25"),
        ("reassignment", f"office:{world.units['office_a1']}", f"office:{world.units['office_a2']}", "2026-11-26"),
        ("release", "under_correction", "released", "2026-11-26"),
    ]
    assert history[3]["reason"] == "入矫初期从严管理" and history[3]["actor"]["id"] == world.users["officer_a1"]
    assert history[5]["actor"]["id"] == world.users["county_a"]


def test_late_report_in_is_recorded_as_late(client, world):
    with clock.frozen(datetime(2026, 12, 5, 2, 0, tzinfo=UTC)):
        response = client.post(f"{SUBJECTS}/{world.subjects['a1']}/report-in", json={}, headers=world.h("officer_a1"))
        assert response.get_json()["reported_in_on"] == "2026-12-05"
        events = client.get(f"{SUBJECTS}/{world.subjects['a1']}/history", headers=world.h("officer_a1")).get_json()
    assert events[-1]["kind"] == "report_in" and events[-1]["reason"] == "逾期报到"


def test_termination_before_report_in_and_reintake_afterwards(client, world, frozen):
    a1 = world.subjects["a1"]
    released = client.post(f"{SUBJECTS}/{a1}/release", json={"date": "2026-11-26", "type": "expiry"},
                           headers=world.h("officer_a1"))
    assert released.status_code == 409 and released.get_json()["error"]["code"] == "not_under_correction"
    died = client.post(f"{SUBJECTS}/{a1}/release", json={"date": "2026-11-25", "type": "death"},
                       headers=world.h("officer_a1"))
    assert died.status_code == 200 and died.get_json()["status"] == "terminated"
    again = client.post(f"{SUBJECTS}/{a1}/release", json={"date": "2026-11-25", "type": "other"},
                        headers=world.h("officer_a1"))
    assert again.status_code == 409
    # The person may be received again later (a new file); only two open files at once are refused.
    reintake = client.post(SUBJECTS, json=intake_body(world.units["office_a1"], 1), headers=world.h("officer_a1"))
    assert reintake.status_code == 201 and reintake.get_json()["id"] != a1


def test_enterprise_role_can_be_added_and_removed(client, world):
    a1, officer = world.subjects["a1"], world.h("officer_a1")
    role = {"enterprise_name": "大连某贸易有限公司", "credit_code": "91210213MA0XXXXX2C", "role": "manager"}
    added = client.patch(f"{SUBJECTS}/{a1}", headers=officer, json={"enterprise_role": role, "reason": "核实任职"})
    assert added.get_json()["enterprise_role"] == role
    removed = client.patch(f"{SUBJECTS}/{a1}", headers=officer, json={"enterprise_role": None, "reason": "离职"})
    assert removed.get_json()["enterprise_role"] is None


def test_patch_needs_something_to_change(client, world):
    response = client.patch(f"{SUBJECTS}/{world.subjects['a1']}", headers=world.h("officer_a1"), json={"reason": "x"})
    assert response.status_code == 422 and "_schema" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("query, expected", [
    ({"status": "awaiting_report"}, {"对象A1", "甲"}), ({"level": "strict"}, {"甲"}), ({"q": "甲"}, {"甲"}),
    ({"q": id_number(serial=31)}, {"甲"}), ({"category": "parole"}, set()),
])
def test_list_filters(client, world, query, expected):
    body = intake_body(world.units["office_a1"], 31, name="甲", level="strict")
    body["id_number"] = id_number(serial=31)
    body["birth_date"] = "1990-05-17"
    assert client.post(SUBJECTS, json=body, headers=world.h("officer_a1")).status_code == 201
    page = client.get(SUBJECTS, query_string=query, headers=world.h("county_a")).get_json()
    assert {s["name"] for s in page["items"]} == expected and page["total"] == len(expected)


def test_pagination(client, world):
    for serial in range(40, 45):
        client.post(SUBJECTS, json=intake_body(world.units["office_a2"], serial), headers=world.h("officer_a2"))
    page = client.get(SUBJECTS, query_string={"page": 2, "per_page": 2}, headers=world.h("officer_a2")).get_json()
    assert (page["page"], page["per_page"], page["total"], len(page["items"])) == (2, 2, 5, 2)
