"""Shipped boundaries (data/README.md): every prefecture-level city, simplified, and the demo county at full resolution.

Codes are GB/T 2260 adcodes as Amap has them: prefecture-level cities, 地区, 自治州 and 盟; the four municipalities
as 110000, 120000, 310000 and 500000; 710000, 810000 and 820000 for Taiwan, Hong Kong and Macau; and the county-level
units that report to their province directly (济源 419001, 仙桃 429004 and the other 4290xx and 4690xx units, the
XPCC cities 6590xx) under their own codes, since for them the city and the county are one. The leave codes 429000,
469000 and 659000 have no boundary of their own and are unknown here.

The data is GCJ-02; fences are converted to WGS-84 when built. The city table is read on first use and each city's
outline is parsed and prepared when its fence is first asked for, once per process (functools.cache); nothing
changes afterwards, so it is safe to read from any thread.
"""

import copy
import gzip
import json
from functools import cache
from pathlib import Path

from correction.geo.fences import Fence

DATA = Path(__file__).with_name("data")
DATUM = "gcj02"


@cache
def _cities() -> dict[str, dict]:
    with gzip.open(DATA / "cities.json.gz", "rt", encoding="utf-8") as f:
        data = json.load(f)
    if data["datum"] != DATUM:
        raise RuntimeError(f"cities.json.gz is in {data['datum']}, expected {DATUM}")
    return {city["code"]: city for city in data["cities"]}


@cache
def _counties() -> dict[str, dict]:
    counties = {}
    for path in sorted((DATA / "counties").glob("*.geojson")):
        feature = json.loads(path.read_text(encoding="utf-8"))
        if feature["properties"]["datum"] != DATUM:
            raise RuntimeError(f"{path.name} is in {feature['properties']['datum']}, expected {DATUM}")
        counties[feature["properties"]["adcode"]] = feature
    return counties


def city_codes() -> tuple[str, ...]:
    """Every city code with a shipped boundary, in order."""
    return tuple(_cities())


def city_name(code: str) -> str | None:
    """The name of a city by its code (e.g. '210200' → '大连市'), or None when none is shipped."""
    city = _cities().get(code) if isinstance(code, str) else None
    return city["name"] if city else None


def city_fence(code: str) -> Fence | None:
    """The city's boundary as a Fence named "city:<code>", or None for an unknown code. The outline is simplified
    (about 500 m); the fence's `slack_m` carries the measured error, so `place` is uncertain within it."""
    if not isinstance(code, str) or code not in _cities():
        return None
    return _city_fence(code)


@cache
def _city_fence(code: str) -> Fence:
    city = _cities()[code]
    return Fence.from_geojson(f"city:{code}", json.loads(city["geometry"]), DATUM, slack_m=city["slack_m"])


def city_geometry(code: str) -> tuple[dict, str] | None:
    """A city's simplified outline as GeoJSON and its datum ("gcj02"), e.g. to draw it; None for an unknown code."""
    city = _cities().get(code) if isinstance(code, str) else None
    return (json.loads(city["geometry"]), DATUM) if city else None


def county_name(adcode: str) -> str | None:
    """The name of a shipped county (e.g. '210213' → '金州区'), or None."""
    county = _counties().get(adcode) if isinstance(adcode, str) else None
    return county["properties"]["name"] if county else None


def county_geometry(adcode: str) -> tuple[dict, str] | None:
    """A shipped county polygon at full resolution and its datum ("gcj02"), for seeding a county unit's fence;
    None when no polygon is shipped for the code. The dict is the caller's own copy."""
    county = _counties().get(adcode) if isinstance(adcode, str) else None
    return (copy.deepcopy(county["geometry"]), DATUM) if county else None


def county_fence(adcode: str) -> Fence | None:
    """A shipped county's boundary as an exact Fence named "county:<adcode>", or None."""
    if not isinstance(adcode, str) or adcode not in _counties():
        return None
    return _county_fence(adcode)


@cache
def _county_fence(adcode: str) -> Fence:
    return Fence.from_geojson(f"county:{adcode}", _counties()[adcode]["geometry"], DATUM)
