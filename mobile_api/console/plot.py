"""The plot on a subject's file: recent fixes against the jurisdiction fence, drawn as inline SVG from the fence
geometry and the fixes' WGS-84 positions (no map tiles, nothing fetched). An equirectangular projection scaled by
the cosine of the middle latitude is true to a fraction of a percent over a county."""

import math
from dataclasses import dataclass

from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

WIDTH = 640.0
MARGIN = 0.06  # of the span, on every side
MIN_SPAN_DEG = 0.01  # about a kilometre: a lone fix without a fence still gets a frame
METRES_PER_DEG_LAT = 111_320.0
SCALE_STEPS_M = (100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000)


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    verdict: str
    captured_at: object  # the fix's capture instant, for its tooltip


@dataclass(frozen=True)
class Plot:
    width: float
    height: float
    fence_path: str | None  # SVG path data, even-odd rings
    dots: list[Dot]         # oldest first, so the latest is drawn on top
    home: tuple[float, float] | None
    scale_px: float         # length of the scale bar
    scale_label: str


def plot(fence: BaseGeometry | None, fixes: list, home: tuple[float, float] | None) -> Plot | None:
    """The drawing for a fence (WGS-84, x = lng) and fixes (with wgs_lat, wgs_lng, verdict, captured_at), or None
    when there is nothing to draw."""
    lats = [fix.wgs_lat for fix in fixes] + ([home[0]] if home else [])
    lngs = [fix.wgs_lng for fix in fixes] + ([home[1]] if home else [])
    if fence is not None:
        min_lng, min_lat, max_lng, max_lat = fence.bounds
        lats, lngs = lats + [min_lat, max_lat], lngs + [min_lng, max_lng]
    if not lats:
        return None
    squeeze = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x = max((max(lngs) - min(lngs)) * squeeze, MIN_SPAN_DEG)
    span_y = max(max(lats) - min(lats), MIN_SPAN_DEG)
    left = (min(lngs) + max(lngs)) / 2 * squeeze - span_x * (0.5 + MARGIN)
    top = (min(lats) + max(lats)) / 2 + span_y * (0.5 + MARGIN)
    per_deg = WIDTH / (span_x * (1 + 2 * MARGIN))
    height = round(span_y * (1 + 2 * MARGIN) * per_deg, 1)

    def xy(lat: float, lng: float) -> tuple[float, float]:
        return round((lng * squeeze - left) * per_deg, 1), round((top - lat) * per_deg, 1)

    fence_path = None
    if fence is not None:
        simple = fence.simplify(max(span_x, span_y) / 1000, preserve_topology=True)
        fence_path = " ".join(_ring_path(ring, xy) for ring in _rings(simple))
    dots = [Dot(*xy(fix.wgs_lat, fix.wgs_lng), getattr(fix.verdict, "value", fix.verdict), fix.captured_at)
            for fix in reversed(fixes)]
    scale_m = _scale_metres(WIDTH / per_deg * METRES_PER_DEG_LAT)
    return Plot(WIDTH, height, fence_path, dots, xy(*home) if home else None,
                round(scale_m / METRES_PER_DEG_LAT * per_deg, 1),
                f"{scale_m // 1000} 公里" if scale_m >= 1000 else f"{scale_m} 米")


def _rings(geometry: BaseGeometry) -> list:
    polygons = geometry.geoms if isinstance(geometry, MultiPolygon) else [geometry] if isinstance(
        geometry, Polygon) else []
    return [ring for polygon in polygons for ring in (polygon.exterior, *polygon.interiors)]


def _ring_path(ring, xy) -> str:
    points = [xy(lat, lng) for lng, lat in ring.coords]
    return "M" + " L".join(f"{x},{y}" for x, y in points) + " Z"


def _scale_metres(width_m: float) -> int:
    """The largest round length that fits in a quarter of the plot's width."""
    fitting = [step for step in SCALE_STEPS_M if step <= width_m / 4]
    return fitting[-1] if fitting else SCALE_STEPS_M[0]
