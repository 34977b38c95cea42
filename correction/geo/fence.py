"""Jurisdiction fences as GeoJSON Polygon or MultiPolygon geometries, checked with shapely."""

import shapely
from shapely.errors import GEOSException
from shapely.geometry import shape

FENCE_TYPES = ("Polygon", "MultiPolygon")


def fence_problem(geometry: dict) -> str | None:
    """Why a GeoJSON geometry cannot serve as a fence (Chinese), or None when it can."""
    if not isinstance(geometry, dict) or geometry.get("type") not in FENCE_TYPES:
        return "围栏必须是 GeoJSON Polygon 或 MultiPolygon。"
    try:
        geom = shape(geometry)
    except (GEOSException, ValueError, TypeError, KeyError, IndexError, AttributeError):
        return "围栏坐标格式不正确。"
    if geom.is_empty:
        return "围栏不能为空。"
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        return "围栏坐标超出经纬度范围（先经度后纬度）。"
    if not shapely.is_valid(geom):
        return f"围栏多边形无效：{shapely.is_valid_reason(geom)}"
    return None
