"""GET /subjects/{id}/audit: who may read the trail (inspectors, county officers, administrators), scope, paging,
and every officer's or inspector's read of a file recorded with the reader."""

import sqlalchemy as sa

from correction.db import db
from correction.models import AlertType, AuditEntry, Subject
from correction.services.alerts import open_alert
from tests.apps import at
from tests.factories import supervisee_headers


def audit_url(world, key: str = "a1") -> str:
    return f"/api/v1/subjects/{world.subjects[key]}/audit"


def reads(app, subject_id: int) -> list[tuple]:
    with app.app_context():
        return db.session.execute(sa.select(AuditEntry.actor_id, AuditEntry.record_type, AuditEntry.detail["what"]
                                            .as_string()).where(AuditEntry.subject_id == subject_id,
                                                                AuditEntry.action == "read")
                                  .order_by(AuditEntry.seq)).all()


def test_inspectors_county_officers_and_administrators_read_the_trail(client, world, frozen):
    for who in ("inspector_a", "county_a", "admin"):
        response = client.get(audit_url(world), headers=world.h(who))
        assert response.status_code == 200, (who, response.get_json())
    for who in ("officer_a1", "officer_a2", "officer_b1"):  # the trail shows what the procuratorate reads
        response = client.get(audit_url(world), headers=world.h(who))
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "audit_forbidden", who
    for who in ("inspector_b", "county_b"):
        assert client.get(audit_url(world), headers=world.h(who)).status_code == 404, who
    assert client.get("/api/v1/subjects/999999/audit", headers=world.h("admin")).status_code == 404
    assert client.get(audit_url(world)).status_code == 401
    assert client.get(audit_url(world), headers=supervisee_headers(client, world)).status_code == 403


def test_the_trail_is_paged_newest_first_with_the_actor(client, world, frozen):
    client.post(f"/api/v1/subjects/{world.subjects['a1']}/report-in", json={}, headers=world.h("officer_a1"))
    first = client.get(audit_url(world), query_string={"per_page": 2}, headers=world.h("inspector_a")).get_json()
    assert first["page"] == 1 and first["per_page"] == 2 and len(first["items"]) == 2
    newest, previous = first["items"]
    assert newest["action"] == "read" and newest["detail"] == {"op": "read", "what": "audit"}
    assert newest["actor"]["role"] == "inspector" and newest["seq"] > previous["seq"]
    assert previous["action"] == "report_in" and previous["actor"]["name"] == "officer_a1姓名"
    assert previous["detail"]["changes"]["status"] == "under_correction" and len(previous["hash"]) == 64
    second = client.get(audit_url(world), query_string={"per_page": 2, "page": 2},
                        headers=world.h("inspector_a")).get_json()
    assert second["total"] == first["total"] + 1  # the first reading is itself on the trail now
    assert second["items"][0]["seq"] == previous["seq"]  # so the page boundary moved by one
    bad = client.get(audit_url(world), query_string={"per_page": 500}, headers=world.h("inspector_a"))
    assert bad.status_code == 422 and "per_page" in bad.get_json()["error"]["fields"]


def test_reads_of_a_file_are_recorded_with_the_reader(app, client, world, frozen):
    a1 = world.subjects["a1"]
    with app.app_context():
        alert = open_alert(db.session.get(Subject, a1), AlertType.report_overdue, dedupe_key="t", title="未按时报告",
                           evidence={}, as_of=frozen).id
    with at(2026, 11, 26):
        for path in ("", "/history", "/checkins", "/activities"):
            assert client.get(f"/api/v1/subjects/{a1}{path}", headers=world.h("inspector_a")).status_code == 200
        assert client.get(f"/api/v1/alerts/{alert}", headers=world.h("officer_a1")).status_code == 200
        assert client.get(f"/api/v1/subjects/{a1}", headers=world.h("inspector_b")).status_code == 404
    inspector, officer = world.users["inspector_a"], world.users["officer_a1"]
    assert reads(app, a1) == [(inspector, "subjects", "file"), (inspector, "subjects", "history"),
                              (inspector, "subjects", "checkins"), (inspector, "subjects", "activities"),
                              (officer, "alerts", "alert")]
