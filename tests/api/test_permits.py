"""经常性跨市县 standing permits end to end: application, the county agency's decision (and nobody else's), trips
notified under the permit and returned (销假) through the leave endpoints, cancellation and revocation, the
validity bounds of the rule table, the fast track, the 409 race and idempotent retries."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from correction.components import components
from correction.db import db
from correction.models import ApprovalStep, Destination, LeaveRequest, TravelPermit
from correction.rules.terms import add_months
from tests.factories import supervisee_headers
from tests.apps import at, race

ME = "/api/v1/me/travel-permits"
OFFICERS = "/api/v1/travel-permits"
SHENYANG_BEIJING = [{"city_code": "210100", "city_name": "沈阳市", "address": "沈阳市和平区某公司"},
                    {"city_code": "110000", "city_name": "北京市"}]
HOME = {"lat": 39.05, "lng": 121.72, "coord_type": "wgs84"}
ROLE = {"enterprise_name": "大连某机械有限公司", "credit_code": "91210213MA0XXXXX1B", "role": "legal_representative"}




@pytest.fixture
def me(client, world):
    """Subject a1 (term to 2028-11-19), reported in on 2026-11-23; the clock stands at 2026-11-26 12:00."""
    with at(2026, 11, 23):
        client.post(f"/api/v1/subjects/{world.subjects['a1']}/report-in", json={}, headers=world.h("officer_a1"))
    headers = supervisee_headers(client, world)
    with at(2026, 11, 26):
        yield headers


def apply(client, headers, valid_from="2026-12-01", valid_to="2027-05-31", **extra):
    body = {"destinations": SHENYANG_BEIJING, "valid_from": valid_from, "valid_to": valid_to,
            "reason": "公司在沈阳、北京有项目，需经常往返洽谈。", "frequency": "每周一至两次", **extra}
    return client.post(ME, json=body, headers=headers)


def act(client, world, who, permit_id, verb, **body):
    return client.post(f"{OFFICERS}/{permit_id}/{verb}", json=body, headers=world.h(who))


def approved_permit(client, world, headers, **extra) -> int:
    permit_id = apply(client, headers, **extra).get_json()["id"]
    assert act(client, world, "county_a", permit_id, "approve").status_code == 200
    return permit_id


def trip(client, headers, permit_id, city_code="210100", depart="2026-12-05", back="2026-12-07"):
    return client.post(f"{ME}/{permit_id}/trips", json={"city_code": city_code, "depart_date": depart,
                                                        "return_date": back}, headers=headers)


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_permit_approved_by_the_county_then_a_trip_notice_and_its_return(client, world, me):
    created = apply(client, me)
    body = created.get_json()
    assert created.status_code == 201, body
    assert (body["status"], body["fast_track"], body["decision_due_at"], body["subject"]["name"]) == (
        "submitted", False, None, "对象A1")
    assert [d["city_code"] for d in body["destinations"]] == ["210100", "110000"]
    assert [(s["step"], s["level"]) for s in body["steps"]] == [("submitted", None)]
    queue = client.get(OFFICERS, query_string={"status": "submitted"}, headers=world.h("county_a")).get_json()
    assert [p["id"] for p in queue["items"]] == [body["id"]]
    assert client.get(OFFICERS, headers=world.h("inspector_a")).get_json()["total"] == 1
    assert client.get(OFFICERS, headers=world.h("county_b")).get_json()["total"] == 0

    by_office = act(client, world, "officer_a1", body["id"], "approve")
    assert by_office.status_code == 403 and by_office.get_json()["error"]["code"] == "county_decides"
    approved = act(client, world, "county_a", body["id"], "approve", opinion="同意，每次外出前报备")
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    assert [(s["step"], s["level"], s["opinion"]) for s in approved.get_json()["steps"]][1:] == [
        ("approved", "county_agency", "同意，每次外出前报备")]
    again = act(client, world, "county_a", body["id"], "reject", opinion="不同意")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_decided"

    notice = trip(client, me, body["id"])
    notified = notice.get_json()
    assert notice.status_code == 201, notified
    assert (notified["kind"], notified["status"], notified["permit_id"], notified["days"]) == (
        "permit_trip", "approved", body["id"], 3)
    assert notified["destinations"] == [{"city_code": "210100", "city_name": "沈阳市", "address": "沈阳市和平区某公司"}]
    mine = client.get("/api/v1/me/leave-requests", headers=me).get_json()["items"]
    assert [(r["id"], r["kind"], r["approver_level"]) for r in mine] == [
        (notified["id"], "permit_trip", "county_agency")]
    assert [s["step"] for s in mine[0]["steps"]] == ["notified"]
    with at(2026, 12, 7, 20):
        back = client.post(f"/api/v1/me/leave-requests/{notified['id']}/return", json={"location": HOME}, headers=me)
    assert back.status_code == 200 and back.get_json()["status"] == "returned", back.get_json()

    permits = client.get(ME, headers=me).get_json()
    assert [(p["id"], p["status"]) for p in permits["items"]] == [(body["id"], "approved")]
    assert [s["step"] for s in permits["items"][0]["steps"]] == ["submitted", "approved"]


@pytest.mark.parametrize("extra, field, code", [
    ({"valid_from": "2026-11-25"}, "valid_from", "invalid_value"),
    ({"valid_to": "2026-11-30"}, "valid_to", "invalid_value"),
    ({"valid_to": "2027-12-01"}, "valid_to", "invalid_value"),
    ({"destinations": []}, "destinations", "validation_failed"),
    ({"destinations": [{"city_code": "210213", "city_name": "金州区"}]}, "destinations.0.city_code", "invalid_value"),
    ({"destinations": [{"city_code": "2102", "city_name": "大连"}]}, "destinations.0.city_code", "validation_failed"),
    ({"frequency": ""}, "frequency", "validation_failed"),
    ({"fast_track": True}, "fast_track", "fast_track_not_eligible"),
    ({"subject_id": 2}, "subject_id", "validation_failed"),
])
def test_bad_applications_are_refused_and_nothing_is_stored(app, client, world, me, extra, field, code):
    response = apply(client, me, **extra)
    error = response.get_json()["error"]
    assert response.status_code == 422 and field in error["fields"] and error["code"] == code, error
    for model in (TravelPermit, Destination, ApprovalStep):
        assert count(app, model) == 0


def test_fast_track_refusal_gives_the_reason(client, world, me):
    error = apply(client, me, fast_track=True).get_json()["error"]
    assert error["fields"]["fast_track"] == ["未登记经核实的民营企业任职信息，不能使用涉企简捷通道。"]
    assert error["message"] == error["fields"]["fast_track"][0]


def test_validity_bounds_come_from_the_rule_table(app, client, world, me):
    with app.app_context():
        months = components().rules["travel_permit.max_validity_months"]
    assert months == 6
    start = date(2026, 12, 1)
    # Both ends are days of the permit (as for a term): 2026-12-01 … 2027-05-31 is exactly six months.
    longest = add_months(start, months) - timedelta(days=1)
    one_day_more = apply(client, me, valid_from=start.isoformat(), valid_to=add_months(start, months).isoformat())
    assert one_day_more.status_code == 422
    assert one_day_more.get_json()["error"]["fields"]["valid_to"] == ["经常性跨市县活动一次审批的有效期不得超过6个月。"]
    assert count(app, TravelPermit) == 0
    ok = apply(client, me, valid_from=start.isoformat(), valid_to=longest.isoformat())
    assert ok.status_code == 201 and ok.get_json()["valid_to"] == "2027-05-31"


def test_a_permit_cannot_outlast_the_term(app, client, world, me):
    with at(2028, 10, 1):
        response = apply(client, me, valid_from="2028-10-10", valid_to="2028-11-20")
        assert response.get_json()["error"]["fields"]["valid_to"] == ["有效期不得超过矫正期满日期。"]
        assert apply(client, me, valid_from="2028-10-10", valid_to="2028-11-19").status_code == 201


def test_only_a_subject_under_correction_applies(app, client, world):
    headers = supervisee_headers(client, world, "b1")  # received, not yet reported in
    with at(2026, 11, 26):
        response = apply(client, headers)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "not_under_correction"
    assert count(app, TravelPermit) == 0
    assert apply(client, world.h("officer_a1")).status_code == 403


def test_who_may_decide_and_who_sees_nothing(app, client, world, me):
    permit_id = apply(client, me).get_json()["id"]
    expected = {"officer_a1": (403, "county_decides"), "inspector_a": (403, "read_only"),
                "admin": (403, "forbidden"), "officer_a2": (404, "permit_not_found"),
                "officer_b1": (404, "permit_not_found"), "county_b": (404, "permit_not_found")}
    for who, (status, code) in expected.items():
        for verb, body in (("approve", {}), ("reject", {"opinion": "不同意"}), ("revoke", {"reason": "违规"})):
            response = act(client, world, who, permit_id, verb, **body)
            assert (response.status_code, response.get_json()["error"]["code"]) == (status, code), (who, verb)
    assert client.post(f"{ME}/{permit_id}/cancel", headers=supervisee_headers(client, world, "b1")).status_code \
        == 404
    assert client.post(f"{ME}/{permit_id}/cancel", headers=world.h("county_a")).status_code == 403
    assert act(client, world, "county_a", permit_id, "reject").status_code == 422  # reasons are required
    assert client.get(OFFICERS, headers=world.h("officer_a1")).get_json()["total"] == 1
    assert client.get(OFFICERS, headers=world.h("officer_a2")).get_json()["total"] == 0
    with app.app_context():
        permit = db.session.get(TravelPermit, permit_id)
        assert permit.status == "submitted" and [s.step for s in permit.steps] == ["submitted"]


def test_rejection_ends_the_application(client, world, me):
    permit_id = apply(client, me).get_json()["id"]
    rejected = act(client, world, "county_a", permit_id, "reject", opinion="目的地与经营活动无关")
    assert rejected.get_json()["status"] == "rejected"
    assert rejected.get_json()["steps"][-1]["opinion"] == "目的地与经营活动无关"
    refused = trip(client, me, permit_id)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "permit_not_approved"
    assert client.post(f"{ME}/{permit_id}/cancel", headers=me).status_code == 409


@pytest.mark.parametrize("city_code, depart, back, field", [
    ("320500", "2026-12-05", "2026-12-07", "city_code"),    # 苏州: not on the permit
    ("210100", "2026-11-30", "2026-12-02", "depart_date"),  # before valid_from
    ("210100", "2026-12-05", "2026-12-04", "return_date"),
    ("210100", "2027-05-30", "2027-06-01", "return_date"),  # past valid_to
])
def test_trips_outside_the_permit_are_refused(app, client, world, me, city_code, depart, back, field):
    permit_id = approved_permit(client, world, me)
    response = trip(client, me, permit_id, city_code, depart, back)
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"], response.get_json()
    assert count(app, LeaveRequest) == 0


def test_a_trip_cannot_start_in_the_past(app, client, world, me):
    permit_id = approved_permit(client, world, me)
    with at(2026, 12, 10):
        response = trip(client, me, permit_id, depart="2026-12-09", back="2026-12-11")
    assert response.status_code == 422 and "depart_date" in response.get_json()["error"]["fields"]
    assert count(app, LeaveRequest) == 0


def test_overlapping_trips_conflict(app, client, world, me):
    permit_id = approved_permit(client, world, me)
    assert trip(client, me, permit_id).status_code == 201
    overlap = trip(client, me, permit_id, "110000", "2026-12-07", "2026-12-09")
    assert overlap.status_code == 409 and overlap.get_json()["error"]["code"] == "leave_overlap"
    assert trip(client, me, permit_id, "110000", "2026-12-08", "2026-12-09").status_code == 201
    assert count(app, LeaveRequest) == 2


def test_only_the_own_permit_takes_trips(client, world, me):
    permit_id = approved_permit(client, world, me)
    other = supervisee_headers(client, world, "b1")
    assert trip(client, other, permit_id).status_code == 404
    assert client.get(ME, headers=other).get_json()["total"] == 0


def test_cancel_before_approval_and_give_up_later(client, world, me):
    pending = apply(client, me).get_json()["id"]
    cancelled = client.post(f"{ME}/{pending}/cancel", headers=me)
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    late = act(client, world, "county_a", pending, "approve")
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "already_decided"

    permit_id = approved_permit(client, world, me, valid_from="2026-11-26", valid_to="2027-05-25")
    under_way = trip(client, me, permit_id, depart="2026-11-26", back="2026-11-27").get_json()["id"]
    future = trip(client, me, permit_id, depart="2026-12-05", back="2026-12-07").get_json()["id"]
    given_up = client.post(f"{ME}/{permit_id}/cancel", headers=me).get_json()
    assert given_up["status"] == "cancelled" and given_up["steps"][-1]["step"] == "cancelled"
    statuses = {r["id"]: r["status"] for r in client.get("/api/v1/me/leave-requests", headers=me).get_json()["items"]}
    assert statuses == {under_way: "approved", future: "cancelled"}
    assert trip(client, me, permit_id, depart="2026-12-10", back="2026-12-11").status_code == 409
    assert client.post(f"{ME}/{permit_id}/cancel", headers=me).status_code == 409


def test_the_county_revokes_after_a_violation(client, world, me):
    permit_id = approved_permit(client, world, me, valid_from="2026-11-26", valid_to="2027-05-25")
    under_way = trip(client, me, permit_id, depart="2026-11-26", back="2026-11-28").get_json()["id"]
    future = trip(client, me, permit_id, depart="2026-12-05", back="2026-12-07").get_json()["id"]
    by_office = act(client, world, "officer_a1", permit_id, "revoke", reason="未按时报告")
    assert by_office.status_code == 403 and by_office.get_json()["error"]["code"] == "county_decides"
    assert act(client, world, "county_a", permit_id, "revoke").status_code == 422  # the violation is required
    revoked = act(client, world, "county_a", permit_id, "revoke", reason="外出期间人机分离")
    assert revoked.status_code == 200 and revoked.get_json()["status"] == "revoked"
    assert revoked.get_json()["steps"][-1]["opinion"] == "外出期间人机分离"
    trips = {r["id"]: r for r in client.get("/api/v1/me/leave-requests", headers=me).get_json()["items"]}
    assert trips[future]["status"] == "cancelled"
    assert trips[future]["steps"][-1]["opinion"] == "许可已撤销：外出期间人机分离"
    assert trips[under_way]["status"] == "approved"  # still to be returned
    back = client.post(f"/api/v1/me/leave-requests/{under_way}/return", json={"location": HOME}, headers=me)
    assert back.get_json()["status"] == "returned"
    again = act(client, world, "county_a", permit_id, "revoke", reason="再次")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "cannot_revoke"
    assert trip(client, me, permit_id, depart="2026-12-10", back="2026-12-11").status_code == 409


def test_a_submitted_permit_cannot_be_revoked(client, world, me):
    permit_id = apply(client, me).get_json()["id"]
    response = act(client, world, "county_a", permit_id, "revoke", reason="违规")
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "cannot_revoke"


def test_fast_track_for_an_enterprise_subject_has_a_deadline_and_goes_first(client, world, me):
    client.patch(f"/api/v1/subjects/{world.subjects['a1']}", headers=world.h("officer_a1"),
                 json={"enterprise_role": ROLE, "reason": "核实任职"})
    strict = apply(client, me, fast_track=True)  # still a new intake: 严管
    assert strict.get_json()["error"]["fields"]["fast_track"] == ["严管期间不能使用涉企简捷通道。"]
    with at(2027, 2, 1, 9):
        normal = apply(client, me, valid_from="2027-02-10", valid_to="2027-03-31").get_json()["id"]
        fast = apply(client, me, valid_from="2027-02-02", valid_to="2027-07-31", fast_track=True)
        body = fast.get_json()
        assert fast.status_code == 201 and body["fast_track"] is True
        assert body["decision_due_at"].startswith("2027-02-02T01:00:00")  # submitted 01:00 UTC + 24 h
        queue = client.get(OFFICERS, query_string={"status": "submitted"}, headers=world.h("county_a")).get_json()
        assert [p["id"] for p in queue["items"]] == [body["id"], normal]
        act(client, world, "county_a", body["id"], "approve")
        notified = trip(client, me, body["id"], "110000", "2027-02-03", "2027-02-04").get_json()
    assert notified["status"] == "approved" and notified["kind"] == "permit_trip"


def test_two_decisions_at_once_get_one_success_and_one_409(app, client, world, me):
    for _ in range(3):
        permit_id = apply(client, me).get_json()["id"]
        responses = race(app, [lambda c, url=f"{OFFICERS}/{permit_id}/{verb}": c.post(
            url, json={"opinion": "意见"}, headers=world.h("county_a")) for verb in ("approve", "reject")])
        assert sorted(r.status_code for r in responses) == [200, 409]
        loser = next(r for r in responses if r.status_code == 409)
        assert loser.get_json()["error"]["code"] == "already_decided"
        with app.app_context():
            permit = db.session.get(TravelPermit, permit_id)
            assert permit.status in ("approved", "rejected")
            assert [s.step for s in permit.steps] == ["submitted", permit.status]
        client.post(f"{ME}/{permit_id}/cancel", headers=me)


def test_a_retried_application_creates_one_permit(app, client, world, me):
    headers = {**me, "Idempotency-Key": "permit-2026-12"}
    first, second = apply(client, headers), apply(client, headers)
    assert first.status_code == second.status_code == 201 and first.get_json() == second.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert count(app, TravelPermit) == 1 and count(app, Destination) == 2


def test_a_retried_trip_notice_creates_one_trip(app, client, world, me):
    permit_id = approved_permit(client, world, me)
    headers = {**me, "Idempotency-Key": "trip-2026-12-05"}
    first, second = trip(client, headers, permit_id), trip(client, headers, permit_id)
    assert first.status_code == second.status_code == 201 and first.get_json() == second.get_json()
    assert count(app, LeaveRequest) == 1


@pytest.mark.parametrize("path", [ME, ME + "/{permit_id}/trips"])
def test_idempotency_key_is_documented(client, path):
    params = client.get("/api/v1/openapi.json").get_json()["paths"][path]["post"]["parameters"]
    assert [p["in"] for p in params if p["name"] == "Idempotency-Key"] == ["header"]
