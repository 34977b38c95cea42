"""correction.geo.places: the shipped city outlines and the 金州区 county polygon."""

import gzip
import json
import re

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from correction.geo import places
from correction.geo.datum import gcj_to_wgs_arrays

TIANANMEN = (39.915, 116.404)  # WGS-84
SHANGHAI = (31.2304, 121.4737)
JINZHOU = (39.0503, 121.7196)


@pytest.fixture(scope="module")
def outlines():
    """Every shipped city outline, read straight from the file: code → (GCJ-02 geometry, the same in WGS-84)."""
    with gzip.open(places.DATA / "cities.json.gz", "rt", encoding="utf-8") as f:
        data = json.load(f)
    assert data["datum"] == "gcj02"
    codes = [city["code"] for city in data["cities"]]
    gcj = shapely.from_geojson([city["geometry"] for city in data["cities"]])
    xy = shapely.get_coordinates(gcj)  # all vertices at once: one vectorised conversion
    lat, lng = gcj_to_wgs_arrays(xy[:, 1], xy[:, 0])
    wgs = shapely.set_coordinates(gcj.copy(), np.column_stack([lng, lat]))
    return {code: (g, w) for code, g, w in zip(codes, gcj, wgs, strict=True)}


def test_the_api_serves_the_files_outlines(outlines):
    for code in ("110000", "210200", "659001", "820000"):
        geometry, datum = places.city_geometry(code)
        assert datum == "gcj02" and shape(geometry).equals_exact(outlines[code][0], 0.0)
    assert places.city_codes() == tuple(outlines)


def test_beijing_contains_tiananmen_and_not_shanghai():
    beijing = places.city_fence("110000")
    assert beijing.name == "city:110000"
    assert beijing.place(*TIANANMEN, accuracy_m=30, edge_buffer_m=200).state == "inside"
    assert beijing.place(*SHANGHAI, accuracy_m=30, edge_buffer_m=200).state == "outside"
    assert places.city_fence("310000").place(*SHANGHAI, accuracy_m=30, edge_buffer_m=200).state == "inside"


def test_dalian_contains_jinzhou_and_is_named():
    assert places.city_name("210200") == "大连市"
    assert places.city_fence("210200").place(*JINZHOU, accuracy_m=30, edge_buffer_m=200).state == "inside"
    assert places.city_fence("210100").place(*JINZHOU, accuracy_m=30, edge_buffer_m=200).state == "outside"


def test_fences_are_built_once_and_carry_the_simplification_error():
    dalian = places.city_fence("210200")
    assert places.city_fence("210200") is dalian
    assert 300 <= dalian.slack_m <= 2000  # ~0.005° simplification, measured at build time


def test_municipalities_use_their_province_level_code():
    assert [places.city_name(c) for c in ("110000", "120000", "310000", "500000")] == ["北京市", "天津市", "上海市",
                                                                                       "重庆市"]
    assert places.city_name("110100") is None


def test_province_administered_county_level_units_are_their_own_cities():
    assert places.city_name("419001") == "济源市"
    assert places.city_name("429004") == "仙桃市"
    assert places.city_name("469002") == "琼海市"
    assert places.city_name("429000") is None and places.city_name("469000") is None  # codes without a boundary


@pytest.mark.parametrize("code", ["999999", "210213", "", "21020", "210200 ", "ABCDEF", None, 210200])
def test_unknown_codes(code):
    assert places.city_name(code) is None
    assert places.city_fence(code) is None
    assert places.city_geometry(code) is None


def test_the_number_of_cities_is_plausible_and_complete(outlines):
    codes = places.city_codes()
    assert 330 <= len(codes) <= 375
    assert list(codes) == sorted(set(codes))
    assert all(re.fullmatch(r"[1-8]\d{5}", c) for c in codes)
    assert {"110000", "120000", "310000", "500000", "710000", "810000", "820000"} <= set(codes)
    assert len({c[:2] for c in codes}) == 34  # every province-level unit has at least one city
    assert all(re.fullmatch(r"\w+(市|地区|自治州|盟|县|林区|省|特别行政区)", places.city_name(c)) for c in codes)


def test_every_city_outline_is_valid_in_both_datums_and_in_china(outlines):
    for code, (gcj, wgs) in outlines.items():
        assert gcj.geom_type in ("Polygon", "MultiPolygon") and not gcj.is_empty, code
        assert gcj.is_valid and wgs.is_valid, code
        minx, miny, maxx, maxy = wgs.bounds
        assert 73 < minx < maxx < 135.1 and 3.8 < miny < maxy < 53.6, code


def test_neighbouring_outlines_barely_overlap(outlines):
    """Simplification must not swallow the neighbours: Dalian overlaps each adjacent city by well under 1 %."""
    dalian = outlines["210200"][0]
    for neighbour in ("210800", "210600", "210300"):  # 营口, 丹东, 鞍山
        other = outlines[neighbour][0]
        assert dalian.intersection(other).area < 0.01 * min(dalian.area, other.area)


def test_county_geometry_is_jinzhou_at_full_resolution_and_a_copy():
    geometry, datum = places.county_geometry("210213")
    assert datum == "gcj02" and places.county_name("210213") == "金州区"
    geom = shape(geometry)
    assert geom.geom_type == "MultiPolygon" and len(geom.geoms) == 13 and shapely.get_num_coordinates(geom) == 2614
    assert geom.is_valid
    minx, miny, maxx, maxy = geom.bounds
    assert (minx, miny, maxx, maxy) == pytest.approx((121.4451, 38.9425, 122.3036, 39.5399), abs=1e-4)
    geometry["coordinates"].clear()
    assert shapely.get_num_coordinates(shape(places.county_geometry("210213")[0])) == 2614


def test_county_fence():
    fence = places.county_fence("210213")
    assert fence.name == "county:210213" and fence.slack_m == 0 and places.county_fence("210213") is fence
    assert fence.place(*JINZHOU, accuracy_m=30, edge_buffer_m=200).state == "inside"
    assert fence.place(*TIANANMEN, accuracy_m=30, edge_buffer_m=200).state == "outside"
    assert places.county_fence("210200") is None and places.county_geometry("210211") is None
    assert places.county_name("999999") is None
