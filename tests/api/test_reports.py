"""Reports from the mini-program, the review queue and /me/obligations, with time frozen on the clock seam."""


import pytest
import sqlalchemy as sa

from correction.db import db
from correction.models import Report
from tests.factories import supervisee_headers
from tests.apps import at

# Subject a1: judgment effective 2026-11-20, recorded 普管; it reports in on Monday 2026-11-23 and is then a
# new intake (严管, weekly reports) until 2027-01-23.




@pytest.fixture
def reported(client, world):
    with at(2026, 11, 23):
        response = client.post(f"/api/v1/subjects/{world.subjects['a1']}/report-in", json={},
                               headers=world.h("officer_a1"))
        assert response.status_code == 200
        return supervisee_headers(client, world)


def report(client, headers, **body):
    return client.post("/api/v1/me/reports", json={"kind": "periodic", "content": "本周遵纪守法，按时参加学习。",
                                                   **body}, headers=headers)


def test_a_report_in_the_window_is_on_time_for_its_week(client, world, reported):
    with at(2026, 11, 26):
        response = report(client, reported)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["period_start"], body["period_end"], body["on_time"]) == ("2026-11-23", "2026-11-29", True)
    assert body["submitted_at"].startswith("2026-11-26T04:00:00")


def test_a_report_in_the_grace_days_is_on_time_for_last_week(client, world, reported):
    with at(2026, 12, 1):  # Tuesday: the week of 11-23 ended Sunday, two days' grace
        body = report(client, reported).get_json()
    assert (body["period_start"], body["on_time"]) == ("2026-11-23", True)


def test_a_report_after_the_grace_is_late_and_fulfils_the_missed_week(client, world, reported):
    with at(2026, 12, 2):  # Wednesday: the week of 11-23 is past its deadline, unreported
        late = report(client, reported).get_json()
        current = report(client, reported).get_json()
    assert (late["period_start"], late["on_time"]) == ("2026-11-23", False)
    assert (current["period_start"], current["on_time"]) == ("2026-11-30", True)


def test_life_events_carry_their_type_and_no_period(client, world, reported):
    with at(2026, 11, 26):
        response = report(client, reported, kind="life_event", event_type="job_change", content="换了新工作。",
                          location={"lat": 39.05, "lng": 121.72, "coord_type": "gcj02", "accuracy_m": 20})
    body = response.get_json()
    assert response.status_code == 201 and body["event_type"] == "job_change" and body["period_start"] is None
    assert body["location"]["coord_type"] == "gcj02" and body["on_time"] is None


@pytest.mark.parametrize("body, field", [
    ({"content": ""}, "content"), ({"content": "   "}, "content"), ({"kind": "life_event"}, "event_type"),
    ({"kind": "weekly"}, "kind"), ({"subject_id": 2}, "subject_id"), ({"content": "x" * 5001}, "content"),
    ({"location": {"lat": 91, "lng": 121.7, "coord_type": "wgs84"}}, "location.lat"),
    ({"kind": "health_report"}, "kind"),  # a probation subject owes no health report
])
def test_bad_reports_are_refused_and_nothing_is_stored(app, client, world, reported, body, field):
    with at(2026, 11, 26):
        response = report(client, reported, **body)
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 0


def test_periodic_reports_wait_for_report_in(client, world):
    headers = supervisee_headers(client, world)
    response = report(client, headers)
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "not_reported_in"


def test_staff_cannot_post_reports(client, world):
    assert report(client, world.h("officer_a1")).status_code == 403


def test_review_queue_and_single_review(client, world, reported):
    with at(2026, 11, 26):
        report_id = report(client, reported).get_json()["id"]
    queue = client.get("/api/v1/reports", query_string={"reviewed": "false"}, headers=world.h("officer_a1"))
    assert [r["id"] for r in queue.get_json()["items"]] == [report_id]
    assert queue.get_json()["items"][0]["subject"]["name"] == "对象A1"
    assert client.get("/api/v1/reports", headers=world.h("officer_b1")).get_json()["total"] == 0
    assert client.post(f"/api/v1/reports/{report_id}/review", json={}, headers=world.h("officer_b1")).status_code \
        == 404
    assert client.post(f"/api/v1/reports/{report_id}/review", json={}, headers=world.h("inspector_a")).status_code \
        == 403
    reviewed = client.post(f"/api/v1/reports/{report_id}/review", json={"comment": "内容空泛", "flagged": True},
                           headers=world.h("officer_a1"))
    assert reviewed.status_code == 200 and reviewed.get_json()["flagged"] is True
    again = client.post(f"/api/v1/reports/{report_id}/review", json={}, headers=world.h("county_a"))
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_reviewed"
    assert client.get("/api/v1/reports", query_string={"reviewed": "false"},
                      headers=world.h("officer_a1")).get_json()["total"] == 0
    mine = client.get("/api/v1/me/reports", headers=reported).get_json()["items"]
    assert mine[0]["review_comment"] == "内容空泛"


def test_my_obligations(client, world, reported):
    with at(2026, 12, 1):
        report(client, reported)  # fulfils the week of 11-23 in its grace
        items = client.get("/api/v1/me/obligations", headers=reported).get_json()
    by_kind = {(i["kind"], i["period_start"]): i for i in items}
    assert by_kind[("periodic", "2026-11-23")]["status"] == "fulfilled"
    assert by_kind[("periodic", "2026-11-30")]["status"] == "open"
    assert by_kind[("periodic", "2026-11-30")]["due"] == "2026-12-08"
    hours = by_kind[("education_hours", "2026-12-01")]
    assert (hours["required_hours"], hours["done_hours"], hours["status"]) == (12.0, 0.0, "open")


def test_awaiting_subjects_see_their_report_in_deadline(client, world):
    headers = supervisee_headers(client, world)
    with at(2026, 12, 1):
        items = client.get("/api/v1/me/obligations", headers=headers).get_json()
    assert items == [{"kind": "report_in", "due": "2026-11-30", "status": "overdue", "period_start": None,
                      "period_end": None, "report_id": None, "required_hours": None, "done_hours": None,
                      "due_at": None, "spot_check_id": None}]
