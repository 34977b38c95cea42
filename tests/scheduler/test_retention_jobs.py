"""The retention jobs through the exactly-once runner: raw location after release, photos nobody attached."""

import io
from datetime import datetime

import pytest
import sqlalchemy as sa

from correction.clock import LOCAL_TZ
from correction.db import db
from correction.models import CheckIn, Report, Upload
from scheduler.registry import job_by_id
from scheduler.runs import run_job
from tests.api.authz_world import jpeg
from tests.apps import at, isolated_app
from tests.locations import fix, reported_and_bound


@pytest.fixture
def app(database_url, tmp_path):
    with isolated_app(database_url, UPLOAD_DIR=str(tmp_path / "uploads")) as app:
        yield app


def local(year, month, day, hour=3, minute=30) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LOCAL_TZ)


def upload(client, headers) -> int:
    response = client.post("/api/v1/me/uploads", headers=headers, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(jpeg()), "p.jpg", "image/jpeg")})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def files(tmp_path) -> int:
    return sum(1 for path in (tmp_path / "uploads").rglob("*") if path.is_file())


def test_photos_nobody_attached_go_after_seven_days_with_their_files(app, client, world, tmp_path):
    me = reported_and_bound(client, world)
    with at(2026, 11, 24, 12):
        attached, left = upload(client, me), upload(client, me)
        assert client.post("/api/v1/me/reports", headers=me, json={
            "kind": "periodic", "content": "本周情况良好。", "photo_ids": [attached]}).status_code == 201
    job = job_by_id("photo_retention")
    with app.app_context():
        assert run_job(job, local(2026, 12, 1)).counts == {"photos": 0}  # 6 days 15 hours: not yet
        assert run_job(job, local(2026, 12, 2)).counts == {"photos": 1}
        assert db.session.scalars(sa.select(Upload.id)).all() == [attached]
        assert run_job(job, local(2026, 12, 2), force=True).counts == {"photos": 0}
    assert files(tmp_path) == 1
    assert client.get(f"/api/v1/uploads/{attached}", headers=world.h("officer_a1")).status_code == 200
    assert client.get(f"/api/v1/uploads/{left}", headers=world.h("officer_a1")).status_code == 404


def test_raw_location_goes_a_year_after_release_through_the_job(app, client, world):
    me = reported_and_bound(client, world)
    with at(2026, 11, 26, 12):
        assert client.post("/api/v1/me/checkins", headers=me, json=fix()).status_code == 201
        assert client.post("/api/v1/me/reports", headers=me, json={
            "kind": "periodic", "content": "本周情况良好。", "location": {"lat": 39.05, "lng": 121.72,
                                                                     "coord_type": "wgs84"}}).status_code == 201
        released = client.post(f"/api/v1/subjects/{world.subjects['a1']}/release", headers=world.h("officer_a1"),
                               json={"date": "2026-11-26", "type": "death"})
        assert released.status_code == 200, released.get_json()
    job = job_by_id("location_retention")
    with app.app_context():
        assert run_job(job, local(2027, 11, 26, 3, 0)).counts["checkins"] == 0
        assert run_job(job, local(2027, 11, 27, 3, 0)).counts["checkins"] == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 0
        assert db.session.scalars(sa.select(Report.lat)).all() == [None]
