"""WGS-84 ↔ GCJ-02 (tech-notes §4.2).

GCJ-02 is the obfuscated datum of Chinese web maps (Amap/高德, Tencent, WeChat map components): a closed-form
shift of a few hundred metres computed on the Krasovsky 1940 ellipsoid, applied only inside a rough bounding box
of China (which also covers parts of neighbouring countries, as every implementation does). WGS-84 → GCJ-02 is the
formula; GCJ-02 → WGS-84 inverts it by fixed-point iteration (the shift varies by ~1e-3 per metre, so each step
gains about three orders of magnitude; the round trip is exact to well under a micrometre).

Coordinates are (lat, lng) in degrees everywhere. The scalar functions use `math` (about 2 µs per forward call); the
`*_arrays` variants evaluate the same formula on numpy arrays, for converting polygons.
"""

import math

import numpy as np

COORD_TYPES = ("wgs84", "gcj02")

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as used by GCJ-02
_EE = 0.00669342162296594323  # Krasovsky 1940 first eccentricity squared
_TOL_DEG = 1e-10  # inverse iteration stops when a step moves less than this (~10 µm); the error is then ~1e-8 m
_MAX_ITER = 30


def out_of_china(lat: float, lng: float) -> bool:
    """True outside the box in which GCJ-02 differs from WGS-84 (there both datums are the same)."""
    return not (73.66 < lng < 135.05 and 3.86 < lat < 53.55)


def _delta(lat, lng, sin=math.sin, cos=math.cos, sqrt=math.sqrt, fabs=math.fabs):
    """The GCJ-02 shift (dlat, dlng) in degrees at a WGS-84 point; floats with `math`, arrays with numpy's ufuncs."""
    pi = math.pi
    x, y = lng - 105.0, lat - 35.0
    common = (20.0 * sin(6.0 * x * pi) + 20.0 * sin(2.0 * x * pi)) * 2.0 / 3.0  # in both shifts
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt(fabs(x)) + common
            + (20.0 * sin(y * pi) + 40.0 * sin(y / 3.0 * pi)) * 2.0 / 3.0
            + (160.0 * sin(y / 12.0 * pi) + 320.0 * sin(y * pi / 30.0)) * 2.0 / 3.0)
    dlng = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt(fabs(x)) + common
            + (20.0 * sin(x * pi) + 40.0 * sin(x / 3.0 * pi)) * 2.0 / 3.0
            + (150.0 * sin(x / 12.0 * pi) + 300.0 * sin(x / 30.0 * pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * pi
    magic = 1.0 - _EE * sin(rad) ** 2
    sq = sqrt(magic)
    return ((dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sq) * pi),
            (dlng * 180.0) / (_A / sq * cos(rad) * pi))


def wgs_to_gcj(lat: float, lng: float) -> tuple[float, float]:
    """A WGS-84 point in GCJ-02 (unchanged outside China)."""
    if out_of_china(lat, lng):
        return lat, lng
    dlat, dlng = _delta(lat, lng)
    return lat + dlat, lng + dlng


def gcj_to_wgs(lat: float, lng: float) -> tuple[float, float]:
    """A GCJ-02 point in WGS-84 (unchanged outside China): the exact inverse of `wgs_to_gcj`, by iteration."""
    if out_of_china(lat, lng):
        return lat, lng
    wlat, wlng = lat, lng
    for _ in range(_MAX_ITER):
        dlat, dlng = _delta(wlat, wlng)
        elat, elng = wlat + dlat - lat, wlng + dlng - lng  # how far the candidate's GCJ-02 image misses
        wlat, wlng = wlat - elat, wlng - elng
        if abs(elat) < _TOL_DEG and abs(elng) < _TOL_DEG:
            break
    return wlat, wlng


def to_wgs84(lat: float, lng: float, coord_type: str) -> tuple[float, float]:
    """A point given in `coord_type` ("wgs84" or "gcj02") in WGS-84; ValueError for any other datum."""
    if coord_type == "wgs84":
        return lat, lng
    if coord_type == "gcj02":
        return gcj_to_wgs(lat, lng)
    raise ValueError(f"unknown coord_type {coord_type!r}; expected one of {COORD_TYPES}")


def from_wgs84(lat: float, lng: float, coord_type: str) -> tuple[float, float]:
    """A WGS-84 point in `coord_type` ("wgs84" or "gcj02"), e.g. to show it on a GCJ-02 map."""
    if coord_type == "wgs84":
        return lat, lng
    if coord_type == "gcj02":
        return wgs_to_gcj(lat, lng)
    raise ValueError(f"unknown coord_type {coord_type!r}; expected one of {COORD_TYPES}")


def _in_china(lat: np.ndarray, lng: np.ndarray) -> np.ndarray:
    return (73.66 < lng) & (lng < 135.05) & (3.86 < lat) & (lat < 53.55)


def wgs_to_gcj_arrays(lat: np.ndarray, lng: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`wgs_to_gcj` on arrays of points (same formula, same results to the last few bits)."""
    lat, lng = np.asarray(lat, dtype=float), np.asarray(lng, dtype=float)
    dlat, dlng = _delta(lat, lng, np.sin, np.cos, np.sqrt, np.abs)
    inside = _in_china(lat, lng)
    return np.where(inside, lat + dlat, lat), np.where(inside, lng + dlng, lng)


def gcj_to_wgs_arrays(lat: np.ndarray, lng: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`gcj_to_wgs` on arrays of points: iterates until every point has converged."""
    lat, lng = np.asarray(lat, dtype=float), np.asarray(lng, dtype=float)
    wlat, wlng = lat.copy(), lng.copy()
    for _ in range(_MAX_ITER):
        dlat, dlng = _delta(wlat, wlng, np.sin, np.cos, np.sqrt, np.abs)
        elat, elng = wlat + dlat - lat, wlng + dlng - lng
        wlat, wlng = wlat - elat, wlng - elng
        if not (np.any(np.abs(elat) >= _TOL_DEG) or np.any(np.abs(elng) >= _TOL_DEG)):
            break
    inside = _in_china(lat, lng)
    return np.where(inside, wlat, lat), np.where(inside, wlng, lng)
