"""Location signals: alert candidates (越界, impossible speed, mock location, late fixes, missed spot checks and
check-ins) with their evidence, detected when a fix is recorded or by the scheduler. The scheduler turns them into
alerts; officers and inspectors read them here. Evidence names check-ins by id and carries derived numbers, never
coordinates, so it outlives the retention purge of raw location."""

import math

import sqlalchemy as sa

from correction.db import db
from correction.geo.fences import ground_m
from correction.models import CheckIn, LocationSignal, SignalKind, Subject, User
from correction.rules.location import RunFix, completed_run, impossible_speed
from correction.services.paging import Page, page_of
from correction.services.scope import subject_filter


def add_new(signals: list[LocationSignal]) -> list[LocationSignal]:
    """Add, in the caller's transaction, the signals whose dedupe key is new: detecting a thing twice is a no-op.
    Returns the ones added."""
    if not signals:
        return []
    known = set(db.session.scalars(sa.select(LocationSignal.dedupe_key).where(
        LocationSignal.dedupe_key.in_([s.dedupe_key for s in signals]))))
    new = [s for s in signals if s.dedupe_key not in known]
    db.session.add_all(new)
    return new


def _signal(kind: SignalKind, key: str, checkin: CheckIn, evidence: dict) -> LocationSignal:
    return LocationSignal(subject_id=checkin.subject_id, kind=kind, detected_at=checkin.received_at,
                          checkin_id=checkin.id, evidence=evidence, dedupe_key=key)


def fix_signals(checkin: CheckIn, before: list, after: list, rules: dict) -> list[LocationSignal]:
    """A new fix's mock-location, impossible-speed (against the fixes captured just before and after it) and
    out-of-bounds signals. `before` and `after` are the neighbouring fixes in capture order (rows with id,
    captured_at, wgs_lat, wgs_lng, accuracy_m and verdict); `rules` is the `[location]` section."""
    found = []
    if checkin.is_mock:
        found.append(_signal(SignalKind.mock_location, f"mock:{checkin.id}", checkin, {
            "checkin_id": checkin.id, "captured_at": checkin.captured_at.isoformat(),
            "source": checkin.source, "verdict": checkin.verdict}))
    pairs = ([(before[-1], checkin)] if before else []) + ([(checkin, after[0])] if after else [])
    for first, second in pairs:
        moved = ground_m(first.wgs_lat, first.wgs_lng, second.wgs_lat, second.wgs_lng)  # geodesic beyond 50 km
        seconds = (second.captured_at - first.captured_at).total_seconds()
        speed = impossible_speed(moved, seconds, first.accuracy_m, second.accuracy_m,
                                 rules["speed_min_distance_m"], rules["max_speed_kmh"])
        if speed is not None:
            found.append(_signal(SignalKind.impossible_speed, f"speed:{first.id}:{second.id}", checkin, {
                "checkin_ids": [first.id, second.id], "distance_m": round(moved, 1), "seconds": seconds,
                "speed_kmh": None if math.isinf(speed) else round(speed, 1),
                "accuracy_m": [first.accuracy_m, second.accuracy_m]}))
    run = completed_run([RunFix(r.id, r.verdict) for r in before], RunFix(checkin.id, checkin.verdict),
                        [RunFix(r.id, r.verdict) for r in after], rules["consecutive_outside"])
    if run:
        captured = {r.id: r.captured_at for r in (*before, *after)} | {checkin.id: checkin.captured_at}
        found.append(_signal(SignalKind.out_of_bounds, f"oob:{run[0].id}", checkin, {
            "checkin_ids": [f.id for f in run], "from": captured[run[0].id].isoformat(),
            "to": captured[run[-1].id].isoformat(), "consecutive_outside": rules["consecutive_outside"]}))
    return found


def late_signal(late: list[CheckIn], late_minutes: int) -> LocationSignal:
    """One signal for the fixes of one request that arrived long after their capture."""
    first = late[0]
    return _signal(SignalKind.late_fix, f"late:{first.id}", first, {
        "checkin_ids": [c.id for c in late], "received_at": first.received_at.isoformat(),
        "captured_from": min(c.captured_at for c in late).isoformat(),
        "captured_to": max(c.captured_at for c in late).isoformat(), "offline": first.offline,
        "late_fix_minutes": late_minutes})


def list_signals(actor: User, page: int, per_page: int, subject_id: int | None = None,
                 kind: SignalKind | None = None) -> Page:
    """Signals of subjects in scope, newest first.

    :raises Forbidden: the role reads no subject files.
    """
    stmt = sa.select(LocationSignal).join(Subject, Subject.id == LocationSignal.subject_id).where(
        subject_filter(actor))
    if subject_id is not None:
        stmt = stmt.where(LocationSignal.subject_id == subject_id)
    if kind is not None:
        stmt = stmt.where(LocationSignal.kind == kind)
    return page_of(stmt.order_by(LocationSignal.detected_at.desc(), LocationSignal.id.desc()), page, per_page)
