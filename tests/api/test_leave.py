"""外出 end to end: the ≤ 7-day and > 7-day paths, the fast track, return and overdue return, extension, the
monthly list, the 409 race with real concurrent requests, and idempotent retries."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from correction.db import db
from correction.models import LeaveRequest, Sanction, SanctionKind
from correction.services import leave
from tests.factories import supervisee_headers
from tests.apps import at, race

ME = "/api/v1/me/leave-requests"
DALIAN = [{"city_code": "210200", "city_name": "大连市"}]
SHENYANG_BEIJING = [{"city_code": "210100", "city_name": "沈阳市"}, {"city_code": "110000", "city_name": "北京市"}]




@pytest.fixture
def me(client, world):
    """Subject a1, reported in on 2026-11-23; the clock stands at 2026-11-26 12:00 for the test."""
    with at(2026, 11, 23):
        client.post(f"/api/v1/subjects/{world.subjects['a1']}/report-in", json={}, headers=world.h("officer_a1"))
    headers = supervisee_headers(client, world)
    with at(2026, 11, 26):
        yield headers


def ask(client, headers, start="2026-12-01", end="2026-12-03", **extra):
    body = {"destinations": SHENYANG_BEIJING, "start_date": start, "end_date": end, "reason_type": "family",
            "reason": "母亲住院，前往照顾。", **extra}
    return client.post(ME, json=body, headers=headers)


def act(client, world, who, request_id, verb, opinion="同意"):
    return client.post(f"/api/v1/leave-requests/{request_id}/{verb}", json={"opinion": opinion}, headers=world.h(who))


def test_a_short_trip_is_decided_by_the_judicial_office(client, world, me):
    created = ask(client, me)
    body = created.get_json()
    assert created.status_code == 201, body
    assert (body["status"], body["days"], body["approver_level"], body["warnings"]) == (
        "submitted", 3, "judicial_office", [])
    assert [d["city_code"] for d in body["destinations"]] == ["210100", "110000"]  # 一请多地
    queue = client.get("/api/v1/leave-requests", headers=world.h("officer_a1")).get_json()
    assert [r["id"] for r in queue["items"]] == [body["id"]]
    approved = act(client, world, "officer_a1", body["id"], "approve")
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    steps = [(s["step"], s["level"], s["opinion"]) for s in approved.get_json()["steps"]]
    assert steps == [("submitted", None, "母亲住院，前往照顾。"), ("approved", "judicial_office", "同意")]
    assert act(client, world, "county_a", body["id"], "approve").status_code == 409
    with at(2026, 12, 1):
        assert client.post(f"{ME}/{body['id']}/depart", headers=me).get_json()["status"] == "departed"
    with at(2026, 12, 3, 20):
        back = client.post(f"{ME}/{body['id']}/return", headers=me,
                           json={"location": {"lat": 39.05, "lng": 121.72, "coord_type": "wgs84"}})
    assert back.status_code == 200 and back.get_json()["status"] == "returned"


def test_a_long_trip_needs_the_county_and_the_office_cannot_decide_it(client, world, me):
    request_id = ask(client, me, end="2026-12-10").get_json()["id"]  # 10 days
    refused_by_office = act(client, world, "officer_a1", request_id, "reject", "理由不充分")
    assert refused_by_office.get_json()["status"] == "forwarded"  # only an opinion at the office
    again = act(client, world, "officer_a1", request_id, "approve")
    assert again.status_code == 403 and again.get_json()["error"]["code"] == "county_decides"
    assert [r["id"] for r in client.get("/api/v1/leave-requests", headers=world.h("county_a")).get_json()["items"]] \
        == [request_id]
    decided = act(client, world, "county_a", request_id, "approve", "同意，按时销假")
    steps = [(s["step"], s["level"]) for s in decided.get_json()["steps"]]
    assert decided.get_json()["status"] == "approved"
    assert steps == [("submitted", None), ("forwarded", "judicial_office"), ("approved", "county_agency")]
    assert decided.get_json()["steps"][1]["opinion"] == "拟不同意：理由不充分"


def test_short_notice_is_a_warning_and_overlaps_conflict(client, world, me):
    first = ask(client, me, start="2026-11-27", end="2026-11-28").get_json()
    assert first["short_notice"] is True and first["warnings"] == ["short_notice"]
    overlap = ask(client, me, start="2026-11-28", end="2026-11-30")
    assert overlap.status_code == 409 and overlap.get_json()["error"]["code"] == "leave_overlap"


@pytest.mark.parametrize("extra, field", [
    ({"start": "2026-11-25"}, "start_date"), ({"end": "2026-11-30"}, "end_date"),
    ({"reason_type": "tourism"}, "reason_type"),
    ({"destinations": [{"city_code": "210213", "city_name": "金州区"}]}, "destinations.0.city_code"),
    ({"destinations": []}, "destinations"), ({"end": "2029-01-01"}, "end_date"),
])
def test_bad_requests_are_refused_and_nothing_is_stored(app, client, world, me, extra, field):
    response = ask(client, me, **extra)
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"], response.get_json()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LeaveRequest)) == 0


def test_fast_track_is_refused_for_an_ineligible_subject(client, world, me):
    response = ask(client, me, reason_type="business", fast_track=True)
    error = response.get_json()["error"]
    assert response.status_code == 422 and error["code"] == "fast_track_not_eligible"
    assert error["fields"]["fast_track"] == ["未登记经核实的民营企业任职信息，不能使用涉企简捷通道。"]


def test_fast_track_for_an_enterprise_manager_goes_first_with_its_deadline(client, world, me):
    role = {"enterprise_name": "大连某机械有限公司", "credit_code": "91210213MA0XXXXX1B", "role": "manager"}
    client.patch(f"/api/v1/subjects/{world.subjects['a1']}", headers=world.h("officer_a1"),
                 json={"enterprise_role": role, "reason": "核实任职"})
    strict = ask(client, me, reason_type="business", fast_track=True)  # still a new intake: 严管
    assert strict.get_json()["error"]["fields"]["fast_track"] == ["严管期间不能使用涉企简捷通道。"]
    with at(2027, 2, 1, 9):
        normal = ask(client, me, start="2027-02-10", end="2027-02-11").get_json()["id"]
        fast = ask(client, me, start="2027-02-01", end="2027-02-03", reason_type="business", fast_track=True)
        body = fast.get_json()
        assert fast.status_code == 201 and body["warnings"] == [] and body["decision_due_at"].startswith(
            "2027-02-02T01:00:00")
        queue = client.get("/api/v1/leave-requests", headers=world.h("officer_a1")).get_json()["items"]
        assert [r["id"] for r in queue] == [body["id"], normal]  # fast track first
    with at(2027, 2, 1, 15):
        act(client, world, "officer_a1", body["id"], "approve")
    stats = client.get("/api/v1/leave-requests/fast-track-stats", query_string={"from": "2027-02-01",
                                                                                "to": "2027-02-28"},
                       headers=world.h("county_a")).get_json()
    assert stats == {"decided": 1, "median_hours": 6.0, "within_deadline_share": 1.0}
    suspended = client.post(f"/api/v1/subjects/{world.subjects['a1']}/fast-track/suspend",
                            json={"reason": "未按时销假"}, headers=world.h("officer_a1"))
    assert suspended.status_code == 200
    with at(2027, 2, 5):
        again = ask(client, me, start="2027-02-20", end="2027-02-21", reason_type="business", fast_track=True)
    assert again.get_json()["error"]["fields"]["fast_track"] == ["因违规，涉企简捷通道已暂停。"]


def test_a_warning_within_the_lookback_closes_the_fast_track(app, client, world, me):
    role = {"enterprise_name": "大连某机械有限公司", "credit_code": "91210213MA0XXXXX1B", "role": "manager"}
    client.patch(f"/api/v1/subjects/{world.subjects['a1']}", headers=world.h("officer_a1"),
                 json={"enterprise_role": role, "reason": "核实任职"})
    with app.app_context():
        db.session.add(Sanction(subject_id=world.subjects["a1"], kind=SanctionKind.warning,
                                decided_at=datetime(2026, 12, 1, 2, tzinfo=UTC),
                                decided_by_id=world.users["officer_a1"], note="未按时报告"))
        db.session.commit()
    with at(2027, 2, 1, 9):  # out of 严管, but warned two months ago
        refused = ask(client, me, start="2027-02-01", end="2027-02-03", reason_type="business", fast_track=True)
    assert refused.get_json()["error"]["fields"]["fast_track"] == ["近6个月内受过警告，不能使用涉企简捷通道。"]
    with at(2027, 6, 2, 9):  # six months on, the warning no longer counts
        allowed = ask(client, me, start="2027-06-02", end="2027-06-03", reason_type="business", fast_track=True)
    assert allowed.status_code == 201, allowed.get_json()


def test_overdue_return_and_extension(client, world, me):
    request_id = ask(client, me).get_json()["id"]
    act(client, world, "officer_a1", request_id, "approve")
    with at(2026, 12, 2):
        extension = client.post(f"{ME}/{request_id}/extension", json={"end_date": "2026-12-05", "reason": "病情"},
                                headers=me).get_json()
        assert (extension["kind"], extension["approver_level"], extension["days"]) == ("extension",
                                                                                        "judicial_office", 2)
        act(client, world, "officer_a1", extension["id"], "approve")
    mine = {r["id"]: r for r in client.get(ME, headers=me).get_json()["items"]}
    assert mine[request_id]["end_date"] == "2026-12-05"
    with at(2026, 12, 6):
        late = client.get("/api/v1/leave-requests/overdue-returns", headers=world.h("inspector_a")).get_json()
        assert [r["id"] for r in late] == [request_id]
        assert client.get("/api/v1/leave-requests/overdue-returns", headers=world.h("officer_b1")).get_json() == []
        back = client.post(f"{ME}/{request_id}/return", headers=me,
                           json={"location": {"lat": 39.05, "lng": 121.72, "coord_type": "wgs84"}}).get_json()
        assert back["steps"][-1]["opinion"] == "逾期销假"
        assert client.get("/api/v1/leave-requests/overdue-returns", headers=world.h("officer_a1")).get_json() == []


def test_cancel_before_departure_only(client, world, me):
    request_id = ask(client, me).get_json()["id"]
    assert client.post(f"{ME}/{request_id}/cancel", headers=me).get_json()["status"] == "cancelled"
    assert client.post(f"{ME}/{request_id}/cancel", headers=me).status_code == 409


def test_monthly_list_for_the_procuratorate(client, world, me):
    request_id = ask(client, me).get_json()["id"]
    act(client, world, "officer_a1", request_id, "approve")
    listed = client.get("/api/v1/leave-requests/monthly", query_string={"month": "2026-11"},
                        headers=world.h("inspector_a")).get_json()
    assert [r["id"] for r in listed] == [request_id]
    assert client.get("/api/v1/leave-requests/monthly", query_string={"month": "2026-12"},
                      headers=world.h("inspector_a")).get_json() == []
    assert client.get("/api/v1/leave-requests/monthly", query_string={"month": "2026-11"},
                      headers=world.h("inspector_b")).get_json() == []


def test_scope_of_decisions(client, world, me):
    request_id = ask(client, me).get_json()["id"]
    assert act(client, world, "officer_b1", request_id, "approve").status_code == 404
    assert act(client, world, "officer_a2", request_id, "approve").status_code == 404
    assert act(client, world, "inspector_a", request_id, "approve").status_code == 403
    assert client.post(f"{ME}/{request_id}/cancel", headers=world.h("officer_a1")).status_code == 403


def test_two_officers_deciding_at_once_get_one_success_and_one_409(app, client, world, me):
    for _ in range(3):
        with at(2026, 11, 26):
            request_id = ask(client, me).get_json()["id"]
        responses = race(app, [lambda c, who=who, rid=request_id: c.post(f"/api/v1/leave-requests/{rid}/approve",
                                                         json={"opinion": "同意"}, headers=world.h(who))
                               for who in ("officer_a1", "county_a")])
        assert sorted(r.status_code for r in responses) == [200, 409]
        with app.app_context():
            request = db.session.get(LeaveRequest, request_id)
            assert request.status == "approved" and [s.step for s in request.steps] == ["submitted", "approved"]
        with at(2026, 11, 26):
            client.post(f"{ME}/{request_id}/cancel", headers=me)


def test_a_retried_submission_creates_one_request(app, client, world, me):
    headers = {**me, "Idempotency-Key": "leave-2026-12-01"}
    first, second = ask(client, headers), ask(client, headers)
    assert first.status_code == second.status_code == 201 and first.get_json() == second.get_json()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LeaveRequest)) == 1


def test_two_overlapping_requests_at_once_create_one(app, client, world, me):
    headers = {**me}
    with at(2026, 11, 26):
        responses = race(app, [lambda c: c.post(ME, headers=headers, json={
            "destinations": DALIAN, "start_date": "2026-12-01", "end_date": "2026-12-03", "reason_type": "family",
            "reason": "探亲"})] * 2)
    assert sorted(r.status_code for r in responses) == [201, 409]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LeaveRequest)) == 1


def test_a_missed_fast_track_deadline_is_escalated_once(app, client, world, me):
    role = {"enterprise_name": "大连某机械有限公司", "credit_code": "91210213MA0XXXXX1B", "role": "manager"}
    client.patch(f"/api/v1/subjects/{world.subjects['a1']}", headers=world.h("officer_a1"),
                 json={"enterprise_role": role, "reason": "核实任职"})
    with at(2027, 2, 1, 9):
        request_id = ask(client, me, start="2027-02-02", end="2027-02-03", reason_type="business",
                         fast_track=True).get_json()["id"]
    with app.app_context():
        assert leave.escalate_missed_fast_track(datetime(2027, 2, 2, 0, 59, tzinfo=UTC)) == []  # 08:59 next day
        late = leave.escalate_missed_fast_track(datetime(2027, 2, 2, 1, 1, tzinfo=UTC))
        assert [r.id for r in late] == [request_id]
        assert leave.escalate_missed_fast_track(datetime(2027, 2, 2, 3, 0, tzinfo=UTC)) == []
    body = client.get(ME, headers=me).get_json()["items"][0]
    assert body["escalated_at"].startswith("2027-02-02T01:01") and body["steps"][-1]["step"] == "escalated"
