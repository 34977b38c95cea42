"""correction.geo.datum against the vectors of tech-notes §4.2, round trips and out-of-China behaviour."""

import random

import numpy as np
import pytest
from geopy.distance import geodesic

from correction.geo.datum import (
    COORD_TYPES,
    from_wgs84,
    gcj_to_wgs,
    gcj_to_wgs_arrays,
    out_of_china,
    to_wgs84,
    wgs_to_gcj,
    wgs_to_gcj_arrays,
)

# (WGS-84, GCJ-02), published by googollee/eviltransform's tests and wandergis/coordtransform's test/app.js
PUBLISHED = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # Shanghai
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),  # Shenzhen
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),  # Beijing
    ((39.915, 116.404), (39.91640428150164, 116.41024449916938)),  # Beijing, Tiananmen area
]
# a third-party pytest suite that compares with a tolerance of 1e-7° (its vector is ~9 mm off the formula)
LOOSE = ((40.0, 116.0), (40.001213650174, 116.006141221789))
# regression values computed in tech-notes §4.2 (eviltransform agrees to 7–8 mm)
DALIAN = [
    ((38.879, 121.586), (38.87975354, 121.59094187)),  # 星海广场
    ((39.0503, 121.7196), (39.05132482, 121.72473732)),  # 金州
]
ALL = [*PUBLISHED, LOOSE, *DALIAN]


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return geodesic(a, b).meters


@pytest.mark.parametrize(("wgs", "gcj"), ALL)
def test_every_vector_within_a_metre_both_ways(wgs, gcj):
    assert metres(wgs_to_gcj(*wgs), gcj) < 1.0
    assert metres(gcj_to_wgs(*gcj), wgs) < 1.0
    assert metres(to_wgs84(*gcj, "gcj02"), wgs) < 1.0


@pytest.mark.parametrize(("wgs", "gcj"), PUBLISHED)
def test_published_vectors_match_exactly(wgs, gcj):
    assert metres(wgs_to_gcj(*wgs), gcj) < 1e-6
    assert metres(gcj_to_wgs(*gcj), wgs) < 1e-6


def test_the_loose_vector_within_its_suites_tolerance():
    (wgs, gcj) = LOOSE
    lat, lng = wgs_to_gcj(*wgs)
    assert abs(lat - gcj[0]) < 1e-7 and abs(lng - gcj[1]) < 1e-7


@pytest.mark.parametrize(("wgs", "gcj"), DALIAN)
def test_dalian_regression_values_and_the_shift_is_hundreds_of_metres(wgs, gcj):
    assert metres(wgs_to_gcj(*wgs), gcj) < 0.01  # the values are given to 1e-8°, about 1 mm
    assert 400 < metres(wgs, gcj) < 500


def flat_metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """An upper bound of the metres between two very close points (a degree is at most 111.7 km anywhere)."""
    return 111_700.0 * max(abs(a[0] - b[0]), abs(a[1] - b[1])) * 2**0.5


def test_round_trips_on_random_points_in_china():
    rng = random.Random(20260415)
    worst = 0.0
    for _ in range(2000):
        p = (rng.uniform(18.2, 53.5), rng.uniform(73.7, 135.0))
        assert not out_of_china(*p)
        worst = max(worst, flat_metres(gcj_to_wgs(*wgs_to_gcj(*p)), p), flat_metres(wgs_to_gcj(*gcj_to_wgs(*p)), p))
    assert worst < 1e-6


def test_the_inverse_beats_the_common_one_step_approximation():
    lat, lng = 39.915, 116.404
    glat, glng = wgs_to_gcj(lat, lng)
    shifted_lat, shifted_lng = wgs_to_gcj(glat, glng)
    one_step = (glat - (shifted_lat - glat), glng - (shifted_lng - glng))  # subtract the shift taken at the GCJ point
    assert 0.01 < metres(one_step, (lat, lng)) < 1.0  # tech-notes: about 0.06 m off near Beijing
    assert metres(gcj_to_wgs(glat, glng), (lat, lng)) < 1e-6


@pytest.mark.parametrize("point", [(51.5074, -0.1278), (35.6812, 139.7671), (1.2903, 103.8519), (-33.86, 151.21),
                                   (60.0, 100.0)])
def test_points_outside_china_are_unchanged(point):
    assert out_of_china(*point)
    assert wgs_to_gcj(*point) == point
    assert gcj_to_wgs(*point) == point
    assert to_wgs84(*point, "gcj02") == point
    lat, lng = wgs_to_gcj_arrays(np.array([point[0]]), np.array([point[1]]))
    assert (lat[0], lng[0]) == point


def test_points_in_china_are_shifted():
    assert not out_of_china(39.0503, 121.7196)
    assert metres(wgs_to_gcj(39.0503, 121.7196), (39.0503, 121.7196)) > 100


def test_to_wgs84_and_back_by_coord_type():
    assert COORD_TYPES == ("wgs84", "gcj02")
    assert to_wgs84(39.0503, 121.7196, "wgs84") == (39.0503, 121.7196)
    assert from_wgs84(39.0503, 121.7196, "wgs84") == (39.0503, 121.7196)
    assert from_wgs84(39.0503, 121.7196, "gcj02") == wgs_to_gcj(39.0503, 121.7196)
    assert metres(to_wgs84(*from_wgs84(39.0503, 121.7196, "gcj02"), "gcj02"), (39.0503, 121.7196)) < 1e-6


@pytest.mark.parametrize("coord_type", ["bd09", "WGS84", "GCJ02", "", "wgs-84", None])
def test_unknown_coord_type_raises(coord_type):
    with pytest.raises(ValueError):
        to_wgs84(39.0503, 121.7196, coord_type)
    with pytest.raises(ValueError):
        from_wgs84(39.0503, 121.7196, coord_type)


def test_array_versions_agree_with_the_scalar_ones():
    rng = np.random.default_rng(7)
    lat, lng = rng.uniform(0.0, 60.0, 3000), rng.uniform(60.0, 140.0, 3000)  # in and out of China
    glat, glng = wgs_to_gcj_arrays(lat, lng)
    wlat, wlng = gcj_to_wgs_arrays(lat, lng)
    for i in range(0, 3000, 7):
        assert max(abs(a - b) for a, b in zip(wgs_to_gcj(lat[i], lng[i]), (glat[i], glng[i]), strict=True)) < 1e-12
        assert max(abs(a - b) for a, b in zip(gcj_to_wgs(lat[i], lng[i]), (wlat[i], wlng[i]), strict=True)) < 1e-12


def test_array_inverse_agrees_at_the_edges_of_the_box():
    """Near the box's edge an iterate may leave the box (the first point is a vertex of 克孜勒苏州's outline); the
    inverse must still converge, to the scalar answer."""
    lat = np.array([39.15675, 39.0, 39.5, 3.87, 53.54, 47.5])
    lng = np.array([73.66249, 73.6605, 73.663, 110.0, 122.0, 135.04])
    wlat, wlng = gcj_to_wgs_arrays(lat, lng)
    for i in range(len(lat)):
        assert max(abs(a - b) for a, b in zip(gcj_to_wgs(lat[i], lng[i]), (wlat[i], wlng[i]), strict=True)) < 1e-12
