"""The fences a fix is judged against, prepared once and reused: the county agency's jurisdiction polygon (else a
circle around the subject's home) and the destination cities of approved trips and permits (domain-rules §19).

Polygons are parsed, converted to WGS-84 and prepared once per process, keyed by a digest of the geometry, so no
request parses a polygon. Which geometry a county has is re-read at most every `RECHECK_SECONDS` per app (the
column is large and changes almost never), so a changed fence is in force in every worker within that time.
"""

import hashlib
import json
import time
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from flask import current_app

from correction.db import db
from correction.geo import places
from correction.geo.datum import to_wgs84
from correction.geo.fences import Fence
from correction.models import Unit
from correction.rules.location import FenceCheck

RECHECK_SECONDS = 60.0
COUNTY, HOME = "county", "home"
_CACHE_KEY = "sqjz.jurisdiction_fences"
_prepared: dict[tuple[str, str], Fence] = {}


@dataclass(frozen=True)
class _Entry:
    fence: Fence | None
    checked_at: float


def _polygon(geometry: dict, coord_type: str) -> Fence:
    """The prepared fence for this geometry, built the first time this process sees it."""
    text = json.dumps(geometry, sort_keys=True, separators=(",", ":"))
    key = (hashlib.sha256(text.encode()).hexdigest(), coord_type)
    if key not in _prepared:
        _prepared[key] = Fence.from_geojson(COUNTY, geometry, coord_type)
    return _prepared[key]


def county_fence(county_id: int) -> Fence | None:
    """The jurisdiction polygon of a county agency, or None when the deployment has none for it."""
    cache: dict[int, _Entry] = current_app.extensions.setdefault(_CACHE_KEY, {})
    entry, now = cache.get(county_id), time.monotonic()
    if entry is None or now - entry.checked_at > RECHECK_SECONDS:
        row = db.session.execute(sa.select(Unit.fence, Unit.fence_coord_type).where(Unit.id == county_id)).first()
        fence = _polygon(row.fence, row.fence_coord_type) if row and row.fence and row.fence_coord_type else None
        entry = cache[county_id] = _Entry(fence, now)
    return entry.fence


@lru_cache(maxsize=8192)
def home_fence(lat: float, lng: float, coord_type: str, radius_m: float) -> tuple[Fence, tuple[float, float]]:
    """The fallback jurisdiction, a circle around home, and home in WGS-84."""
    home = to_wgs84(lat, lng, coord_type)
    return Fence.circle(HOME, home[0], home[1], radius_m), home


def city_fence(code: str) -> Fence | None:
    """A destination city's boundary (shipped, prepared once per process), or None when no polygon is shipped
    for the code: a fix there is then `uncertain`, never `outside` (the data has no centres to draw a circle
    around)."""
    return places.city_fence(code)


def place(fence: Fence | None, name: str, point: tuple[float, float], accuracy_m: float, edge_buffer_m: float,
          leave_id: int | None = None, permit_id: int | None = None) -> FenceCheck:
    """Where a WGS-84 fix lies relative to one fence; a fence we do not know is `uncertain`, never `outside`."""
    if fence is None:
        return FenceCheck(name, "uncertain", None, leave_id, permit_id)
    placement = fence.place(point[0], point[1], accuracy_m, edge_buffer_m)
    return FenceCheck(name, placement.state, placement.distance_to_boundary_m, leave_id, permit_id)
