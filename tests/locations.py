"""Shared by the location tests: places, fixes, and a subject of a county that has the real 金州区 polygon."""

from datetime import datetime

import sqlalchemy as sa

from correction.clock import LOCAL_TZ
from correction.db import db
from correction.geo import places
from correction.models import Unit
from tests.apps import at
from tests.factories import World, supervisee_headers

HOME = (39.05, 121.72)               # the world's subjects' home (WGS-84), in 金州区
XINGHAI = (38.879, 121.586)          # 星海广场, 沙河口区: Dalian, but outside 金州区
TIANANMEN = (39.915, 116.404)        # Beijing


def local(year, month, day, hour=12, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LOCAL_TZ)


def fix(point=HOME, captured=None, coord_type="wgs84", accuracy=20, **extra) -> dict:
    """A check-in body, captured at 2026-11-26 12:00 local unless told."""
    captured = captured or local(2026, 11, 26)
    return {"lat": point[0], "lng": point[1], "coord_type": coord_type, "accuracy_m": accuracy,
            "captured_at": captured.isoformat(), **extra}


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def fence_county_a(app, world: World) -> None:
    """County A's agency gets the shipped 金州区 boundary (GCJ-02), as the demo district has."""
    geometry, datum = places.county_geometry("210213")
    with app.app_context():
        county = db.session.get(Unit, world.units["county_a"])
        county.fence, county.fence_coord_type = geometry, datum
        db.session.commit()


def reported_and_bound(client, world: World, key: str = "a1") -> dict:
    """Subject `key` reports in on Monday 2026-11-23 and binds the mini-program on the 24th; its headers."""
    with at(2026, 11, 23):
        response = client.post(f"/api/v1/subjects/{world.subjects[key]}/report-in", json={},
                               headers=world.h(f"officer_{key}"))
        assert response.status_code == 200, response.get_json()
    with at(2026, 11, 24):
        return supervisee_headers(client, world, key)
