"""Pre-sentence investigations (调查评估): deadlines on the working-day calendar, the lifecycle from commission to
outcome, the copy to the procuratorate, intake linking the case, the figures in /stats and the export."""

import io

import sqlalchemy as sa
from openpyxl import load_workbook

from correction.db import db
from correction.models import AuditEntry, Notification
from tests.apps import at
from tests.factories import intake_body, investigation_body

RECORD = {"residence": "自有住房，与父母同住", "family_relations": "已婚，家庭和睦",
          "conduct": "无前科，邻里评价良好", "offence_impact": "醉酒驾驶未造成人员伤亡",
          "committee_opinion": "村委会同意接收", "victim_opinion": "无被害人"}


def commission(client, world, who="officer_a1", serial=5, **overrides):
    response = client.post("/api/v1/investigations", headers=world.h(who),
                           json=investigation_body(world.units["office_a1"], serial, **overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def act(client, world, case_id, step, body, who="officer_a1", method="POST"):
    url = f"/api/v1/investigations/{case_id}" + (f"/{step}" if step else "")
    return client.open(url, method=method, json=body, headers=world.h(who))


def test_deadline_of_a_commission_received_just_before_the_national_day(client, world):
    with at(2026, 9, 30, 16):
        ordinary = commission(client, world, received_on="2026-09-30")
        fast = commission(client, world, serial=6, received_on="2026-09-30", fast_track=True)
    # 1–7 October off, Saturday 10 October worked (调休): ten working days end on 20 October, five on 13 October.
    assert ordinary["due_on"] == "2026-10-20" and ordinary["status"] == "investigating"
    assert fast["due_on"] == "2026-10-13" and fast["fast_track"] is True
    assert ordinary["id_number"].count("*") >= 8


def test_fast_track_deadline_across_the_spring_festival(client, world):
    with at(2026, 2, 13):
        case = commission(client, world, received_on="2026-02-13", fast_track=True)
    assert case["due_on"] == "2026-02-27"  # the 调休 Saturday 14 February counts, 15–23 February do not


def test_the_lifecycle_from_commission_to_outcome(app, client, world, frozen):
    case = commission(client, world)
    assert case["due_on"] == "2026-12-04"
    incomplete = act(client, world, case["id"], "opinion", {"suitable": True, "opinion": "适宜社区矫正"})
    assert incomplete.status_code == 422 and "residence" in incomplete.get_json()["error"]["fields"]
    assert act(client, world, case["id"], None, RECORD, method="PATCH").status_code == 200
    extended = act(client, world, case["id"], "extensions",
                   {"new_due_on": "2026-12-11", "agreed_with": "承办法官李某", "reason": "被害人在外地"})
    assert extended.status_code == 201 and extended.get_json()["due_on"] == "2026-12-11"
    assert extended.get_json()["extensions"][0]["previous_due_on"] == "2026-12-04"
    submitted = act(client, world, case["id"], "opinion", {"suitable": True, "opinion": "适宜社区矫正"})
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"
    assert act(client, world, case["id"], None, {"conduct": "改"}, method="PATCH").status_code == 409
    assert act(client, world, case["id"], "approve", {"sent_on": "2026-11-26"}).status_code == 403
    returned = act(client, world, case["id"], "return", {"note": "补充村委会书面意见"}, who="county_a")
    assert returned.get_json()["status"] == "investigating" and returned.get_json()["review_note"]
    act(client, world, case["id"], "opinion", {"suitable": True, "opinion": "适宜社区矫正"})
    approved = act(client, world, case["id"], "approve", {"sent_on": "2026-11-26"}, who="county_a")
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["status"] == "sent" and approved.get_json()["on_time"] is True
    seen = client.get(f"/api/v1/investigations/{case['id']}", headers=world.h("inspector_a"))
    assert seen.status_code == 200 and seen.get_json()["suitable"] is True
    with app.app_context():
        copies = db.session.scalars(sa.select(Notification.user_id).where(Notification.title == "调查评估意见（抄送）"))
        assert world.users["inspector_a"] in set(copies) and world.users["inspector_b"] not in set(copies)
    too_early = act(client, world, case["id"], "outcome", {"adopted": True, "outcome_on": "2026-11-25"})
    assert too_early.status_code == 422
    closed = act(client, world, case["id"], "outcome", {"adopted": True, "outcome_on": "2026-11-26"})
    assert closed.get_json()["status"] == "closed" and closed.get_json()["adopted"] is True
    assert act(client, world, case["id"], "outcome", {"adopted": False, "outcome_on": "2026-11-26"}).status_code == 409


def send(client, world, case_id, sent_on):
    act(client, world, case_id, None, RECORD, method="PATCH")
    act(client, world, case_id, "opinion", {"suitable": True, "opinion": "适宜"})
    response = act(client, world, case_id, "approve", {"sent_on": sent_on}, who="county_a")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_intake_links_the_investigation_of_the_same_person(client, world, frozen):
    case = commission(client, world, serial=5)
    other = commission(client, world, serial=6)
    body = intake_body(world.units["office_a1"], 5, investigation_id=case["id"])
    unsent = client.post("/api/v1/subjects", json=body, headers=world.h("officer_a1"))
    assert unsent.status_code == 422 and "investigation_id" in unsent.get_json()["error"]["fields"]
    send(client, world, case["id"], "2026-11-26")
    send(client, world, other["id"], "2026-11-26")
    wrong = client.post("/api/v1/subjects", headers=world.h("officer_a1"),
                        json=intake_body(world.units["office_a1"], 5, investigation_id=other["id"]))
    assert wrong.status_code == 422
    taken = client.post("/api/v1/subjects", json=body, headers=world.h("officer_a1"))
    assert taken.status_code == 201, taken.get_json()
    subject_id = taken.get_json()["id"]
    linked = client.get(f"/api/v1/investigations/{case['id']}", headers=world.h("officer_a1")).get_json()
    assert linked["subject_id"] == subject_id
    found = client.get("/api/v1/investigations", query_string={"subject_id": subject_id},
                       headers=world.h("county_a")).get_json()
    assert [item["id"] for item in found["items"]] == [case["id"]]


def test_statistics_on_time_share_and_adoption_rate(client, world):
    with at(2026, 11, 2):
        early = commission(client, world, serial=5, received_on="2026-11-02")   # due 11-16
        late = commission(client, world, serial=6, received_on="2026-11-02")    # due 11-16
        third = commission(client, world, serial=7, received_on="2026-11-02", commissioner_kind="procuratorate")
    with at(2026, 11, 13):
        send(client, world, early["id"], "2026-11-13")
    with at(2026, 11, 20):
        send(client, world, late["id"], "2026-11-20")
        send(client, world, third["id"], "2026-11-20")
    with at(2026, 11, 26):
        for case, adopted in ((early, True), (late, True), (third, False)):
            act(client, world, case["id"], "outcome", {"adopted": adopted, "outcome_on": "2026-11-26"})
        figures = client.get("/api/v1/stats", query_string={"from": "2026-11-01", "to": "2026-11-30"},
                             headers=world.h("county_a")).get_json()["investigations"]
        other_county = client.get("/api/v1/stats", query_string={"from": "2026-11-01", "to": "2026-11-30"},
                                  headers=world.h("county_b")).get_json()["investigations"]
        overdue = client.get("/api/v1/investigations", query_string={"overdue": "true"}, headers=world.h("county_a"))
    assert figures["received"] == 3 and figures["received_by_commissioner"] == {
        "court": 2, "procuratorate": 1, "police": 0, "prison": 0}
    assert (figures["sent"], figures["sent_on_time"], figures["on_time_share"]) == (3, 1, 0.3333)
    assert (figures["outcomes"], figures["adopted"], figures["adoption_rate"]) == (3, 2, 0.6667)
    assert other_county["received"] == 0 and other_county["adoption_rate"] is None
    assert overdue.get_json()["total"] == 0


def test_the_export_lists_the_periods_commissions(client, world, frozen):
    case = commission(client, world)
    send(client, world, case["id"], "2026-11-26")
    response = client.get("/api/v1/investigations/export", headers=world.h("inspector_a"),
                          query_string={"from": "2026-11-01", "to": "2026-11-30"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("序号", "委托机关类别", "委托机关", "委托文号", "被调查人")
    assert rows[1][1] == "人民法院" and rows[1][14] == "适宜" and rows[1][16] == "是" and "*" in rows[1][5]
    assert len(rows) == 2


def test_the_audit_trail_records_cases_without_personal_data(app, client, world, frozen):
    case = commission(client, world)
    with app.app_context():
        entry = db.session.scalar(sa.select(AuditEntry).where(
            AuditEntry.record_type == "investigations", AuditEntry.record_id == case["id"]))
    changes = entry.detail["changes"]
    assert entry.actor_id == world.users["officer_a1"] and changes["status"] == "investigating"
    assert changes["name"] == changes["id_number_cipher"] == changes["address"] == "[redacted]"
    assert changes["due_on"] == "2026-12-04" and changes["charge"] == "[omitted]"
