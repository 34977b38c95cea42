"""The county for bench/checkins.py: demo district, bound supervisees, trips, history, tokens and request bodies.

Everything is made with the service's own functions inside an app context, so the rows are the rows the service
would have: `correction.demo` (units with the real 金州区 polygon as the county fence, officers, ~750 subjects with
report and activity history), then for every subject under correction an activation code and a mini-program
binding (`accounts.issue_activation_code`, `accounts.bind`), for a share of them a trip to Beijing that covers
today, approved and departed (`leave.submit_leave`, `leave.decide`, `leave.depart`), and a few days of earlier
check-ins through `checkins.record_checkin` itself. Tokens are minted with `mobile_api.auth`'s own
`access_token_response`, so they carry exactly the claims a real login gives.

Each supervisee gets one profile for the whole run, so that consecutive fixes of one person are consistent (the
speed signal ignores moves under `location.speed_min_distance_m`, and the jitter stays well below it):

| profile | share | where | accuracy |
| --- | ---: | --- | --- |
| home | rest | within ~150 m of home (WGS-84; a home outside the county polygon is moved in) | 8–60 m, gps, wifi |
| coarse | 5 % | home | 800–1,500 m, cell (→ uncertain) |
| mock | 1 % | home, `is_mock: true` | 10–30 m |
| trip | 4 % | Beijing, with an approved trip covering today | 15–40 m |
| outside | 2 % | 营口, no trip | 15–40 m |
"""

import json
import random
import sys
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from shapely.geometry import Point, shape
from shapely.prepared import prep

from correction import clock, demo
from correction.components import components
from correction.db import db
from correction.errors import DomainError
from correction.geo.datum import from_wgs84
from correction.models import LeaveRequest, Subject, SubjectStatus, SuperviseeAccount, Unit, User
from correction.services import accounts, leave
from mobile_api.auth import access_token_response

BEIJING = (39.9042, 116.4074)  # WGS-84
YINGKOU = (40.6670, 122.2350)
SHARES = (("coarse", 0.05), ("mock", 0.01), ("trip", 0.04), ("outside", 0.02))
STATE_TABLE = "bench_checkins_state"
COUNTIES = Path(demo.__file__).resolve().parent / "geo" / "data" / "counties"


@dataclass(frozen=True)
class Entry:
    """One supervisee as the load sees it: a token and where their fixes come from."""

    subject_id: int
    user_id: int
    profile: str
    token: str
    home: tuple[float, float]
    lat: float
    lng: float
    accuracy_m: float
    source: str
    is_mock: bool
    jitter: float  # degrees of latitude; longitude gets 1.3 times as much (about the same metres at 39° N)

    def tsv(self) -> str:
        return "\t".join([self.token, f"{self.lat:.6f}", f"{self.lng:.6f}", f"{self.accuracy_m:.1f}", self.source,
                          "true" if self.is_mock else "false", f"{self.jitter:.4f}"])


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Ticker:
    """Progress of a long step on stderr: a bar on a terminal, a line every 10 s in a log."""

    def __init__(self, label: str, total: int):
        self.label, self.total, self.done = label, max(total, 1), 0
        self.tty = sys.stderr.isatty()
        self.start = self.shown = time.monotonic()

    def step(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.shown >= (0.5 if self.tty else 10) or self.done >= self.total:
            self.shown = now
            share = self.done / self.total
            print(f"  {self.label:<24} [{'#' * int(share * 30):<30}] {self.done:>6}/{self.total} "
                  f"{now - self.start:5.0f} s", end="\r" if self.tty and share < 1 else "\n", file=sys.stderr,
                  flush=True)


# ------------------------------------------------------------------------------------------------ seeding --

def seeded(engine: sa.Engine) -> dict | None:
    """What an earlier run seeded into this database (a kept cluster), or None."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table(STATE_TABLE):
            return None
        value = conn.execute(sa.text(f"SELECT value FROM {STATE_TABLE} WHERE key = 'seeded'")).scalar()
    return json.loads(value) if value else None


def seed(subjects: int, seed_value: int, trip_share: float) -> dict:
    """Demo district, bindings and trips; returns counts for the report (and stores them in the database)."""
    as_of = clock.now()
    started = time.monotonic()
    plan = demo.plan_district(seed_value, subjects, clock.local_date(as_of))
    ticker = Ticker("demo district", len(plan.subjects))
    demo.seed(plan, as_of, progress=ticker.step)
    fence = _county_fence()
    county_officer = db.session.scalar(sa.select(User).where(User.username == "county"))
    vault = components().vault
    by_digest = {s.id_number_digest: s for s in db.session.scalars(
        sa.select(Subject).where(Subject.status == SubjectStatus.under_correction))}
    planned = [(p, by_digest[vault.digest(p.id_number)]) for p in plan.subjects
               if vault.digest(p.id_number) in by_digest]
    bound = set(db.session.scalars(sa.select(SuperviseeAccount.subject_id)))
    ticker = Ticker("mini-program bindings", len(planned))
    for index, (person, subject) in enumerate(planned):
        if subject.id not in bound:
            code, _ = accounts.issue_activation_code(county_officer, subject.id, as_of)
            accounts.bind(f"bench-{index:05d}", person.id_number, person.name, code, as_of)
        ticker.step()
    trips = _trips([subject for _, subject in planned], county_officer, random.Random(seed_value), trip_share)
    return {"subjects": len(plan.subjects), "bound": len(planned), "trips": trips, "fence": fence,
            "seconds": round(time.monotonic() - started), "at": as_of.isoformat(timespec="seconds")}


def save_state(counts: dict) -> None:
    """Remember what was seeded, so that a kept cluster (BENCH_PGDIR) is not seeded twice."""
    db.session.execute(sa.text(f"CREATE TABLE IF NOT EXISTS {STATE_TABLE} (key text PRIMARY KEY, value text)"))
    db.session.execute(sa.text(f"INSERT INTO {STATE_TABLE} VALUES ('seeded', :v) ON CONFLICT (key) DO UPDATE "
                               "SET value = excluded.value"), {"v": json.dumps(counts)})
    db.session.commit()


def _county_fence() -> str:
    """The county agency's jurisdiction polygon: the demo's, or where the demo sets none, the county boundary
    the service ships (correction/geo/data/counties/<code>.geojson, GCJ-02), so that fixes meet a real polygon."""
    county = db.session.scalar(sa.select(Unit).where(Unit.code == demo.COUNTY_CODE))
    if county.fence is not None:
        return f"the demo's ({county.fence_coord_type})"
    path = COUNTIES / f"{demo.COUNTY_CODE}.geojson"
    if not path.exists():
        return "none (home radius)"
    feature = json.loads(path.read_text(encoding="utf-8"))
    county.fence, county.fence_coord_type = feature["geometry"], feature["properties"].get("datum", "gcj02")
    db.session.commit()
    return f"{path.relative_to(COUNTIES.parents[3])} ({county.fence_coord_type}), set by the bench"


def _trips(subjects: list[Subject], officer: User, rng: random.Random, share: float) -> int:
    """Approved, departed trips to Beijing from yesterday to three days on, for `share` of the subjects."""
    now = clock.now()
    today = clock.local_date(now)
    chosen = rng.sample(subjects, round(len(subjects) * share))
    made = 0
    ticker = Ticker("approved trips", len(chosen))
    for subject in chosen:
        user = db.session.scalar(sa.select(User).join(SuperviseeAccount, SuperviseeAccount.user_id == User.id)
                                 .where(SuperviseeAccount.subject_id == subject.id))
        try:
            request = leave.submit_leave(
                user, as_of=now - timedelta(days=2), start_date=today - timedelta(days=1),
                end_date=today + timedelta(days=3), reason_type="family", reason="探望父母",
                destinations=[{"city_code": "110000", "city_name": "北京市"}])
            leave.decide(officer, request.id, as_of=now - timedelta(days=2, hours=-1), approve=True, opinion="同意")
            leave.depart(user, request.id, as_of=now - timedelta(hours=20))
            made += 1
        except DomainError as exc:  # e.g. a term that ends before the trip would
            log(f"  no trip for subject {subject.id}: {exc.code}")
        ticker.step()
    return made


def history(found: list["Entry"], days: int, per_day: int, seed_value: int) -> int:
    """Past fixes through the service itself (`checkins.record_checkin`, received seconds to two minutes after
    capture), `per_day` a day over the last `days` days, so that the check-in path finds neighbouring fixes and
    signal state as in a county that has been checking in for a while. Travellers were at home before their trip
    (which started yesterday). Returns the fixes stored."""
    from correction.services import checkins  # the service under test
    from mobile_api.schemas.checkins import CheckInCreateSchema

    schema, rng, now = CheckInCreateSchema(), random.Random(seed_value + 4), clock.now()
    trip_start = clock.local_date(now) - timedelta(days=1)
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_([e.user_id for e in found])))}
    slots = [now - timedelta(days=days) + timedelta(hours=24 / per_day * k) for k in range(days * per_day)]
    ticker = Ticker("check-in history", len(slots) * len(found))
    made = 0
    for slot in slots:
        for entry in found:
            captured = slot + timedelta(minutes=rng.uniform(0, 60))
            if captured > now - timedelta(minutes=5):
                continue
            if entry.profile == "trip" and clock.local_date(captured) < trip_start:
                entry = replace(entry, lat=entry.home[0], lng=entry.home[1], jitter=0.0015)
            fix = schema.load(body(entry, rng, f"hist-{entry.subject_id}-{made}", captured))
            try:
                checkins.record_checkin(users[entry.user_id], fix, captured + timedelta(seconds=rng.uniform(5, 120)))
                made += 1
            except DomainError as exc:
                log(f"  history fix refused for subject {entry.subject_id}: {exc.code}")
        ticker.step(len(found))
    return made


# ------------------------------------------------------------------------------------------------ the load --

def entries(seed_value: int) -> tuple[list[Entry], int]:
    """Every bound supervisee under correction with a fresh token and a profile (deterministic from the seed),
    and how many homes had to be moved into the county polygon (see `_inside_county`)."""
    rng = random.Random(seed_value + 1)
    today = clock.today()
    rows = db.session.execute(
        sa.select(Subject, User).join(SuperviseeAccount, SuperviseeAccount.subject_id == Subject.id)
        .join(User, User.id == SuperviseeAccount.user_id)
        .where(Subject.status == SubjectStatus.under_correction).order_by(Subject.id)).all()
    travelling = set(db.session.scalars(sa.select(LeaveRequest.subject_id).where(
        LeaveRequest.status.in_(leave.AWAY), LeaveRequest.start_date <= today, LeaveRequest.end_date >= today)))
    inside = _inside_county()
    found, moved = [], 0
    for subject, user in rows:
        token = access_token_response(user)["access_token"]
        home = (subject.home_lat, subject.home_lng)
        if not inside(*home):
            home, moved = _point_inside(rng, inside), moved + 1
        if subject.id in travelling:
            profile = "trip"
        else:
            draw, profile = rng.random(), "home"
            for name, share in SHARES:
                if name == "trip":
                    continue
                if draw < share:
                    profile = name
                    break
                draw -= share
        found.append(_entry(rng, subject.id, user.id, profile, token, home))
    rng.shuffle(found)  # neighbouring requests are different people, offices and profiles
    return found, moved


def _inside_county():
    """A test "is this WGS-84 point inside the county's polygon". The demo draws homes in a box around the
    district's centre, and about half of that box is sea or a neighbouring district; a home outside the polygon
    would make every fix of that person `outside`, so those homes are moved to a random point inside it."""
    county = db.session.scalar(sa.select(Unit).where(Unit.code == demo.COUNTY_CODE))
    if county is None or county.fence is None:
        return lambda lat, lng: True
    polygon = prep(shape(county.fence))

    def inside(lat: float, lng: float) -> bool:
        lat, lng = from_wgs84(lat, lng, county.fence_coord_type)
        return polygon.contains(Point(lng, lat))
    return inside


def _point_inside(rng: random.Random, inside) -> tuple[float, float]:
    centre = demo.JINZHOU_CENTRE
    while True:
        point = (centre[0] + rng.uniform(-0.08, 0.08), centre[1] + rng.uniform(-0.1, 0.1))
        if inside(*point):
            return point


def _entry(rng: random.Random, subject_id: int, user_id: int, profile: str, token: str,
           home: tuple[float, float]) -> Entry:
    def near(point, spread):
        return point[0] + rng.uniform(-spread, spread), point[1] + rng.uniform(-spread, spread) * 1.3

    who = (subject_id, user_id, profile, token, home)
    if profile == "trip":
        return Entry(*who, *near(BEIJING, 0.03), rng.uniform(15, 40), "gps", False, 0.002)
    if profile == "outside":
        return Entry(*who, *near(YINGKOU, 0.02), rng.uniform(15, 40), "gps", False, 0.002)
    lat, lng = near(home, 0.001)
    if profile == "coarse":
        return Entry(*who, lat, lng, rng.uniform(800, 1500), "cell", False, 0.003)
    if profile == "mock":
        return Entry(*who, lat, lng, rng.uniform(10, 30), "gps", True, 0.001)
    return Entry(*who, lat, lng, rng.uniform(8, 60), rng.choice(["gps", "gps", "wifi"]), False, 0.0015)


def write_tsv(found: list[Entry], path: Path) -> None:
    path.write_text("".join(e.tsv() + "\n" for e in found), encoding="utf-8")


def body(entry: Entry, rng: random.Random, client_id: str, captured_at: datetime | None = None) -> dict:
    """One check-in body as the phone would send it (the same shape bench/checkins.lua writes)."""
    captured = (captured_at or datetime.now(UTC)).replace(microsecond=0)
    return {"lat": round(entry.lat + rng.uniform(-0.5, 0.5) * entry.jitter, 6),
            "lng": round(entry.lng + rng.uniform(-0.5, 0.5) * entry.jitter * 1.3, 6),
            "coord_type": "wgs84", "accuracy_m": round(entry.accuracy_m, 1),
            "captured_at": captured.isoformat().replace("+00:00", "Z"), "source": entry.source,
            "is_mock": entry.is_mock, "client_id": client_id}


def request_maker(found: list[Entry], host: str, port: int, path: str, tag: str, seed_value: int):
    """For the open-loop generator: request i as raw HTTP/1.1 bytes (its own connection, closed after)."""
    rng = random.Random(seed_value + 2)

    def make(i: int) -> bytes:
        entry = found[i % len(found)]
        payload = json.dumps(body(entry, rng, f"{tag}-0-{i + 1}"), separators=(",", ":")).encode()
        head = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {entry.token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\nConnection: close\r\n\r\n")
        return head.encode() + payload
    return make
