"""The fence plot's geometry: fixes land where they are relative to the fence, north is up, the frame keeps the
ground's proportions, and there is nothing to draw without a fence or a fix."""

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from shapely.geometry import Polygon

from mobile_api.console.plot import MARGIN, METRES_PER_DEG_LAT, WIDTH, plot


@dataclass
class Fix:
    wgs_lat: float
    wgs_lng: float
    verdict: str
    captured_at: datetime = datetime(2026, 11, 26, tzinfo=UTC)


SQUARE = Polygon([(121.6, 39.0), (121.8, 39.0), (121.8, 39.2), (121.6, 39.2)])  # x = lng, y = lat


def test_fixes_are_placed_against_the_fence_with_north_up():
    drawn = plot(SQUARE, [Fix(39.1, 121.7, "inside"), Fix(39.3, 121.9, "outside")], home=(39.05, 121.65))
    inside, outside = drawn.dots[1], drawn.dots[0]  # oldest first: the latest is drawn on top
    assert (inside.verdict, outside.verdict) == ("inside", "outside")
    xs = [float(p.split(",")[0]) for p in drawn.fence_path.lstrip("M").rstrip(" Z").split(" L")]
    ys = [float(p.split(",")[1]) for p in drawn.fence_path.lstrip("M").rstrip(" Z").split(" L")]
    assert min(xs) < inside.x < max(xs) and min(ys) < inside.y < max(ys)
    assert outside.x > max(xs) and outside.y < min(ys)  # north-east of the fence: right of it and above it
    assert min(xs) < drawn.home[0] < inside.x and inside.y < drawn.home[1] < max(ys)
    assert 0 < min(xs) and max(xs) < WIDTH and 0 < min(ys) and max(ys) < drawn.height


def test_a_degree_of_longitude_is_drawn_shorter_than_a_degree_of_latitude():
    drawn = plot(SQUARE, [], home=None)
    points = [tuple(map(float, p.split(","))) for p in drawn.fence_path.lstrip("M").rstrip(" Z").split(" L")]
    width = max(x for x, _ in points) - min(x for x, _ in points)
    height = max(y for _, y in points) - min(y for _, y in points)
    assert abs(width / height - 0.7771) < 0.01  # cos(39.1°): the square in degrees is narrower on the ground
    ground_m = 0.2 * math.cos(math.radians(39.1)) * (1 + 2 * MARGIN) * METRES_PER_DEG_LAT  # the frame's width
    assert drawn.scale_label == "2 公里"  # the largest round length within a quarter of ~19.4 km
    assert abs(drawn.scale_px - WIDTH * 2000 / ground_m) < 0.5


def test_nothing_to_draw_without_a_fence_or_a_fix():
    assert plot(None, [], home=None) is None
    lone = plot(None, [Fix(39.1, 121.7, "uncertain")], home=None)
    assert lone.fence_path is None and len(lone.dots) == 1 and 0 < lone.dots[0].x < WIDTH
