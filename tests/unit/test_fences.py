"""correction.geo.fences on the real 金州区 (210213) polygon, which is shipped in GCJ-02, and on circles.

Near-edge points are derived from the polygon itself: the midpoint of a long boundary segment, moved along the
segment's normal with Karney's geodesic (geographiclib), on the side that shapely's own `contains` says is inside.
"""

import math
import random

import numpy as np
import pytest
import shapely
from geographiclib.geodesic import Geodesic
from shapely.geometry import Point, shape

from correction.geo import places
from correction.geo.datum import gcj_to_wgs, wgs_to_gcj
from correction.geo.fences import Fence, Placement, distance_m, ground_m

WGS84 = Geodesic.WGS84
JINZHOU = (39.0503, 121.7196)  # 金州 centre, WGS-84
SHENYANG = (41.8057, 123.4315)


@pytest.fixture(scope="module")
def raw():
    """The county polygon as shipped (GCJ-02), as GeoJSON and as a shapely geometry."""
    geometry, datum = places.county_geometry("210213")
    assert datum == "gcj02"
    return geometry, shape(geometry)


@pytest.fixture(scope="module")
def fence(raw):
    return Fence.from_geojson("county:210213", raw[0], "gcj02")


def longest_segments(geom):
    """Boundary segments ((lat1, lng1), (lat2, lng2)) of the largest part's exterior, longest first."""
    ring = np.asarray(max(shapely.get_parts(geom), key=lambda p: p.area).exterior.coords)
    step = np.diff(ring, axis=0) * [math.cos(math.radians(ring[0][1])), 1.0]  # only to sort them
    order = np.argsort(-np.hypot(step[:, 0], step[:, 1]), kind="stable")
    return [((ring[i][1], ring[i][0]), (ring[i + 1][1], ring[i + 1][0])) for i in order]


def inward(geom, segment):
    """(midpoint, azimuth of the inward normal) of a boundary segment, the side decided by shapely. The edge is
    straight in (lng, lat), so the midpoint is taken there (a geodesic's midpoint would be ~1 m off a 8 km edge)."""
    (lat1, lng1), (lat2, lng2) = segment
    mid = ((lat1 + lat2) / 2, (lng1 + lng2) / 2)
    normal = WGS84.Inverse(*mid, lat2, lng2)["azi1"] + 90.0
    probe = moved(mid, normal, 20.0)
    if not geom.contains(Point(probe[1], probe[0])):
        normal -= 180.0
    return mid, normal


def moved(point, azimuth, metres):
    p = WGS84.Direct(point[0], point[1], azimuth, metres)
    return p["lat2"], p["lon2"]


def near_edge(geom, depth_m):
    """A point `depth_m` metres inside (negative: outside) the midpoint of the longest boundary segment."""
    mid, normal = inward(geom, longest_segments(geom)[0])
    return moved(mid, normal, depth_m)


# --- the polygon ------------------------------------------------------------------------------------------------


def test_the_polygon_is_converted_once_to_wgs84_and_prepared(raw, fence):
    assert fence.name == "county:210213" and fence.slack_m == 0
    assert shapely.is_prepared(fence.geometry) and fence.geometry.is_valid
    gcj, wgs = shapely.get_coordinates(raw[1]), shapely.get_coordinates(fence.geometry)
    assert len(gcj) == len(wgs) == 2614
    for i in range(0, len(gcj), 97):
        lat, lng = gcj_to_wgs(gcj[i][1], gcj[i][0])
        assert abs(lat - wgs[i][1]) < 1e-12 and abs(lng - wgs[i][0]) < 1e-12
        assert 300 < distance_m((gcj[i][1], gcj[i][0]), (wgs[i][1], wgs[i][0])) < 600


def test_well_inside_and_well_outside(fence):
    inside = fence.place(*JINZHOU, accuracy_m=30, edge_buffer_m=200)
    assert inside.state == "inside" and inside.distance_to_boundary_m > 1000
    outside = fence.place(*SHENYANG, accuracy_m=30, edge_buffer_m=200)
    assert outside.state == "outside" and 200_000 < outside.distance_to_boundary_m < 400_000


def test_near_the_edge_small_accuracy_decides_large_accuracy_is_uncertain(fence):
    inner, outer = near_edge(fence.geometry, 100.0), near_edge(fence.geometry, -100.0)
    assert fence.geometry.contains(Point(inner[1], inner[0])) and not fence.geometry.contains(Point(outer[1], outer[0]))
    for point, state in ((inner, "inside"), (outer, "outside")):
        decided = fence.place(*point, accuracy_m=10, edge_buffer_m=0)
        assert decided.state == state
        assert decided.distance_to_boundary_m == pytest.approx(100.0, rel=1e-3)
        assert fence.place(*point, accuracy_m=500, edge_buffer_m=0).state == "uncertain"
        assert fence.place(*point, accuracy_m=10, edge_buffer_m=150).state == "uncertain"  # the buffer counts too


def test_never_outside_while_the_accuracy_circle_reaches_the_fence(fence):
    outer = near_edge(fence.geometry, -100.0)
    distance = fence.place(*outer, accuracy_m=0, edge_buffer_m=0).distance_to_boundary_m
    assert fence.place(*outer, accuracy_m=distance + 0.5, edge_buffer_m=0).state == "uncertain"
    assert fence.place(*outer, accuracy_m=distance - 0.5, edge_buffer_m=0).state == "outside"


def test_a_point_on_the_boundary_is_uncertain_even_without_margin(fence):
    lng, lat = shapely.get_coordinates(fence.geometry)[1234]
    on = fence.place(lat, lng, accuracy_m=0, edge_buffer_m=0)
    assert on == Placement("uncertain", on.distance_to_boundary_m) and on.distance_to_boundary_m < 1e-6


def test_slack_widens_the_margin(raw):
    loose = Fence.from_geojson("county:210213", raw[0], "gcj02", slack_m=500)
    exact = Fence(loose.name, loose.geometry)
    inner = near_edge(loose.geometry, 300.0)
    assert exact.place(*inner, accuracy_m=10, edge_buffer_m=0).state == "inside"
    assert loose.place(*inner, accuracy_m=10, edge_buffer_m=0).state == "uncertain"


def test_gcj02_polygon_judged_right_only_because_it_is_converted(raw, fence):
    """A place 300 m inside the GCJ-02 boundary, on an edge facing the datum shift: the phone reports it in WGS-84,
    which is ~430 m away in GCJ-02 terms; only the converted polygon puts it inside."""
    geom = raw[1]

    def facing(segment):  # how squarely the edge's inward normal points along the local GCJ-02 shift
        (lat, lng), normal = inward(geom, segment)
        wlat, wlng = gcj_to_wgs(lat, lng)
        shift = WGS84.Inverse(wlat, wlng, *wgs_to_gcj(wlat, wlng))["azi1"]
        return math.cos(math.radians(normal - shift))

    segment = next(s for s in longest_segments(geom) if facing(s) > 0.85)
    mid, normal = inward(geom, segment)
    place_gcj = moved(mid, normal, 300.0)
    assert geom.contains(Point(place_gcj[1], place_gcj[0]))
    fix = gcj_to_wgs(*place_gcj)  # what the phone reports for that place

    judged = fence.place(*fix, accuracy_m=10, edge_buffer_m=0)
    assert judged.state == "inside" and judged.distance_to_boundary_m == pytest.approx(300.0, abs=1.0)
    unconverted = Fence.from_geojson("wrong", raw[0], "wgs84")  # GCJ-02 vertices taken for WGS-84
    assert unconverted.place(*fix, accuracy_m=10, edge_buffer_m=0).state == "outside"


def test_distances_near_the_edge_agree_with_the_geodesic(fence):
    """Against brute force: the boundary sampled every ~10 m, the nearest sample measured with Karney's geodesic
    (at 50 m or more the sampling overstates the distance by at most 0.25 m)."""
    samples = shapely.get_coordinates(shapely.segmentize(fence.geometry.boundary, 0.0001))
    rng = random.Random(4)
    for _ in range(40):
        lng, lat = samples[rng.randrange(len(samples))]
        fix = moved((lat, lng), rng.uniform(0, 360), rng.uniform(50.0, 3000.0))
        scale = math.cos(math.radians(fix[0]))
        i = int(np.argmin(np.hypot((samples[:, 0] - fix[1]) * scale, samples[:, 1] - fix[0])))
        truth = min(WGS84.Inverse(*fix, samples[j][1], samples[j][0])["s12"]
                    for j in range(max(0, i - 3), min(len(samples), i + 4)))
        got = fence.place(*fix, accuracy_m=0, edge_buffer_m=0).distance_to_boundary_m
        assert got == pytest.approx(truth, rel=1e-3, abs=0.3)


def test_distances_stay_accurate_on_a_fence_six_degrees_tall():
    """呼伦贝尔 spans 47.1–53.3°N: one metric frame for all of it would be off by 6 % at its ends
    (and its distances by up to 3 %)."""
    tall = Fence("tall", places.city_fence("150700").geometry)
    samples = shapely.get_coordinates(shapely.segmentize(tall.geometry.boundary, 0.0005))  # at most ~50 m apart
    rng = random.Random(11)
    checked = 0
    while checked < 40:
        lng, lat = samples[rng.randrange(len(samples))]
        fix = moved((lat, lng), rng.uniform(0, 360), rng.uniform(300.0, 5000.0))
        scale = math.cos(math.radians(fix[0]))
        i = int(np.argmin(np.hypot((samples[:, 0] - fix[1]) * scale, samples[:, 1] - fix[0])))
        truth = min(WGS84.Inverse(*fix, samples[j][1], samples[j][0])["s12"]
                    for j in range(max(0, i - 3), min(len(samples), i + 4)))
        if truth < 300:  # another stretch of boundary came close: the sampling would overstate too much
            continue
        got = tall.place(*fix, accuracy_m=0, edge_buffer_m=0).distance_to_boundary_m
        assert got == pytest.approx(truth, rel=1e-3, abs=1.1)  # sampling overstates by <= 25²/(2·300) m
        checked += 1


def test_ground_m_agrees_with_the_geodesic():
    rng = random.Random(9)
    for _ in range(300):
        a = (rng.uniform(18.0, 53.0), rng.uniform(74.0, 134.0))
        b = moved(a, rng.uniform(0, 360), rng.uniform(1.0, 49_000.0))
        assert ground_m(*a, *b) == pytest.approx(distance_m(a, b), rel=1e-4)
    far = ((39.0503, 121.7196), (31.2304, 121.4737))
    assert ground_m(*far[0], *far[1]) == distance_m(*far)  # beyond 50 km it is the geodesic itself


# --- circles ----------------------------------------------------------------------------------------------------


def test_circle_fence():
    home = Fence.circle("home", *JINZHOU, radius_m=200.0)
    assert home.name == "home" and home.geometry.contains(Point(JINZHOU[1], JINZHOU[0]))
    centre = home.place(*JINZHOU, accuracy_m=10, edge_buffer_m=0)
    assert centre == Placement("inside", 200.0)
    near = home.place(*moved(JINZHOU, 30.0, 100.0), accuracy_m=10, edge_buffer_m=0)
    assert near.state == "inside" and near.distance_to_boundary_m == pytest.approx(100.0, rel=1e-4)
    away = moved(JINZHOU, 250.0, 350.0)
    assert home.place(*away, accuracy_m=10, edge_buffer_m=0).state == "outside"
    assert home.place(*away, accuracy_m=10, edge_buffer_m=0).distance_to_boundary_m == pytest.approx(150, rel=1e-4)
    assert home.place(*away, accuracy_m=160, edge_buffer_m=0).state == "uncertain"
    rim = home.place(*moved(JINZHOU, 123.0, 205.0), accuracy_m=20, edge_buffer_m=0)
    assert rim.state == "uncertain" and rim.distance_to_boundary_m == pytest.approx(5.0, abs=0.01)


def test_circle_distance_is_geodesic_far_away():
    home = Fence.circle("home", *JINZHOU, radius_m=500.0)
    placed = home.place(*SHENYANG, accuracy_m=10, edge_buffer_m=0)
    assert placed.state == "outside"
    assert placed.distance_to_boundary_m == pytest.approx(distance_m(JINZHOU, SHENYANG) - 500.0, abs=1e-6)


# --- refusals ---------------------------------------------------------------------------------------------------


def test_bad_input_is_refused(raw, fence):
    with pytest.raises(ValueError):
        Fence.from_geojson("x", raw[0], "bd09")
    with pytest.raises(ValueError):
        Fence.from_geojson("x", {"type": "Point", "coordinates": [121.7, 39.0]}, "wgs84")
    bow_tie = {"type": "Polygon", "coordinates": [[[121.0, 39.0], [122.0, 40.0], [122.0, 39.0], [121.0, 40.0],
                                                   [121.0, 39.0]]]}
    with pytest.raises(ValueError):
        Fence.from_geojson("x", bow_tie, "wgs84")
    for radius in (0.0, -1.0, math.nan, math.inf):
        with pytest.raises(ValueError):
            Fence.circle("home", *JINZHOU, radius_m=radius)
    for args in ((math.nan, 121.7, 10, 0), (39.0, 181.0, 10, 0), (39.0, 121.7, -1, 0), (39.0, 121.7, 10, math.nan)):
        with pytest.raises(ValueError):
            fence.place(*args)
