"""Check-ins end to end on the real 金州区 polygon: verdicts, datums, trips, offline batches, spoof signals,
idempotency, bad input and scope, with time frozen on the clock seam."""

import pytest
import sqlalchemy as sa

from correction.db import db
from correction.geo import places
from correction.geo.datum import wgs_to_gcj
from correction.models import CheckIn, LocationSignal
from tests.apps import at
from tests.locations import HOME, TIANANMEN, XINGHAI, count, fence_county_a, fix, local, reported_and_bound

CHECKINS = "/api/v1/me/checkins"
BEIJING = [{"city_code": "110000", "city_name": "北京市"}]


def signals(app, kind=None) -> list[LocationSignal]:
    with app.app_context():
        stmt = sa.select(LocationSignal).order_by(LocationSignal.id)
        return list(db.session.scalars(stmt.where(LocationSignal.kind == kind) if kind else stmt))


def boundary_vertex() -> tuple[float, float]:
    """A vertex of the shipped 金州区 boundary, in its own datum (GCJ-02)."""
    geometry, _ = places.county_geometry("210213")
    ring = geometry["coordinates"][0][0] if geometry["type"] == "MultiPolygon" else geometry["coordinates"][0]
    lng, lat = ring[0]
    return lat, lng


@pytest.fixture
def me(app, client, world):
    """Subject a1 of county A, whose agency has the real 金州区 polygon, reported in and bound; the clock stands
    at 2026-11-26 12:00 for the test."""
    fence_county_a(app, world)
    headers = reported_and_bound(client, world)
    with at(2026, 11, 26):
        yield headers


def post(client, headers, body, **extra_headers):
    return client.post(CHECKINS, json=body, headers={**headers, **extra_headers})


def test_inside_outside_and_uncertain_on_the_real_polygon(app, client, world, me):
    inside = post(client, me, fix(HOME))
    assert inside.status_code == 201, inside.get_json()
    body = inside.get_json()
    assert body["verdict"] == "inside" and body["distance_from_home_m"] == 0
    assert body["received_at"] == body["captured_at"] == "2026-11-26T04:00:00+00:00" and body["late"] is False
    outside = post(client, me, fix(XINGHAI, local(2026, 11, 26, 11))).get_json()
    assert outside["verdict"] == "outside" and 21_000 < outside["distance_from_home_m"] < 25_000
    assert post(client, me, fix(boundary_vertex(), coord_type="gcj02")).get_json()["verdict"] == "uncertain"
    assert post(client, me, fix(HOME, accuracy=800)).get_json()["verdict"] == "uncertain"  # too coarse
    history = client.get(f"/api/v1/subjects/{world.subjects['a1']}/checkins", headers=world.h("officer_a1"))
    items = history.get_json()["items"]
    assert [i["verdict"] for i in items] == ["uncertain", "uncertain", "inside", "outside"]  # latest capture first
    assert items[-1]["fence"] == "county" and items[-1]["distance_to_boundary_m"] > 5_000


def test_gcj02_fixes_are_converted_before_judging_and_stored_as_sent(app, client, world, me):
    sent = wgs_to_gcj(*HOME)  # about 460 m from the WGS-84 point
    body = post(client, me, fix(sent, coord_type="gcj02")).get_json()
    assert body["verdict"] == "inside" and body["distance_from_home_m"] < 0.01
    stored = client.get(f"/api/v1/subjects/{world.subjects['a1']}/checkins",
                        headers=world.h("inspector_a")).get_json()["items"][0]
    assert (stored["lat"], stored["lng"], stored["coord_type"]) == (sent[0], sent[1], "gcj02")
    assert stored["wgs_lat"] == pytest.approx(HOME[0], abs=1e-7)
    assert stored["wgs_lng"] == pytest.approx(HOME[1], abs=1e-7)


@pytest.fixture
def beijing_trip(client, world, me):
    """An approved trip to Beijing, 2026-12-01 to 2026-12-03."""
    body = {"destinations": BEIJING, "start_date": "2026-12-01", "end_date": "2026-12-03", "reason_type": "family",
            "reason": "探望父亲。"}
    request_id = client.post("/api/v1/me/leave-requests", json=body, headers=me).get_json()["id"]
    approved = client.post(f"/api/v1/leave-requests/{request_id}/approve", json={"opinion": "同意"},
                           headers=world.h("officer_a1"))
    assert approved.get_json()["status"] == "approved"
    return request_id


def test_a_beijing_fix_is_on_the_approved_trip_and_outside_a_day_after_it(app, client, world, me, beijing_trip):
    with at(2026, 12, 2):
        during = post(client, me, fix(TIANANMEN, local(2026, 12, 2))).get_json()
    with at(2026, 12, 4):
        after = post(client, me, fix(TIANANMEN, local(2026, 12, 4))).get_json()
    assert (during["verdict"], after["verdict"]) == ("on_approved_trip", "outside")
    with app.app_context():
        stored = db.session.get(CheckIn, during["id"])
        assert (stored.fence, stored.leave_id) == ("city:110000", beijing_trip)


def test_after_the_return_the_trip_no_longer_covers_the_city(app, client, world, me, beijing_trip):
    with at(2026, 12, 2, 18):
        client.post(f"/api/v1/me/leave-requests/{beijing_trip}/depart", headers=me)
        back = client.post(f"/api/v1/me/leave-requests/{beijing_trip}/return", headers=me,
                           json={"location": {"lat": HOME[0], "lng": HOME[1], "coord_type": "wgs84"}})
        assert back.get_json()["status"] == "returned"
    with at(2026, 12, 2, 20):
        before_return = post(client, me, fix(TIANANMEN, local(2026, 12, 2, 10), client_id="queued")).get_json()
        after_return = post(client, me, fix(TIANANMEN, local(2026, 12, 2, 19, 50))).get_json()
    assert (before_return["verdict"], after_return["verdict"]) == ("on_approved_trip", "outside")


def test_a_standing_permit_city_is_a_fence_during_its_validity(app, client, world, me):
    body = {"destinations": BEIJING, "valid_from": "2026-12-01", "valid_to": "2027-03-31", "reason": "业务往来",
            "frequency": "每月两次"}
    permit_id = client.post("/api/v1/me/travel-permits", json=body, headers=me).get_json()["id"]
    approved = client.post(f"/api/v1/travel-permits/{permit_id}/approve", json={"opinion": "同意"},
                           headers=world.h("county_a"))
    assert approved.get_json()["status"] == "approved"
    with at(2027, 1, 10):
        during = post(client, me, fix(TIANANMEN, local(2027, 1, 10))).get_json()
    with at(2027, 4, 1):
        after = post(client, me, fix(TIANANMEN, local(2027, 4, 1))).get_json()
    assert (during["verdict"], after["verdict"]) == ("on_approved_trip", "outside")
    with app.app_context():
        assert db.session.get(CheckIn, during["id"]).permit_id == permit_id


def test_an_offline_batch_is_judged_at_capture_time_against_the_fences_then(app, client, world, me, beijing_trip):
    queued = [fix(TIANANMEN, local(2026, 12, 3, 20), client_id="q-2"),   # during the trip, sent after it
              fix(TIANANMEN, local(2026, 12, 2, 9), client_id="q-1"),
              fix(TIANANMEN, local(2026, 12, 4, 9), client_id="q-3")]    # the day after: outside
    with at(2026, 12, 4, 10):
        response = client.post(f"{CHECKINS}/batch", json={"items": queued}, headers=me)
        again = client.post(f"{CHECKINS}/batch", json={"items": queued}, headers=me)
    assert response.status_code == 200, response.get_json()
    results = response.get_json()["items"]
    assert [r["client_id"] for r in results] == ["q-2", "q-1", "q-3"]  # in the order sent
    verdicts = [(r["checkin"]["verdict"], r["checkin"]["offline"], r["checkin"]["late"]) for r in results]
    assert verdicts == [("on_approved_trip", True, True), ("on_approved_trip", True, True), ("outside", True, True)]
    assert [r["checkin"]["id"] for r in again.get_json()["items"]] == [r["checkin"]["id"] for r in results]
    assert all(r["checkin"]["replayed"] for r in again.get_json()["items"])
    assert count(app, CheckIn) == 3
    late = signals(app, "late_fix")
    assert len(late) == 1 and sorted(late[0].evidence["checkin_ids"]) == sorted(
        r["checkin"]["id"] for r in results)
    with app.app_context():  # processed in capture order
        ids = db.session.scalars(sa.select(CheckIn.client_id).order_by(CheckIn.id)).all()
    assert ids == ["q-1", "q-2", "q-3"]


def test_a_batch_answers_bad_items_in_place(app, client, world, me):
    items = [fix(client_id="ok"), fix(client_id="old", captured=local(2026, 11, 22)),
             {**fix(client_id="bad"), "lat": 95}, fix(), "not an object"]
    results = client.post(f"{CHECKINS}/batch", json={"items": items}, headers=me).get_json()["items"]
    assert results[0]["checkin"]["verdict"] == "inside" and results[0]["error"] is None
    assert results[1]["error"]["code"] == "invalid_capture_time" and results[1]["checkin"] is None
    assert results[2]["error"]["code"] == "validation_failed" and "lat" in results[2]["error"]["fields"]
    assert results[2]["client_id"] == "bad"
    assert "client_id" in results[3]["error"]["fields"]  # queued fixes must carry their id
    assert results[4]["error"]["code"] == "validation_failed" and results[4]["client_id"] is None
    assert count(app, CheckIn) == 1


@pytest.mark.parametrize("items", [[], [fix(client_id=f"c{n}") for n in range(101)]])
def test_a_batch_is_bounded(app, client, world, me, items):
    response = client.post(f"{CHECKINS}/batch", json={"items": items}, headers=me)
    assert response.status_code == 422 and "items" in response.get_json()["error"]["fields"]


def test_spoof_signals(app, client, world, me):
    first = post(client, me, fix(HOME, local(2026, 11, 26, 11, 50))).get_json()
    jump = post(client, me, fix(TIANANMEN, local(2026, 11, 26, 11, 55), source="wifi", is_mock=True)).get_json()
    speed, = signals(app, "impossible_speed")
    assert speed.evidence["checkin_ids"] == [first["id"], jump["id"]] and speed.evidence["speed_kmh"] > 5_000
    mock, = signals(app, "mock_location")
    assert mock.checkin_id == jump["id"] and mock.evidence["source"] == "wifi"
    late = post(client, me, fix(HOME, local(2026, 11, 26, 11, 29))).get_json()
    assert late["late"] is True
    late_signal, = signals(app, "late_fix")
    assert late_signal.checkin_id == late["id"] and late_signal.evidence["offline"] is False
    assert post(client, me, fix(HOME, local(2026, 11, 26, 11, 31))).get_json()["late"] is False
    assert len(signals(app)) == 3


def test_a_fix_captured_before_a_stored_one_is_paired_with_it_for_speed(app, client, world, me):
    home = post(client, me, fix(HOME, local(2026, 11, 26, 11, 58))).get_json()
    earlier = post(client, me, fix(TIANANMEN, local(2026, 11, 26, 11, 50))).get_json()  # sent after, captured before
    assert earlier["verdict"] == "outside" and home["verdict"] == "inside"
    speed, = signals(app, "impossible_speed")
    assert speed.evidence["checkin_ids"] == [earlier["id"], home["id"]] and speed.checkin_id == earlier["id"]
    between = post(client, me, fix(HOME, local(2026, 11, 26, 11, 54))).get_json()  # inside, between the two
    pairs = sorted(s.evidence["checkin_ids"] for s in signals(app, "impossible_speed"))
    assert pairs == sorted([[earlier["id"], between["id"]], [earlier["id"], home["id"]]])


def test_k_consecutive_outside_fixes_make_one_out_of_bounds_candidate(app, client, world, me):
    post(client, me, fix(HOME, local(2026, 11, 26, 8)))
    ids = [post(client, me, fix(XINGHAI, local(2026, 11, 26, 9 + n))).get_json()["id"] for n in range(2)]
    post(client, me, fix(XINGHAI, local(2026, 11, 26, 10, 30), accuracy=900))  # uncertain: neither counts nor breaks
    assert signals(app, "out_of_bounds") == []
    ids.append(post(client, me, fix(XINGHAI, local(2026, 11, 26, 11))).get_json()["id"])
    candidate, = signals(app, "out_of_bounds")
    assert candidate.evidence["checkin_ids"] == ids
    post(client, me, fix(XINGHAI, local(2026, 11, 26, 11, 30)))
    assert len(signals(app, "out_of_bounds")) == 1
    officers = client.get("/api/v1/location-signals", query_string={"kind": "out_of_bounds"},
                          headers=world.h("county_a")).get_json()
    assert officers["total"] == 1 and officers["items"][0]["subject"]["name"] == "对象A1"
    assert client.get("/api/v1/location-signals", headers=world.h("county_b")).get_json()["total"] == 0


def test_a_retry_with_the_same_client_id_returns_the_first_fix(app, client, world, me):
    first = post(client, me, fix(client_id="fix-1"))
    second = post(client, me, fix(client_id="fix-1", accuracy=30))
    assert first.status_code == second.status_code == 201
    assert second.get_json()["id"] == first.get_json()["id"] and second.get_json()["replayed"] is True
    assert count(app, CheckIn) == 1


def test_an_idempotency_key_replays_the_first_response(app, client, world, me):
    first = post(client, me, fix(), **{"Idempotency-Key": "checkin-1"})
    second = post(client, me, fix(), **{"Idempotency-Key": "checkin-1"})
    assert second.get_json() == first.get_json() and second.headers["Idempotent-Replayed"] == "true"
    assert count(app, CheckIn) == 1


@pytest.mark.parametrize("body, field", [
    (fix((91, 121.7)), "lat"), (fix((39.05, 181)), "lng"), (fix(coord_type="bd09"), "coord_type"),
    (fix(accuracy=-1), "accuracy_m"), ({**fix(), "accuracy_m": None}, "accuracy_m"),
    (fix(captured=local(2026, 11, 26, 12, 6)), "captured_at"),           # ahead of the server clock
    (fix(captured=local(2026, 11, 23, 11, 59)), "captured_at"),          # older than the offline limit
    ({**fix(), "captured_at": "2026-11-26T12:00:00"}, "captured_at"),    # no offset
    ({**fix(), "speed": 3}, "speed"), (fix(source="gnss"), "source"), (fix(client_id=""), "client_id"),
])
def test_bad_fixes_are_refused_and_nothing_is_stored(app, client, world, me, body, field):
    response = post(client, me, body)
    error = response.get_json()["error"]
    assert response.status_code == 422 and field in error["fields"], error
    assert count(app, CheckIn) == 0


def test_a_closed_file_takes_no_check_ins(app, client, world, me):
    client.post(f"/api/v1/subjects/{world.subjects['a1']}/release", json={"date": "2026-11-26", "type": "death"},
                headers=world.h("officer_a1"))
    response = post(client, me, fix())
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "subject_closed"


def test_scope_of_the_location_views(client, world, me):
    post(client, me, fix())
    url = f"/api/v1/subjects/{world.subjects['a1']}/checkins"
    for outsider in ("officer_a2", "officer_b1", "county_b", "inspector_b"):
        assert client.get(url, headers=world.h(outsider)).status_code == 404
    assert client.get(url, headers=world.h("inspector_a")).get_json()["total"] == 1
    assert post(client, world.h("officer_a1"), fix()).status_code == 403
    assert post(client, world.h("inspector_a"), fix()).get_json()["error"]["code"] == "read_only"


def test_the_latest_fix_of_each_subject_in_scope(client, world, me):
    post(client, me, fix(XINGHAI, local(2026, 11, 26, 9)))
    latest_id = post(client, me, fix(HOME, local(2026, 11, 26, 10))).get_json()["id"]
    post(client, me, fix(XINGHAI, local(2026, 11, 26, 8), client_id="old-one"))  # arrives last, captured first
    latest = client.get("/api/v1/checkins/latest", headers=world.h("county_a")).get_json()
    assert [i["id"] for i in latest["items"]] == [latest_id] and latest["total"] == 1
    assert client.get("/api/v1/checkins/latest", query_string={"verdict": "outside"},
                      headers=world.h("county_a")).get_json()["total"] == 0
    assert client.get("/api/v1/checkins/latest", headers=world.h("officer_b1")).get_json()["total"] == 0
    assert client.get("/api/v1/checkins/latest", headers=world.h("inspector_a")).get_json()["total"] == 1


def test_the_latest_fix_breaks_a_tie_of_capture_times_by_id(client, world, me):
    at = local(2026, 11, 26, 10)
    post(client, me, fix(HOME, at, client_id="tie-1"))
    second = post(client, me, fix(XINGHAI, at, client_id="tie-2")).get_json()
    latest = client.get("/api/v1/checkins/latest", headers=world.h("county_a")).get_json()
    assert [(i["id"], i["verdict"]) for i in latest["items"]] == [(second["id"], second["verdict"])]
    assert client.get("/api/v1/checkins/latest", query_string={"verdict": second["verdict"]},
                      headers=world.h("county_a")).get_json()["total"] == 1
