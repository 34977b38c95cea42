"""The national data set of the inspection-list benchmark (bench/inspections.py): one quarter of what the checks
read, for --subjects people in counties of --county-size, loaded with COPY into a migrated PostgreSQL database.

The subjects follow bench/overdue.py's mix (categories and levels of correction/demo.py; 3 % awaiting report-in,
ended files, two years of report-ins, 2 % of them late). Around them, for the quarter: report-in and release
events, trips with their approval steps (short notice, the fast track, > 7 days at the county agency, a few
decided late, at the wrong level or returned late), alerts with their dispositions, contests and sanctions,
bound mini-program accounts with weekly fixes near the quarter's end (1 % gone silent), and changes of
residence. The shares are constants below; every draw is seeded, so a data set is reproducible.
"""

import hashlib
import json
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import psycopg
from psycopg import sql

from correction.demo import CATEGORY_WEIGHTS, LEVEL_WEIGHTS, TERM_MONTHS
from correction.rules.quarters import Quarter
from correction.rules.terms import add_months
from overdue import Progress, log

OFFICES = 25
AWAITING, ENDED_IN_QUARTER, ENDED_BEFORE = 0.03, 0.02, 0.03
LATE_REPORT_IN, LATE_RELEASE, NOT_RELEASED = 0.02, 0.05, 0.001
TRIP, SHORT_NOTICE, FAST_TRACK = 0.08, 0.12, 0.03
DECIDED_LATE, WRONG_LEVEL, FAST_LATE = 0.02, 0.005, 0.10
RETURN_LATE, NOT_RETURNED = 0.02, 0.01
ALERTS = {"out_of_bounds": 0.02, "missed_checkin": 0.04, "report_overdue": 0.06}
UNRESOLVED, CONTESTED = 0.10, 0.05
DISPOSITIONS = (("admonition", 60), ("excused", 25), ("warning", 10), ("other", 5))
BOUND, SILENT = 0.85, 0.01
RELOCATION, RELOCATION_LATE = 0.002, 0.10
TRIP_DAYS = ((2, 20), (3, 25), (4, 15), (5, 12), (6, 8), (7, 8), (8, 4), (10, 4), (14, 3), (30, 1))
SUGGESTIONS = {"admonition": "建议训诫：违反监督管理规定，情节较轻。", "warning": "建议警告：近12个月内已受训诫2次。"}
TITLES = {"out_of_bounds": "越界：连续定位在执行地范围外", "missed_checkin": "未按要求签到",
          "report_overdue": "未按时提交定期报告", "late_return": "未按时销假"}


def at(day: date, hour: int = 10, minute: int = 0) -> str:
    """A local instant as COPY text (cheaper to send than a datetime)."""
    return f"{day.isoformat()} {hour:02d}:{minute:02d}:00+08"


def pick(rng: random.Random, pairs) -> str:
    values, weights = zip(*pairs, strict=True)
    return str(rng.choices(values, weights)[0])


@dataclass
class Person:
    id: int
    county: int
    office: int
    category: str
    level: str
    effective: date
    reported_in: date | None
    ended: date | None
    end_type: str | None
    term_end: date
    lat: float
    lng: float


class Ids:
    """Consecutive ids per table."""

    def __init__(self):
        self.last: dict[str, int] = {}

    def __call__(self, table: str) -> int:
        self.last[table] = self.last.get(table, 0) + 1
        return self.last[table]


class DataSet:
    """The rows of every table, generated table by table from one seeded plan of the people."""

    def __init__(self, subjects: int, county_size: int, quarter: Quarter, seed: int):
        self.quarter, self.seed = quarter, seed
        self.first, self.last = quarter.first_day, quarter.last_day
        self.counties = max(1, -(-subjects // county_size))
        self.ids = Ids()
        self.people = list(self._plan(subjects))

    # Units: the county agency, its offices, its procuratorate. Users: an officer and an inspector per county.
    def county_unit(self, county: int) -> int:
        return county * (OFFICES + 2) + 1

    def officer(self, county: int) -> int:
        return 2 * county + 1

    def _plan(self, subjects: int) -> Iterator[Person]:
        rng = random.Random(f"{self.seed}/people")
        first, last = self.first, self.last
        for sid in range(1, subjects + 1):
            county, office = rng.randrange(self.counties), rng.randrange(OFFICES)
            category, level = pick(rng, CATEGORY_WEIGHTS), pick(rng, LEVEL_WEIGHTS)
            draw, ended, end_type, reported = rng.random(), None, None, None
            if draw < AWAITING:
                effective = last - timedelta(days=rng.randrange(21))
            elif draw < AWAITING + ENDED_IN_QUARTER + ENDED_BEFORE:
                in_quarter = draw < AWAITING + ENDED_IN_QUARTER
                ended = first + timedelta(days=rng.randrange(92)) if in_quarter else \
                    first - timedelta(days=1 + rng.randrange(270))
                reported = ended - timedelta(days=90 + rng.randrange(610))
                effective = reported - timedelta(days=rng.randrange(4))
                end_type = "expiry" if rng.random() < 0.85 else rng.choice(("revocation", "custody", "death"))
            else:
                reported = last - timedelta(days=rng.randrange(730))
                late = rng.random() < LATE_REPORT_IN
                effective = reported - timedelta(days=11 + rng.randrange(20) if late else rng.randrange(4))
            term_end = add_months(effective, rng.randint(*TERM_MONTHS[category])) - timedelta(days=1)
            if end_type == "expiry":
                term_end = ended - timedelta(days=1 + rng.randrange(20)) if rng.random() < LATE_RELEASE else ended
            elif ended is None:
                while term_end <= last:
                    term_end = add_months(term_end, 12)
                if reported is not None and rng.random() < NOT_RELEASED:
                    term_end = first + timedelta(days=rng.randrange(80))
            yield Person(sid, county, office, category, level, effective, reported, ended, end_type, term_end,
                         round(22 + county % 24 + rng.uniform(-0.1, 0.1), 6),
                         round(100 + county % 28 + rng.uniform(-0.1, 0.1), 6))

    def active_in_quarter(self, p: Person) -> bool:
        return p.reported_in is not None and p.reported_in < self.first and (p.ended is None or p.ended >= self.first)

    # -------------------------------------------------------------------------------------------- tables --

    def units(self, write) -> None:
        for c in range(self.counties):
            unit, code = self.county_unit(c), f"B{c + 1:04d}"
            write((unit, "county_agency", code, f"第{c + 1:04d}县社区矫正管理局", None, None, at(self.first)))
            for o in range(OFFICES):
                write((unit + 1 + o, "judicial_office", f"{code}-{o + 1:02d}", f"第{c + 1:04d}县第{o + 1:02d}司法所",
                       unit, None, at(self.first)))
            write((unit + OFFICES + 1, "procuratorate", f"{code}-P", f"第{c + 1:04d}县人民检察院", None, unit,
                   at(self.first)))

    def users(self, write) -> None:
        for c in range(self.counties):
            unit = self.county_unit(c)
            write((self.officer(c), f"bench-county-{c + 1:04d}", None, "officer", unit, "县级机构矫正干部", True,
                   at(self.first)))
            write((self.officer(c) + 1, f"bench-inspector-{c + 1:04d}", None, "inspector", unit + OFFICES + 1,
                   "检察官", True, at(self.first)))
        for p in self._bound():
            write((2 * self.counties + p.id, None, None, "supervisee", self.county_unit(p.county) + 1 + p.office,
                   "矫正对象", True, at(p.reported_in)))

    def subjects(self, write) -> None:
        for p in self.people:
            status = ("awaiting_report" if p.reported_in is None else "under_correction" if p.ended is None
                      else "released" if p.end_type == "expiry" else "terminated")
            unit = self.county_unit(p.county)
            write((p.id, f"对象{p.id}", b"bench-placeholder", hashlib.sha256(b"%d" % p.id).hexdigest(),
                   f"110101********{p.id % 10000:04d}", "male", date(1980, 1, 1), None, p.category,
                   p.effective - timedelta(days=7), p.effective, p.effective, p.term_end, "地址", p.lat, p.lng,
                   "wgs84", unit, unit + 1 + p.office, self.officer(p.county), p.level, status,
                   p.effective + timedelta(days=10), p.reported_in, p.ended, p.end_type, at(p.effective), 1))

    def subject_events(self, write) -> None:
        for p in self.people:
            officer = self.officer(p.county)
            write((self.ids("events"), p.id, "intake", p.effective, None, "awaiting_report", None, officer,
                   at(p.effective)))
            if p.reported_in is not None:
                write((self.ids("events"), p.id, "report_in", p.reported_in, "awaiting_report", "under_correction",
                       None, officer, at(p.reported_in, 9, 30)))
            if p.ended is not None:
                write((self.ids("events"), p.id, "release", p.ended, "under_correction",
                       "released" if p.end_type == "expiry" else "terminated", p.end_type, officer,
                       at(p.ended, 16)))

    def leave(self, write_trip, write_step) -> None:
        """Trips with their steps, and the late-return alerts as the scheduler opens them (kept for `alerts`)."""
        rng = random.Random(f"{self.seed}/leave")
        self.late_returns: list[tuple[Person, int, date]] = []
        for p in self.people:
            if not self.active_in_quarter(p) or rng.random() >= TRIP:
                continue
            trip_id, days = self.ids("leave"), int(pick(rng, TRIP_DAYS))
            start = self.first + timedelta(days=rng.randrange(80))
            end = start + timedelta(days=days - 1)
            fast = rng.random() < FAST_TRACK
            short = not fast and rng.random() < SHORT_NOTICE
            submitted = start - timedelta(days=rng.randrange(2) if fast else rng.randrange(3) if short
                                          else 3 + rng.randrange(8))
            county_level = days > 7
            decided = datetime.fromisoformat(at(submitted, 9)) + timedelta(hours=2 + rng.randrange(20))
            if rng.random() < DECIDED_LATE:
                decided = datetime.fromisoformat(at(start + timedelta(days=1), 11))
            due = escalated = None
            if fast:
                due = datetime.fromisoformat(at(submitted, 9)) + timedelta(hours=24)
                if rng.random() < FAST_LATE:
                    decided, escalated = due + timedelta(hours=6), due + timedelta(minutes=10)
            draw = rng.random()
            back = None if draw < NOT_RETURNED else end + timedelta(days=1 + rng.randrange(6)) \
                if draw < NOT_RETURNED + RETURN_LATE else end
            if back is None or back > end:
                self.late_returns.append((p, trip_id, end))
            office, county = self.county_unit(p.county) + 1 + p.office, self.county_unit(p.county)
            level = "county_agency" if county_level and rng.random() >= WRONG_LEVEL else "judicial_office"
            write_trip((trip_id, p.id, "trip", "business" if fast else "family", "外出", None, start, end, days,
                        "county_agency" if county_level else "judicial_office", fast, short,
                        json.dumps(["short_notice"] if short else []), "departed" if back is None else "returned",
                        at(submitted, 9), due, decided, self.officer(p.county), escalated, None, None,
                        at(start, 8), None if back is None else at(back, 18), None, None, None, None, 3))
            write_step((self.ids("steps"), trip_id, None, None, "submitted", None, None, None, "外出",
                        at(submitted, 9)))
            if county_level:
                write_step((self.ids("steps"), trip_id, None, None, "forwarded", "judicial_office", None, office,
                            "拟同意", at(submitted, 9, 30)))
            write_step((self.ids("steps"), trip_id, None, None, "approved", level, self.officer(p.county),
                        county if level == "county_agency" else office, "同意", decided))

    def alerts(self, write_alert, write_sanction) -> None:
        rng = random.Random(f"{self.seed}/alerts")
        found = [(p, kind, None, None) for p in self.people if self.active_in_quarter(p)
                 for kind, share in ALERTS.items() if rng.random() < share]
        found += [(p, "late_return", trip_id, end) for p, trip_id, end in self.late_returns]
        for p, kind, trip_id, end in found:
            alert_id = self.ids("alerts")
            opened = end + timedelta(days=1) if end else self.first + timedelta(days=rng.randrange(90))
            code = "warning" if rng.random() < 0.15 else "admonition"
            resolved = None if rng.random() < UNRESOLVED else opened + timedelta(days=1 + rng.randrange(10))
            disposition = pick(rng, DISPOSITIONS) if resolved else None
            contested = rng.random() < CONTESTED
            officer = self.officer(p.county)
            evidence = {"leave_id": trip_id, "end_date": end.isoformat(), "absent_days": 1} if trip_id else {}
            suggestion = json.dumps({"code": code, "text": SUGGESTIONS[code]}, ensure_ascii=False)
            answered = contested and resolved
            write_alert((alert_id, p.id, self.county_unit(p.county) + 1 + p.office, kind,
                         "resolved" if resolved else "open", f"bench:{kind}:{alert_id}", TITLES[kind],
                         json.dumps(evidence), suggestion,
                         at(opened, 1), None, None, at(resolved, 15) if resolved else None,
                         officer if resolved else None, disposition, "经核实" if resolved else None,
                         at(opened, 20) if contested else None, "手机没电了。" if contested else None,
                         at(opened + timedelta(days=1)) if answered else None, officer if answered else None,
                         "经核实属实。" if answered else None,
                         2 if resolved else 1))
            if disposition in ("admonition", "warning"):
                write_sanction((self.ids("sanctions"), p.id, disposition, alert_id, at(resolved, 15), officer,
                                "经核实"))

    def _bound(self) -> Iterator[Person]:
        rng = random.Random(f"{self.seed}/bound")
        for p in self.people:
            if p.reported_in is not None and p.ended is None and p.reported_in < self.last - timedelta(days=20) \
                    and rng.random() < BOUND:
                yield p

    def accounts(self, write) -> None:
        for p in self._bound():
            write((self.ids("accounts"), 2 * self.counties + p.id, p.id, f"bench-openid-{p.id}",
                   at(p.reported_in + timedelta(days=2))))

    def checkins(self, write) -> None:
        """Weekly fixes in the quarter's last three weeks; the silent 1 % last fixed 40 days before its end."""
        rng = random.Random(f"{self.seed}/checkins")
        for p in self._bound():
            for before in ((40,) if rng.random() < SILENT else (18, 11, 4)):
                when = at(self.last - timedelta(days=before), 8 + rng.randrange(12), rng.randrange(60))
                write((self.ids("checkins"), p.id, None, p.lat, p.lng, "wgs84", 20.0, "gps", False, when, when, False,
                       p.lat, p.lng, "inside", "home", 50.0, None, None, None, None))

    def relocations(self, write, write_step) -> None:
        rng = random.Random(f"{self.seed}/relocations")
        for p in self.people:
            if not self.active_in_quarter(p) or rng.random() >= RELOCATION:
                continue
            request_id = self.ids("relocations")
            decided = self.first + timedelta(days=rng.randrange(75))
            handed = decided + timedelta(days=6 + rng.randrange(7) if rng.random() < RELOCATION_LATE
                                         else 1 + rng.randrange(5))
            reported = decided + timedelta(days=8 + rng.randrange(7) if rng.random() < RELOCATION_LATE
                                           else 2 + rng.randrange(6))
            write((request_id, p.id, "新地址", "110105", None, "随子女生活", decided + timedelta(days=20), "reported",
                   at(decided - timedelta(days=12)), decided - timedelta(days=10), decided - timedelta(days=6), True,
                   at(decided, 15), self.officer(p.county), handed, "档案已移交", decided + timedelta(days=7),
                   reported, 5))
            for step, when in (("submitted", decided - timedelta(days=12)), ("approved", decided)):
                write_step((self.ids("steps"), None, None, request_id, step,
                            "county_agency" if step == "approved" else None,
                            self.officer(p.county) if step == "approved" else None,
                            self.county_unit(p.county) if step == "approved" else None, None, at(when, 15)))


COLUMNS = {
    "units": "id kind code name parent_id supervises_id created_at",
    "users": "id username password_hash role unit_id name is_active created_at",
    "subjects": ("id name id_number_cipher id_number_digest id_number_masked sex birth_date phone category "
                 "judgment_date effective_date term_start term_end address home_lat home_lng home_coord_type "
                 "county_id office_id officer_id level status report_in_due reported_in_on ended_on end_type "
                 "created_at version"),
    "subject_events": "id subject_id kind effective_on from_value to_value reason actor_id recorded_at",
    "leave_requests": ("id subject_id kind reason_type reason itinerary start_date end_date days approver_level "
                       "fast_track short_notice warnings status submitted_at decision_due_at decided_at "
                       "decided_by_id escalated_at extends_id permit_id departed_at returned_at return_lat "
                       "return_lng return_coord_type return_accuracy_m version"),
    "approval_steps": "id leave_id permit_id relocation_id step level actor_id unit_id opinion at",
    "alerts": ("id subject_id office_id type status dedupe_key title evidence suggestion opened_at "
               "acknowledged_at acknowledged_by_id resolved_at resolved_by_id disposition resolution_note "
               "contested_at contest_explanation contest_answered_at contest_answered_by_id contest_answer version"),
    "sanctions": "id subject_id kind alert_id decided_at decided_by_id note",
    "supervisee_accounts": "id user_id subject_id wx_openid bound_at",
    "checkins": ("id subject_id client_id lat lng coord_type accuracy_m source is_mock captured_at received_at "
                 "offline wgs_lat wgs_lng verdict fence distance_from_home_m distance_to_boundary_m leave_id "
                 "permit_id spot_check_id"),
    "relocation_requests": ("id subject_id new_address new_county_code target_county_id reason move_date status "
                            "submitted_at consult_sent_on consult_reply_on consult_agreed decided_at decided_by_id "
                            "handed_over_on handover_note report_due reported_on version"),
}


def load(conn: psycopg.Connection, data: DataSet) -> dict[str, int]:
    """TRUNCATE everything and COPY the data set in, foreign-key triggers off for the load (the rows are
    consistent by construction); then sequences past the ids and ANALYZE. Returns rows per table."""
    counts: dict[str, int] = {}
    with conn.transaction():
        tables = [row[0] for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")]
        conn.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY").format(sql.SQL(", ").join(map(sql.Identifier, tables))))
        conn.execute("SET LOCAL session_replication_role = replica")
        with conn.cursor() as cur:
            def into(table: str):
                return cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(
                    sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, COLUMNS[table].split()))))

            for table, fill in (("units", data.units), ("users", data.users), ("subjects", data.subjects),
                                ("subject_events", data.subject_events), ("supervisee_accounts", data.accounts),
                                ("checkins", data.checkins)):
                counts[table] = _copy(into(table), fill, table)
            steps: list[tuple] = []  # of trips and of changes of residence, written last
            counts["leave_requests"] = _copy(into("leave_requests"), lambda write: data.leave(write, steps.append),
                                             "leave_requests")
            counts["relocation_requests"] = _copy(into("relocation_requests"),
                                                  lambda write: data.relocations(write, steps.append),
                                                  "relocation_requests")
            counts["approval_steps"] = _copy(into("approval_steps"), lambda write: [write(r) for r in steps],
                                             "approval_steps")
            sanctions: list[tuple] = []
            counts["alerts"] = _copy(into("alerts"), lambda write: data.alerts(write, sanctions.append), "alerts")
            counts["sanctions"] = _copy(into("sanctions"), lambda write: [write(r) for r in sanctions], "sanctions")
    for table in COLUMNS:
        conn.execute(sql.SQL("SELECT setval(pg_get_serial_sequence({t}, 'id'), (SELECT coalesce(max(id), 0) + 1 "
                             "FROM {i}), false)").format(t=sql.Literal(table), i=sql.Identifier(table)))
        conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))
    return counts


def _copy(copy, fill: Callable, label: str) -> int:
    progress, count = Progress(label, 1), 0
    with copy as stream:
        def write(row):
            nonlocal count
            count += 1
            stream.write_row(row)
        fill(write)
    progress.finish(count)
    return count


def generate(conn: psycopg.Connection, subjects: int, county_size: int, quarter: Quarter, seed: int) -> dict:
    started = time.monotonic()
    log(f"==> planning {subjects:,} subjects for {quarter} (seed {seed})")
    data = DataSet(subjects, county_size, quarter, seed)
    log(f"==> loading with COPY into {data.counties:,} counties")
    counts = load(conn, data)
    return {"rows": counts, "seconds": round(time.monotonic() - started, 1), "counties": data.counties}
