"""信息化核查: location check-ins from the mini-program, one at a time or queued offline, each judged at its capture
time against the fences in force then, with its alert candidates (signals) created in the same transaction.

The raw fix is stored exactly as sent next to its WGS-84 normalisation; the server's receive time is the one that
counts, the capture time is the supervisee's claim. A `client_id` makes a fix idempotent per subject. Signal
evidence names check-ins by id and carries derived numbers (distances, times, speeds), never coordinates: raw
location lives only in `checkins`, where the retention purge deletes it, and the signals stay as the record.

The single check-in is the hot path: one query for the context (subject, destinations in force, the open spot
check, an earlier fix with the same client id, the fixes captured just before and after it), the insert and the
commit; the longer run of neighbouring fixes is read only for an `outside` verdict, which it may complete.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from datetime import UTC, date, datetime
from typing import NamedTuple

import sqlalchemy as sa

from correction.clock import local_date
from correction.components import components
from correction.db import UTCDateTime, db, transaction
from correction.errors import DomainError, InvalidTransition, RuleViolation, Unauthorized
from correction.geo.datum import to_wgs84
from correction.geo.fences import distance_m
from correction.models import (
    ACTIVE_STATUSES, CheckIn, Destination, LeaveKind, LeaveRequest, LeaveStatus, PermitStatus, SpotCheck,
    SpotCheckStatus, Subject, SuperviseeAccount, TravelPermit, User, Verdict,
)
from correction.rules.location import INSIDE, OUTSIDE, capture_time_problem, is_late, judge
from correction.services import fencing, signals

TRIP_STATUSES = (LeaveStatus.approved, LeaveStatus.departed, LeaveStatus.returned)


class Fix(NamedTuple):
    """A stored fix as the signals read it (the columns of NEAREST_COLUMNS)."""

    id: int
    captured_at: datetime
    wgs_lat: float
    wgs_lng: float
    accuracy_m: float
    verdict: Verdict


@dataclass(frozen=True)
class _Destination:
    """A city of an approved trip (from its start to its end date, or until 销假) or of an approved permit."""

    city_code: str
    leave_id: int | None
    permit_id: int | None
    first_day: date
    last_day: date
    returned_at: datetime | None

    def covers(self, captured_at: datetime) -> bool:
        return (self.first_day <= local_date(captured_at) <= self.last_day
                and (self.returned_at is None or captured_at <= self.returned_at))


@dataclass
class _Context:
    subject: Subject
    destinations: list[_Destination]
    spot_check: tuple[int, datetime] | None  # the open spot check: id, requested at
    existing_id: int | None                  # an earlier fix with the same client id
    nearest: tuple[list, list] = ([], [])    # the fix captured just before the instant asked, and just after


@dataclass(frozen=True)
class Recorded:
    """What the supervisee is told about one fix (a snapshot: the row expires at commit)."""

    id: int
    client_id: str | None
    verdict: str
    distance_from_home_m: float | None
    captured_at: datetime
    received_at: datetime
    offline: bool
    late: bool
    spot_check_id: int | None
    replayed: bool = False


@dataclass(frozen=True)
class Invalid:
    """A queued fix that failed validation upstream: answered with its error, in its place."""

    client_id: str | None
    error: DomainError


@dataclass(frozen=True)
class BatchResult:
    """One answer per queued fix, in the order sent: what was recorded, or why not."""

    index: int
    client_id: str | None
    recorded: Recorded | None = None
    error: DomainError | None = None


NEAREST_COLUMNS = ("id", "captured_at", "wgs_lat", "wgs_lng", "accuracy_m", "verdict")


def _nearest(captured_at: sa.BindParameter) -> list[sa.ScalarSelect]:
    """The nearest fix captured at or before an instant, then the nearest after it, a column each (LIMIT 1
    probes of the (subject, captured_at) index; NULL where there is none)."""
    columns = []
    for side, order in ((CheckIn.captured_at <= captured_at, (CheckIn.captured_at.desc(), CheckIn.id.desc())),
                        (CheckIn.captured_at > captured_at, (CheckIn.captured_at, CheckIn.id))):
        columns += [sa.select(getattr(CheckIn, name)).where(CheckIn.subject_id == Subject.id, side)
                    .order_by(*order).limit(1).scalar_subquery() for name in NEAREST_COLUMNS]
    return columns


@cache
def _context_statement() -> sa.Select:
    """The context query, built once (statement construction costs more than running it); parameters: user_id,
    first_day, last_day (local dates of capture), received_at, client_id (None matches nothing), captured_at
    (None: no nearest fixes)."""
    user_id, received_at = sa.bindparam("user_id", type_=sa.Integer), sa.bindparam("received_at", type_=UTCDateTime)
    first_day, last_day = sa.bindparam("first_day", type_=sa.Date), sa.bindparam("last_day", type_=sa.Date)
    subject_id = sa.select(SuperviseeAccount.subject_id).where(SuperviseeAccount.user_id == user_id).scalar_subquery()
    trips = sa.select(
        LeaveRequest.subject_id, Destination.city_code, LeaveRequest.id.label("leave_id"),
        sa.cast(sa.null(), sa.Integer).label("permit_id"), LeaveRequest.start_date.label("first_day"),
        LeaveRequest.end_date.label("last_day"), LeaveRequest.returned_at,
    ).join(Destination, Destination.leave_id == LeaveRequest.id).where(
        LeaveRequest.subject_id == subject_id, LeaveRequest.status.in_(TRIP_STATUSES),
        LeaveRequest.kind != LeaveKind.extension,  # an approved extension moved its trip's end date
        LeaveRequest.start_date <= last_day, LeaveRequest.end_date >= first_day)
    permits = sa.select(
        TravelPermit.subject_id, Destination.city_code, sa.cast(sa.null(), sa.Integer),
        TravelPermit.id, TravelPermit.valid_from, TravelPermit.valid_to, sa.cast(sa.null(), UTCDateTime),
    ).join(Destination, Destination.permit_id == TravelPermit.id).where(
        TravelPermit.subject_id == subject_id, TravelPermit.status == PermitStatus.approved,
        TravelPermit.valid_from <= last_day, TravelPermit.valid_to >= first_day)
    destinations = sa.union_all(trips, permits).subquery()
    open_spot_check = sa.select(SpotCheck.id, SpotCheck.requested_at).where(
        SpotCheck.subject_id == Subject.id, SpotCheck.status == SpotCheckStatus.pending,
        SpotCheck.respond_by >= received_at, SpotCheck.requested_at <= received_at,
    ).order_by(SpotCheck.requested_at, SpotCheck.id).limit(1)
    existing = sa.select(CheckIn.id).where(CheckIn.subject_id == Subject.id,
                                           CheckIn.client_id == sa.bindparam("client_id", type_=sa.String))
    return sa.select(
        Subject, open_spot_check.with_only_columns(SpotCheck.id).scalar_subquery(),
        open_spot_check.with_only_columns(SpotCheck.requested_at).scalar_subquery(), existing.scalar_subquery(),
        *_nearest(sa.bindparam("captured_at", type_=UTCDateTime)),
        *(destinations.c[name] for name in ("city_code", "leave_id", "permit_id", "first_day", "last_day",
                                            "returned_at")),
    ).join(SuperviseeAccount, SuperviseeAccount.subject_id == Subject.id).outerjoin(
        destinations, destinations.c.subject_id == Subject.id).where(SuperviseeAccount.user_id == user_id)


def _context(user: User, first_day: date, last_day: date, received_at: datetime,
             client_id: str | None = None, captured_at: datetime | None = None) -> _Context:
    """Everything a fix of `user`'s subject captured between two local days is judged with, in one query; with
    `captured_at`, also the fixes captured just before and just after that instant.

    :raises Unauthorized: the user is not a bound supervisee.
    :raises InvalidTransition: the file is closed.
    """
    rows = db.session.execute(_context_statement(), {
        "user_id": user.id, "first_day": first_day, "last_day": last_day, "received_at": received_at,
        "client_id": client_id, "captured_at": captured_at}).all()
    if not rows:
        raise Unauthorized("not_bound", "账号未绑定矫正对象。")
    subject, spot_id, spot_requested_at, existing_id = rows[0][:4]
    if subject.status not in ACTIVE_STATUSES:
        raise InvalidTransition("subject_closed", "矫正已解除或终止，无需再签到。")
    width, first = len(NEAREST_COLUMNS), 4 + 2 * len(NEAREST_COLUMNS)
    before, after = (rows[0][start:start + width] for start in (4, 4 + width))
    return _Context(subject, [_Destination(*row[first:]) for row in rows if row[first] is not None],
                    (spot_id, spot_requested_at) if spot_id else None, existing_id,
                    ([Fix(*before)] if before[0] is not None else [], [Fix(*after)] if after[0] is not None else []))


def _judgement(ctx: _Context, point: tuple[float, float], accuracy_m: float, captured_at: datetime, rules: dict):
    """(verdict with its deciding fence, home in WGS-84 or None) for a WGS-84 point at its capture time."""
    subject, buffer = ctx.subject, rules["edge_buffer_m"]
    home_fence, home = (fencing.home_fence(subject.home_lat, subject.home_lng, subject.home_coord_type,
                                           rules["home_radius_m"]) if subject.home_lat is not None
                        else (None, None))
    county = fencing.county_fence(subject.county_id)
    if county is not None:
        jurisdiction = fencing.place(county, fencing.COUNTY, point, accuracy_m, buffer)
    elif home_fence is not None:
        jurisdiction = fencing.place(home_fence, fencing.HOME, point, accuracy_m, buffer)
    else:
        jurisdiction = None
    destinations = [] if jurisdiction is not None and jurisdiction.state == INSIDE else [
        fencing.place(fencing.city_fence(d.city_code), f"city:{d.city_code}", point, accuracy_m, buffer,
                      d.leave_id, d.permit_id)
        for d in ctx.destinations if d.covers(captured_at)]
    return judge(accuracy_m, rules["max_accuracy_m"], jurisdiction, destinations), home


@cache
def _neighbour_statement(k: int) -> sa.Select:
    """The fixes captured just before and just after an instant: the nearest one on each side (for the speed
    signal) and the K nearest that are not `uncertain` (for the out-of-bounds run), on the (subject, captured_at)
    index; built once per K. Parameters: subject_id, captured_at."""
    captured_at = sa.bindparam("captured_at", type_=UTCDateTime)
    base = sa.select(CheckIn.id, CheckIn.captured_at, CheckIn.wgs_lat, CheckIn.wgs_lng, CheckIn.accuracy_m,
                     CheckIn.verdict).where(CheckIn.subject_id == sa.bindparam("subject_id", type_=sa.Integer))
    earlier = base.where(CheckIn.captured_at <= captured_at).order_by(CheckIn.captured_at.desc(), CheckIn.id.desc())
    later = base.where(CheckIn.captured_at > captured_at).order_by(CheckIn.captured_at, CheckIn.id)
    certain = CheckIn.verdict != Verdict.uncertain
    parts = (earlier.limit(1), later.limit(1), earlier.where(certain).limit(k), later.where(certain).limit(k))
    return sa.union_all(*(part.subquery().select() for part in parts))


def _neighbours(subject_id: int, captured_at: datetime, k: int) -> tuple[list, list]:
    """The neighbouring fixes of an instant (`_neighbour_statement`), before and after it, in capture order."""
    rows = db.session.execute(_neighbour_statement(k), {"subject_id": subject_id, "captured_at": captured_at}).all()
    unique = sorted({row.id: row for row in rows}.values(), key=lambda row: (row.captured_at, row.id))
    return [r for r in unique if r.captured_at <= captured_at], [r for r in unique if r.captured_at > captured_at]


def _record(ctx: _Context, fix: dict, as_of: datetime, offline: bool, rules: dict, nearest: bool = False) -> CheckIn:
    """Judge, store and flush one fix; add its mock, speed and out-of-bounds signals; answer the open spot check.

    With `nearest`, the context's fixes just before and after this one's capture serve the speed signal, and the
    run of K neighbours is read only when the fix is `outside` (no other verdict can complete a run)."""
    captured_at, accuracy = fix["captured_at"].astimezone(UTC), fix["accuracy_m"]
    point = to_wgs84(fix["lat"], fix["lng"], fix["coord_type"])
    judgement, home = _judgement(ctx, point, accuracy, captured_at, rules)
    if nearest and judgement.verdict != OUTSIDE:
        before, after = ctx.nearest
    else:
        before, after = _neighbours(ctx.subject.id, captured_at, rules["consecutive_outside"])
    checkin = CheckIn(
        subject_id=ctx.subject.id, client_id=fix.get("client_id"), lat=fix["lat"], lng=fix["lng"],
        coord_type=fix["coord_type"], accuracy_m=accuracy, source=fix.get("source"),
        is_mock=fix.get("is_mock", False), captured_at=captured_at, received_at=as_of, offline=offline,
        wgs_lat=point[0], wgs_lng=point[1], verdict=Verdict(judgement.verdict), fence=judgement.fence,
        distance_from_home_m=distance_m(home, point) if home else None,
        distance_to_boundary_m=judgement.distance_to_boundary_m, leave_id=judgement.leave_id,
        permit_id=judgement.permit_id, spot_check_id=_answer_spot_check(ctx, captured_at, as_of))
    db.session.add(checkin)
    db.session.flush()
    signals.add_new(signals.fix_signals(checkin, before, after, rules))
    return checkin


def _answer_spot_check(ctx: _Context, captured_at: datetime, as_of: datetime) -> int | None:
    """The open spot check this fix answers (captured after it was asked, received by its deadline), claimed with
    a conditional UPDATE so that it is answered once."""
    if ctx.spot_check is None or captured_at < ctx.spot_check[1]:
        return None
    spot_id = ctx.spot_check[0]
    claimed = db.session.execute(sa.update(SpotCheck).where(
        SpotCheck.id == spot_id, SpotCheck.status == SpotCheckStatus.pending, SpotCheck.respond_by >= as_of)
        .values(status=SpotCheckStatus.answered, answered_at=as_of)
        .execution_options(synchronize_session=False)).rowcount
    ctx.spot_check = None
    return spot_id if claimed == 1 else None


def _snapshot(checkin: CheckIn, late_minutes: int, replayed: bool = False) -> Recorded:
    return Recorded(checkin.id, checkin.client_id, checkin.verdict, checkin.distance_from_home_m,
                    checkin.captured_at, checkin.received_at, checkin.offline,
                    is_late(checkin.captured_at, checkin.received_at, late_minutes), checkin.spot_check_id, replayed)


def _time_problem(fix: dict, as_of: datetime, rules: dict) -> RuleViolation | None:
    problem = capture_time_problem(fix["captured_at"], as_of, rules["capture_skew_minutes"],
                                   rules["offline_max_hours"])
    return RuleViolation.on("captured_at", problem, "invalid_capture_time") if problem else None


def record_checkin(user: User, fix: dict, as_of: datetime, offline: bool = False) -> Recorded:
    """签到: store one fix received at `as_of`, judged at its capture time; a retry with the same `client_id`
    answers with the first fix and stores nothing.

    :raises RuleViolation: a capture time ahead of the server clock or older than the offline limit.
    :raises Unauthorized: the user is not a bound supervisee.
    :raises InvalidTransition: the file is closed.
    """
    rules = components().rules["location"]
    if problem := _time_problem(fix, as_of, rules):
        raise problem
    day = local_date(fix["captured_at"])
    with transaction():
        ctx = _context(user, day, day, as_of, fix.get("client_id"), fix["captured_at"].astimezone(UTC))
        if ctx.existing_id is not None:
            return _snapshot(db.session.get(CheckIn, ctx.existing_id), rules["late_fix_minutes"], replayed=True)
        checkin = _record(ctx, fix, as_of, offline, rules, nearest=True)
        recorded = _snapshot(checkin, rules["late_fix_minutes"])
        if recorded.late:
            signals.add_new([signals.late_signal([checkin], rules["late_fix_minutes"])])
    return recorded


def record_batch(user: User, items: Sequence[dict | Invalid], as_of: datetime) -> list[BatchResult]:
    """离线补传: fixes queued on the phone, each judged at its capture time against the fences in force then, in
    capture order, marked offline; late ones share one late-arrival signal. An item that failed validation
    upstream arrives `Invalid` and is answered with its error; a client id already stored answers with that fix.

    :raises Unauthorized: the user is not a bound supervisee.
    :raises InvalidTransition: the file is closed.
    """
    rules = components().rules["location"]
    late_minutes = rules["late_fix_minutes"]
    results: list[BatchResult | None] = [None] * len(items)
    valid = []
    for index, item in enumerate(items):
        if isinstance(item, Invalid):
            results[index] = BatchResult(index, item.client_id, error=item.error)
        elif (problem := _time_problem(item, as_of, rules)) is not None:
            results[index] = BatchResult(index, item["client_id"], error=problem)
        else:
            valid.append((index, item))
    if valid:
        days = [local_date(fix["captured_at"]) for _, fix in valid]
        with transaction():
            ctx = _context(user, min(days), max(days), as_of)
            stored = {c.client_id: _snapshot(c, late_minutes, replayed=True) for c in db.session.scalars(
                sa.select(CheckIn).where(CheckIn.subject_id == ctx.subject.id,
                                         CheckIn.client_id.in_([fix["client_id"] for _, fix in valid])))}
            late = []
            for index, fix in sorted(valid, key=lambda pair: (pair[1]["captured_at"], pair[0])):
                if fix["client_id"] not in stored:
                    checkin = _record(ctx, fix, as_of, True, rules)
                    stored[fix["client_id"]] = _snapshot(checkin, late_minutes)
                    late += [checkin] if stored[fix["client_id"]].late else []
                results[index] = BatchResult(index, fix["client_id"], stored[fix["client_id"]])
            if late:
                signals.add_new([signals.late_signal(late, late_minutes)])
    return results
