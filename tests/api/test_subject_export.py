"""Export of everything held about one subject for a lawful request: complete, secrets left out, scoped, audited."""

import io

import pytest
import sqlalchemy as sa

from correction import clock
from correction.db import db
from correction.models import AuditEntry
from correction.services.notify import notify
from tests.api.authz_world import jpeg
from tests.apps import at, isolated_app
from tests.factories import supervisee_headers
from tests.notifying import supervisee_user_id

REASON = "大连市金州区人民法院调取函（2026）辽0213刑更1号"


@pytest.fixture
def app(database_url, tmp_path):
    with isolated_app(database_url, UPLOAD_DIR=str(tmp_path / "uploads")) as app:
        yield app


@pytest.fixture
def held(app, client, world):
    """Subject a1 reported in, bound the mini-program, sent a report with a photo, a check-in and a leave request,
    and was sent a reminder."""
    with at(2026, 11, 23):
        client.post(f"/api/v1/subjects/{world.subjects['a1']}/report-in", json={}, headers=world.h("officer_a1"))
    with at(2026, 11, 24):
        me = supervisee_headers(client, world)
    with at(2026, 11, 26):
        photo = client.post("/api/v1/me/uploads", headers=me, content_type="multipart/form-data",
                            data={"file": (io.BytesIO(jpeg()), "p.jpg", "image/jpeg")}).get_json()["id"]
        assert client.post("/api/v1/me/reports", headers=me, json={
            "kind": "periodic", "content": "本周情况良好。", "photo_ids": [photo]}).status_code == 201
        assert client.post("/api/v1/me/checkins", headers=me, json={
            "lat": 39.05, "lng": 121.72, "coord_type": "wgs84", "accuracy_m": 20,
            "captured_at": "2026-11-26T11:59:00+08:00"}).status_code == 201
        assert client.post("/api/v1/me/leave-requests", headers=me, json={
            "destinations": [{"city_code": "210100", "city_name": "沈阳市"}], "start_date": "2026-12-02",
            "end_date": "2026-12-04", "reason_type": "family", "reason": "探望母亲"}).status_code == 201
        with app.app_context():
            notify([supervisee_user_id(world.subjects["a1"])], kind="reminder", title="报告提醒", body="请按时报告",
                   as_of=clock.now())
        yield photo


def export(client, world, who, key="a1", reason=REASON):
    return client.post(f"/api/v1/subjects/{world.subjects[key]}/export", json={"reason": reason},
                       headers=world.h(who))


def test_a_county_officer_exports_everything_held(app, client, world, held):
    with at(2026, 11, 26):
        response = export(client, world, "county_a")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    tables = body["tables"]
    assert body["reason"] == REASON and body["subject_id"] == world.subjects["a1"]
    assert {"subjects", "subject_events", "reports", "uploads", "checkins", "leave_requests", "notifications",
            "supervisee_accounts", "audit_entries"} <= set(tables)
    assert tables["subjects"][0]["name"] == "对象A1" and tables["subjects"][0]["id_number_masked"]
    assert [u["id"] for u in tables["uploads"]] == [held]
    assert [n["title"] for n in tables["notifications"]] == ["报告提醒"]
    assert tables["uploads"][0]["report_id"] == tables["reports"][0]["id"]
    assert tables["checkins"][0]["lat"] == pytest.approx(39.05)
    columns = {column for rows in tables.values() for row in rows for column in row}
    assert not {c for c in columns if "cipher" in c or "digest" in c or c == "storage_key"}, columns


def test_the_export_is_an_audited_read_with_its_reason(app, client, world, held):
    with at(2026, 11, 26):
        assert export(client, world, "admin").status_code == 200
    with app.app_context():
        entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert (entry.action, entry.actor_id, entry.subject_id) == ("read", world.users["admin"], world.subjects["a1"])
        assert entry.detail == {"op": "read", "what": "export", "reason": REASON}


@pytest.mark.parametrize("who, status", [("county_b", 404), ("officer_b1", 403), ("officer_a1", 403),
                                         ("inspector_a", 403), ("inspector_b", 403)])
def test_only_the_county_agency_and_administrators_export(client, world, who, status):
    response = export(client, world, who)
    assert response.status_code == status, response.get_json()


def test_a_reason_is_required(client, world):
    for body in ({}, {"reason": "   "}):
        response = client.post(f"/api/v1/subjects/{world.subjects['a1']}/export", json=body,
                               headers=world.h("county_a"))
        assert response.status_code == 422 and "reason" in response.get_json()["error"]["fields"]
