"""信息化核查 by phone: the verdict on one fix, the signals that make an alert trustworthy, and the required check-in
periods (domain-rules §11, §12, §19; rules-table rows 21 and 34).

Pure functions over plain values and the rule table's `[location]` and `[obligations.checkin*]` sections.
"""

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from correction.clock import LOCAL_TZ
from correction.rules.periods import Period, period_containing, previous_period

INSIDE, ON_TRIP, OUTSIDE, UNCERTAIN = "inside", "on_approved_trip", "outside", "uncertain"


@dataclass(frozen=True)
class FenceCheck:
    """Where a fix lies relative to one fence in force: the jurisdiction (`county`, `home`) or a destination
    (`city:<code>`) of an approved trip or permit. `state` is inside, outside or uncertain (the accuracy circle
    crosses the boundary, or the destination has no known boundary)."""

    fence: str
    state: str
    distance_to_boundary_m: float | None
    leave_id: int | None = None
    permit_id: int | None = None


@dataclass(frozen=True)
class Judgement:
    verdict: str
    fence: str | None  # the fence that decided
    distance_to_boundary_m: float | None
    leave_id: int | None = None
    permit_id: int | None = None


def judge(accuracy_m: float, max_accuracy_m: float, jurisdiction: FenceCheck | None,
          destinations: Sequence[FenceCheck] = ()) -> Judgement:
    """The verdict on one fix from its placements against the fences in force at its capture time.

    A coarse fix is `uncertain`; inside the jurisdiction is `inside`; inside a destination of an approved trip
    or permit is `on_approved_trip`; an accuracy circle across any boundary (or no fence to judge by) is
    `uncertain`, never `outside`; only a fix certainly outside every fence is `outside`.
    """
    base = jurisdiction.distance_to_boundary_m if jurisdiction else None
    name = jurisdiction.fence if jurisdiction else None
    if accuracy_m > max_accuracy_m:
        return Judgement(UNCERTAIN, name, base)
    if jurisdiction is not None and jurisdiction.state == INSIDE:
        return Judgement(INSIDE, name, base)
    for check in destinations:
        if check.state == INSIDE:
            return Judgement(ON_TRIP, check.fence, check.distance_to_boundary_m, check.leave_id, check.permit_id)
    if jurisdiction is None or jurisdiction.state == UNCERTAIN:
        return Judgement(UNCERTAIN, name, base)
    for check in destinations:
        if check.state == UNCERTAIN:
            return Judgement(UNCERTAIN, check.fence, check.distance_to_boundary_m, check.leave_id, check.permit_id)
    return Judgement(OUTSIDE, name, base)


def capture_time_problem(captured_at: datetime, received_at: datetime, skew_minutes: int,
                         offline_max_hours: int) -> str | None:
    """Why a fix's capture time cannot be accepted (Chinese), or None: ahead of the server clock by more than a
    phone's clock may drift, or older than a phone may queue fixes."""
    if captured_at > received_at + timedelta(minutes=skew_minutes):
        return "定位时间晚于服务器时间，请校准手机时间后重试。"
    if captured_at < received_at - timedelta(hours=offline_max_hours):
        return f"定位时间早于{offline_max_hours}小时前，已超过离线补传期限。"
    return None


def is_late(captured_at: datetime, received_at: datetime, late_minutes: int) -> bool:
    """Captured longer before it was received than a live fix takes to arrive."""
    return received_at - captured_at > timedelta(minutes=late_minutes)


def impossible_speed(distance_m: float, seconds: float, accuracy_a_m: float, accuracy_b_m: float,
                     min_distance_m: float, max_speed_kmh: float) -> float | None:
    """The speed (km/h) between two fixes when no journey on the ground allows it, else None.

    The distance counts only beyond both accuracy radii, so two coarse fixes of one place never look like a
    journey, and below `min_distance_m` GPS jitter is ignored altogether.
    """
    moved = distance_m - accuracy_a_m - accuracy_b_m
    if moved < min_distance_m:
        return None
    speed = math.inf if seconds <= 0 else moved / seconds * 3.6
    return speed if speed > max_speed_kmh else None


@dataclass(frozen=True)
class RunFix:
    """What the out-of-bounds rule needs to know about one fix."""

    id: int
    verdict: str


def completed_run(before: Sequence[RunFix], new: RunFix, after: Sequence[RunFix], k: int) -> list[RunFix] | None:
    """The run of consecutive `outside` fixes that `new` brings to K, or None.

    `before` and `after` are the fixes captured just before and just after `new`, in capture order, at least the
    K nearest on each side that are not `uncertain`. Uncertain fixes neither count nor break a run (a coarse fix
    proves nothing either way; a run broken by it would let a phone that reports coarsely never be flagged);
    `inside` and `on_approved_trip` break it. A run that already had K fixes on either side was reported when it
    reached K, so joining or extending it reports nothing new: one candidate per run.
    """
    if new.verdict != OUTSIDE:
        return None
    left = _leading_outside([f for f in reversed(before) if f.verdict != UNCERTAIN])
    right = _leading_outside([f for f in after if f.verdict != UNCERTAIN])
    if len(left) >= k or len(right) >= k or len(left) + 1 + len(right) < k:
        return None
    return [*reversed(left), new, *right]


def _leading_outside(fixes: list[RunFix]) -> list[RunFix]:
    run = []
    for fix in fixes:
        if fix.verdict != OUTSIDE:
            break
        run.append(fix)
    return run


def checkin_cadence(cadence_by_level: dict[str, str], level: str | None) -> str | None:
    """How often a subject at `level` must check in (`obligations.checkin.cadence`), None without a level."""
    return cadence_by_level.get(level) if level else None


def period_opens_at(period: Period) -> datetime:
    """Local midnight before a period's first day: fixes captured from then on count for it."""
    return datetime.combine(period.start, time(0), LOCAL_TZ)


def period_ends_at(period: Period) -> datetime:
    """Local midnight after a period's last day: fixes captured before then count for it."""
    return datetime.combine(period.end + timedelta(days=1), time(0), LOCAL_TZ)


def period_closes_at(period: Period, grace_hours: int) -> datetime:
    """The instant a check-in period stops accepting fixes: its end plus the grace (received by then)."""
    return period_ends_at(period) + timedelta(hours=grace_hours)


def last_closed_checkin_period(cadence: str, as_of: datetime, grace_hours: int, anchor: date) -> Period:
    """The most recent period of `cadence` whose grace has ended by `as_of`."""
    last_day = (as_of - timedelta(hours=grace_hours)).astimezone(LOCAL_TZ).date() - timedelta(days=1)
    period = period_containing(cadence, last_day, anchor)
    return period if period.end <= last_day else previous_period(cadence, period, anchor)


@dataclass(frozen=True)
class Draw:
    subject_id: int
    requested_at: datetime


def draw_spot_checks(subject_ids: Sequence[int], day: date, share: float, hours: Sequence[int]) -> list[Draw]:
    """随机点验: the same day and population always draw the same subjects at the same local times.

    `share` of the subjects (at least one when anyone is eligible), each at a random minute between the local
    hours `hours[0]` and `hours[1]` of `day`. Seeded from the day, so a rerun is reproducible and auditable.
    """
    population = sorted(subject_ids)
    if not population:
        return []
    rng = random.Random(f"spot-check:{day.isoformat()}")
    count = min(len(population), max(1, math.ceil(round(share * len(population), 9))))
    start, end = hours
    opens = datetime.combine(day, time(start), LOCAL_TZ)
    return [Draw(subject_id, opens + timedelta(minutes=rng.randrange((end - start) * 60)))
            for subject_id in sorted(rng.sample(population, count))]
