"""The authorization matrix's world: two counties with one record of every kind in office A1 and in office B1, and
the callers of every role, built once per module through the API (services only where no route creates the row)."""

import io
from dataclasses import dataclass, field

from PIL import Image

from correction import clock
from correction.db import db
from correction.models import AlertType, Subject
from correction.services.alerts import open_alert
from correction.services.notify import notify
from tests.apps import at
from tests.factories import (World, add_resettlement_officers, build_world, investigation_body, notice_body,
                             supervisee_headers)
from tests.notifying import supervisee_user_id


@dataclass(frozen=True)
class Caller:
    """Who calls: a role and where it sits (a supervisee's subject, an officer's office or county)."""
    role: str  # anonymous, supervisee, officer, inspector, admin
    county: str | None = None
    office: str | None = None  # None for the county agency
    resettlement: bool = False


CALLERS = {
    "anonymous": Caller("anonymous"),
    "supervisee_a": Caller("supervisee", "a", "a1"),
    "supervisee_b": Caller("supervisee", "b", "b1"),
    "officer_a1": Caller("officer", "a", "a1"),  # the owning office of every record "a"
    "officer_a2": Caller("officer", "a", "a2"),  # another office of the same county
    "officer_b1": Caller("officer", "b", "b1"),
    "county_a": Caller("officer", "a"),
    "county_b": Caller("officer", "b"),
    "inspector_a": Caller("inspector", "a"),
    "inspector_b": Caller("inspector", "b"),
    "admin": Caller("admin"),
    "resettle_a1": Caller("officer", "a", "a1", resettlement=True),
}
MISSING_ID = 2147483647


@dataclass
class Records:
    """Ids of one record of every kind per office key ("a" for office A1, "b" for office B1) and every caller's
    Authorization header (none for the anonymous caller)."""
    ids: dict[str, dict[str, int]] = field(default_factory=lambda: {"a": {}, "b": {}})
    headers: dict[str, dict] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # the subject's name per key, to spot in a foreign answer


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (120, 80, 40)).save(out, "JPEG")
    return out.getvalue()


def created(response, status: int = 201) -> int:
    assert response.status_code == status, response.get_json()
    return response.get_json()["id"]


def build_records(app) -> Records:
    """Everything the matrix fills path parameters with, at 2026-11-26 noon (county B's subject in office B1)."""
    client = app.test_client()
    with app.app_context():
        world = build_world(client)
    add_resettlement_officers(app, world)
    records = Records(headers={**world.headers, "anonymous": {}})
    with at(2026, 11, 23):
        for key in ("a", "b"):
            office = f"{key}1"
            client.post(f"/api/v1/subjects/{world.subjects[office]}/report-in", json={},
                        headers=world.h(f"officer_{office}"))
    with at(2026, 11, 24):
        for key in ("a", "b"):
            records.headers[f"supervisee_{key}"] = supervisee_headers(client, world, f"{key}1")
    with at(2026, 11, 26):
        for key in ("a", "b"):
            records.ids[key] = _records_of(app, client, world, records, key)
            records.names[key] = f"对象{key.upper()}1"
    return records


def _records_of(app, client, world: World, records: Records, key: str) -> dict[str, int]:
    office, me = f"{key}1", records.headers[f"supervisee_{key}"]
    officer, county, inspector = world.h(f"officer_{office}"), world.h(f"county_{key}"), world.h(f"inspector_{key}")
    other_county = "210213" if key == "b" else "210214"
    ids = {"subject_id": world.subjects[office], "unit_id": world.units[f"office_{office}"],
           "user_id": world.users[f"officer_{office}"]}
    ids["upload_id"] = created(client.post("/api/v1/me/uploads", headers=me, data={
        "file": (io.BytesIO(jpeg()), "photo.jpg", "image/jpeg")}, content_type="multipart/form-data"))
    ids["report_id"] = created(client.post("/api/v1/me/reports", headers=me, json={
        "kind": "periodic", "content": "本周按时参加学习，遵守规定。"}))
    ids["activity_id"] = created(client.post("/api/v1/me/activities", headers=me, json={
        "kind": "public_welfare", "occurred_on": "2026-11-25", "hours": 2}))
    ids["request_id"] = created(client.post("/api/v1/me/leave-requests", headers=me, json={
        "destinations": [{"city_code": "210100", "city_name": "沈阳市"}], "start_date": "2026-12-02",
        "end_date": "2026-12-04", "reason_type": "family", "reason": "探望生病的母亲"}))
    ids["permit_id"] = created(client.post("/api/v1/me/travel-permits", headers=me, json={
        "destinations": [{"city_code": "210100", "city_name": "沈阳市"}], "valid_from": "2026-12-01",
        "valid_to": "2027-05-31", "reason": "在沈阳务工", "frequency": "每周往返一次"}))
    ids["relocation_id"] = created(client.post("/api/v1/me/relocation-requests", headers=me, json={
        "new_address": "辽宁省大连市某区某街1号", "new_county_code": other_county, "reason": "随子女共同生活",
        "move_date": "2027-01-10"}))
    ids["investigation_id"] = created(client.post("/api/v1/investigations", headers=officer, json=investigation_body(
        world.units[f"office_{office}"], 30 + ord(key))))
    ids["person_id"] = created(client.post("/api/v1/resettlement/persons", headers=world.h(f"resettle_{office}"),
                                           json=notice_body(world.units[f"office_{office}"], 60 + ord(key))))
    ids["risk_id"] = created(client.post(f"/api/v1/resettlement/persons/{ids['person_id']}/risks",
                                         headers=world.h(f"resettle_{office}"), json={
        "kind": "address_unknown", "note": "联系不上", "noted_on": "2026-11-26"}))
    inspection = client.post("/api/v1/inspections", headers=county, json={"quarter": "2026Q3"})
    ids["inspection_id"] = created(inspection, inspection.status_code if inspection.status_code < 300 else 201)
    ids["finding_id"] = created(client.post(f"/api/v1/inspections/{ids['inspection_id']}/findings", headers=inspector,
                                            json={"kind": "procuratorial_suggestion", "text": "建立报到提醒机制。"}))
    with app.app_context():
        subject = db.session.get(Subject, ids["subject_id"])
        ids["alert_id"] = open_alert(subject, AlertType.report_overdue, dedupe_key=f"matrix:{key}",
                                     title="未按时提交定期报告", evidence={"kind": "periodic"}, as_of=clock.now()).id
        to = {"notification_id": supervisee_user_id(subject.id),
              "staff_notification_id": world.users[f"officer_{office}"]}
        sent = {n.user_id: n.id for n in notify(to.values(), kind="reminder", title="提醒", body="提醒内容",
                                                 as_of=clock.now())}
        ids.update({name: sent[user_id] for name, user_id in to.items()})
    return ids

