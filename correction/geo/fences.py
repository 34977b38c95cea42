"""Fences: where a WGS-84 fix lies relative to a polygon or a circle, with the distance to its edge in metres.

A polygon fence is converted once to WGS-84 (tech-notes §4.2, §5) and prepared for `contains_xy`. For distances its
boundary is kept, prepared, in local metric frames: metres east and north, scaled by the WGS-84 radii of curvature
at the centre of a 0.2° band of latitude, one frame per band the fixes actually fall in (built on first use). `place`
finds the nearest boundary point in the fix's band frame and measures the distance to it on the ellipsoid. Within the
fence's latitudes the frame's scale is off by at most 0.24 % anywhere in China, which moves the distance only to
second order along an edge and by at most twice that at a corner: well within 1 % (the tests check a 6°-tall city).
Beyond them the nearest band serves; the error grows with the distance, which is then large anyway.

The verdict (domain-rules §19) is `uncertain` whenever the fix's accuracy circle, widened to the edge buffer, reaches
the boundary: a fix is never `outside` while it may be inside.
"""

import math
from dataclasses import dataclass

import numpy as np
import shapely
from geopy.distance import geodesic
from shapely.geometry import Point, Polygon, shape
from shapely.geometry.base import BaseGeometry

from correction.geo.datum import COORD_TYPES, gcj_to_wgs_arrays
from correction.geo.fence import fence_problem

INSIDE, OUTSIDE, UNCERTAIN = "inside", "outside", "uncertain"
PLACEMENT_STATES = (INSIDE, OUTSIDE, UNCERTAIN)

_WGS84_A = 6378137.0
_WGS84_E2 = (1.0 / 298.257223563) * (2.0 - 1.0 / 298.257223563)
_LOCAL_LIMIT_M = 50_000.0  # below this the mean-latitude formula agrees with the geodesic to ~1e-5
_CIRCLE_VERTICES = 64
_MAX_RADIUS_M = 500_000.0  # the display polygon is drawn in the centre's local frame, fine well within this
_BAND_DEG = 0.2  # height of the latitude band that shares one metric frame


@dataclass(frozen=True)
class Placement:
    """Where a fix lies: "inside", "outside" or "uncertain", and its distance to the fence's boundary (>= 0 m)."""

    state: str
    distance_to_boundary_m: float


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The geodesic distance in metres between two WGS-84 (lat, lng) points (Karney, via geopy)."""
    return geodesic(a, b).meters


def _metres_per_degree(lat: float) -> tuple[float, float]:
    """Metres per degree of latitude and of longitude on the WGS-84 ellipsoid at `lat`."""
    phi = math.radians(lat)
    w2 = 1.0 - _WGS84_E2 * math.sin(phi) ** 2
    meridian = _WGS84_A * (1.0 - _WGS84_E2) / w2 ** 1.5
    prime_vertical = _WGS84_A / math.sqrt(w2)
    return meridian * math.pi / 180.0, prime_vertical * math.cos(phi) * math.pi / 180.0


def ground_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Metres between two nearby WGS-84 points: the ellipsoid's local scale at their mean latitude (about 1 µs),
    falling back to the geodesic beyond 50 km, where the flat approximation would start to drift."""
    m_lat, m_lng = _metres_per_degree((lat1 + lat2) / 2.0)
    d = math.hypot((lat2 - lat1) * m_lat, (lng2 - lng1) * m_lng)
    return d if d < _LOCAL_LIMIT_M else distance_m((lat1, lng1), (lat2, lng2))


def _check_fix(lat: float, lng: float, accuracy_m: float, edge_buffer_m: float) -> float:
    if not (math.isfinite(lat) and math.isfinite(lng) and -90.0 <= lat <= 90.0 and -180.0 <= lng <= 180.0):
        raise ValueError(f"not a WGS-84 position: ({lat!r}, {lng!r})")
    if not (math.isfinite(accuracy_m) and accuracy_m >= 0 and math.isfinite(edge_buffer_m) and edge_buffer_m >= 0):
        raise ValueError(f"accuracy_m and edge_buffer_m must be finite and >= 0: {accuracy_m!r}, {edge_buffer_m!r}")
    return max(accuracy_m, edge_buffer_m)


class Fence:
    """A named area in WGS-84: a polygon (`from_geojson`, or a shapely geometry) or a circle (`circle`).

    `slack_m` is how far the fence's boundary may lie from the true one (0 for an exact fence; the simplification
    error for the shipped city outlines, see places.py); `place` widens its margin by it. One instance may serve
    every thread: GEOS's lazy indexes are built before anything is shared, and a band's frame is complete before
    it is published (two threads may both build one; either copy serves).
    """

    def __init__(self, name: str, geometry: BaseGeometry, slack_m: float = 0.0) -> None:
        """A polygon fence from a valid WGS-84 (x = lng, y = lat) Polygon or MultiPolygon."""
        if geometry.geom_type not in ("Polygon", "MultiPolygon") or geometry.is_empty or not geometry.is_valid:
            raise ValueError(f"fence {name!r} needs a valid, non-empty Polygon or MultiPolygon")
        if not (math.isfinite(slack_m) and slack_m >= 0):
            raise ValueError(f"slack_m must be finite and >= 0: {slack_m!r}")
        self.name, self.geometry, self.slack_m = name, geometry, float(slack_m)
        self._circle: tuple[float, float, float] | None = None
        shapely.prepare(geometry)
        minx, miny, maxx, maxy = geometry.bounds
        self._lng0, self._lat_min = (minx + maxx) / 2.0, miny
        self._bands = max(1, math.ceil((maxy - miny) / _BAND_DEG))
        self._boundary = shapely.boundary(geometry)
        self._frames: dict[int, _Frame] = {}
        shapely.contains_xy(geometry, minx, miny)  # builds GEOS's lazy point locator now, in one thread

    @classmethod
    def from_geojson(cls, name: str, geometry: dict, coord_type: str, slack_m: float = 0.0) -> "Fence":
        """A fence from a GeoJSON Polygon/MultiPolygon in `coord_type` ("wgs84" | "gcj02"), converted once to
        WGS-84 vertex by vertex. ValueError when the datum is unknown or the geometry cannot be a fence."""
        if coord_type not in COORD_TYPES:
            raise ValueError(f"unknown coord_type {coord_type!r}; expected one of {COORD_TYPES}")
        problem = fence_problem(geometry)
        if problem:
            raise ValueError(problem)
        geom = shape(geometry)
        if coord_type == "gcj02":
            geom = shapely.transform(geom, _gcj_xy_to_wgs_xy)
            if not geom.is_valid:  # two rings a hair apart may touch after the (smooth, sub-millimetre-varying) shift
                geom = shapely.unary_union([p for p in shapely.get_parts(shapely.make_valid(geom))
                                            if p.geom_type in ("Polygon", "MultiPolygon")])
        return cls(name, geom, slack_m)

    @classmethod
    def circle(cls, name: str, lat: float, lng: float, radius_m: float) -> "Fence":
        """A disc of `radius_m` metres (measured on the ellipsoid) around a WGS-84 centre. Its `geometry` is a
        64-gon for display; `place` measures the exact distance to the centre."""
        _check_fix(lat, lng, 0.0, 0.0)
        if not (math.isfinite(radius_m) and 0 < radius_m <= _MAX_RADIUS_M):
            raise ValueError(f"radius_m must be above 0 and at most {_MAX_RADIUS_M:.0f} m: {radius_m!r}")
        m_lat, m_lng = _metres_per_degree(lat)
        angles = np.linspace(0.0, 2.0 * math.pi, _CIRCLE_VERTICES, endpoint=False)
        ring = np.column_stack([lng + radius_m * np.sin(angles) / m_lng, lat + radius_m * np.cos(angles) / m_lat])
        fence = cls(name, Polygon(ring))
        fence._circle = (lat, lng, float(radius_m))
        return fence

    def place(self, lat: float, lng: float, accuracy_m: float, edge_buffer_m: float) -> Placement:
        """Where the WGS-84 fix lies. margin = max(accuracy_m, edge_buffer_m) + slack_m: `inside` when contained
        and farther than the margin from the boundary, `outside` when not contained and farther than the margin,
        else `uncertain` (a fix exactly on the boundary is uncertain whatever the margin)."""
        margin = _check_fix(lat, lng, accuracy_m, edge_buffer_m) + self.slack_m
        if self._circle is not None:
            c_lat, c_lng, radius = self._circle
            to_centre = ground_m(lat, lng, c_lat, c_lng)
            contained, distance = to_centre < radius, abs(to_centre - radius)
        else:
            contained = bool(shapely.contains_xy(self.geometry, lng, lat))
            distance = self._to_boundary_m(lat, lng)
        if distance <= margin:
            return Placement(UNCERTAIN, distance)
        return Placement(INSIDE if contained else OUTSIDE, distance)

    def _to_boundary_m(self, lat: float, lng: float) -> float:
        """Metres to the nearest point of the boundary (chosen in the band's frame, measured on the ellipsoid)."""
        band = min(max(int((lat - self._lat_min) // _BAND_DEG), 0), self._bands - 1)
        frame = self._frames.get(band)
        if frame is None:
            frame = self._frames[band] = _Frame(self._lat_min + (band + 0.5) * _BAND_DEG, self._lng0, self._boundary)
        near_lat, near_lng = frame.nearest(lat, lng)
        return ground_m(lat, lng, near_lat, near_lng)

    def __repr__(self) -> str:
        kind = "circle" if self._circle else self.geometry.geom_type
        return f"Fence({self.name!r}, {kind}, slack_m={self.slack_m:g})"


class _Frame:
    """A fence's boundary in metres east and north of (lat0, lng0), at the ellipsoid's scale there, prepared."""

    __slots__ = ("lat0", "lng0", "ky", "kx", "boundary")

    def __init__(self, lat0: float, lng0: float, boundary: BaseGeometry) -> None:
        self.lat0, self.lng0 = lat0, lng0
        self.ky, self.kx = _metres_per_degree(lat0)
        self.boundary = shapely.transform(boundary, lambda xy: np.column_stack(
            [(xy[:, 0] - lng0) * self.kx, (xy[:, 1] - lat0) * self.ky]))
        shapely.prepare(self.boundary)  # prepared linework answers nearest-point queries from an index
        self.nearest(lat0, lng0)  # builds GEOS's lazy index now, before the frame is shared

    def nearest(self, lat: float, lng: float) -> tuple[float, float]:
        """The boundary point nearest to (lat, lng) as measured in this frame, as (lat, lng)."""
        fx, fy = (lng - self.lng0) * self.kx, (lat - self.lat0) * self.ky
        near_x, near_y = shapely.get_coordinates(shapely.shortest_line(self.boundary, Point(fx, fy)))[0]
        return self.lat0 + float(near_y) / self.ky, self.lng0 + float(near_x) / self.kx


def _gcj_xy_to_wgs_xy(xy: np.ndarray) -> np.ndarray:
    """shapely.transform callback: (lng, lat) rows in GCJ-02 to (lng, lat) rows in WGS-84."""
    lat, lng = gcj_to_wgs_arrays(xy[:, 1], xy[:, 0])
    return np.column_stack([lng, lat])
