"""Check-in history at national scale on PostgreSQL (issue 9). Not a test.

Runs in a database that already holds the inspection benchmark's national data set (bench/inspections.py: 700,000
subjects, their mini-program accounts). It

1. makes the monthly partitions of the year before `--as-of` (correction/services/checkin_partitions.py, the code
   the scheduler's job runs) and loads `--per-week` fixes a week for every bound subject over `--weeks` weeks,
   month by month with progress (set-based INSERT … SELECT, foreign-key triggers off for the load);
2. times the hot paths through the services themselves, over a sample of subjects: a check-in at home and far
   away, its retry, an offline batch, an officer's page of one subject's fixes and of the latest fix of everyone in
   the county; and once, the national jobs that read the table (missed check-ins, location retention);
3. writes a Markdown report with the partition sizes and EXPLAIN (ANALYZE, BUFFERS) of every read those calls send.

The country's real volume is several fixes a day per person (hundreds of millions a year); this data set has the
country's people and partitions at a lower density, which it states. Every probe here is an index descent per
partition touched, so the plans show what grows with the volume: the partitions each statement reads.
"""

import argparse
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import psycopg
import sqlalchemy as sa

from correction.clock import LOCAL_TZ, local_date
from correction.db import db
from correction.models import User
from correction.services import checkin_history, checkin_partitions, checkins, location_upkeep
from mobile_api import create_app
from overdue import loadavg, log
from plans import captured, sections

OUT_DIR = Path(__file__).resolve().parent / "out"
DEFAULT_AS_OF = "2026-09-30T20:00:00+08:00"  # inside the inspection data set's quarter (2026Q3)
LOAD = """
INSERT INTO checkins (subject_id, client_id, lat, lng, coord_type, accuracy_m, source, is_mock, captured_at,
                      received_at, offline, wgs_lat, wgs_lng, verdict, fence, distance_from_home_m)
SELECT s.id, 'bench-' || w || '-' || n, s.home_lat, s.home_lng, 'wgs84', 20.0, 'gps', false, t.at,
       t.at + interval '4 seconds', false, s.home_lat, s.home_lng, 'inside', 'home', 50.0
FROM supervisee_accounts a
JOIN subjects s ON s.id = a.subject_id
CROSS JOIN generate_series(%(first)s::int, %(last)s::int) w
CROSS JOIN generate_series(1, %(per_week)s::int) n
CROSS JOIN LATERAL (SELECT %(as_of)s::timestamptz - w * interval '7 days' + n * interval '1 day'
                           + mod(s.id::bigint * 7919 + w * 104729 + n * 31, 36000) * interval '1 second' AS at) t
WHERE t.at >= a.bound_at AND t.at < %(as_of)s::timestamptz
"""


@dataclass
class Operation:
    name: str
    seconds: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    notes: set = field(default_factory=set)  # what the calls answered: words, or numbers shown as a range
    unit: str = ""
    sent: list = field(default_factory=list)  # the statements of the first call, for the plans

    def run(self, fn, *args):
        started = time.perf_counter()
        result, sent = captured(lambda: fn(*args))
        self.seconds.append(time.perf_counter() - started)
        self.statements.append(len(sent))
        if not self.sent:
            self.sent = sent
        return result

    def row(self) -> str:
        ms = sorted(s * 1000 for s in self.seconds)
        p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
        numbers = [n for n in self.notes if isinstance(n, int)]
        notes = (f"{min(numbers):,}–{max(numbers):,} {self.unit}" if numbers
                 else ", ".join(sorted(str(n) for n in self.notes)))
        return (f"| {self.name} | {len(ms)} | {statistics.median(self.statements):.0f} | {statistics.median(ms):.1f} "
                f"| {p95:.1f} | {ms[-1]:.1f} | {notes} |")


def months_between(first: date, last: date) -> list[date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return months


def generate(conn: psycopg.Connection, as_of: datetime, weeks: int, per_week: int) -> dict:
    """Partitions for every month of the history (and the one after), then the fixes, a month's weeks at a time."""
    started = time.monotonic()
    first_day = local_date(as_of - timedelta(weeks=weeks + 1))
    made = 0
    for month in months_between(first_day, local_date(as_of) + timedelta(days=31)):
        if month not in checkin_partitions.existing():
            checkin_partitions.create_month(month)
            made += 1
    db.session.commit()
    log(f"==> {made} monthly partitions made; loading {per_week} fix(es) a week over {weeks} weeks")
    levels = conn.execute(  # the inspection data set has none (its checks read none); the missed check-in job does
        "INSERT INTO subject_levels (subject_id, level, valid_from) SELECT id, level, "
        "coalesce(reported_in_on, effective_date) FROM subjects WHERE NOT EXISTS (SELECT FROM subject_levels)").rowcount
    if levels:
        log(f"    {levels:,} level spans added: one open span per subject at its current level")
    gone = conn.execute("DELETE FROM checkins WHERE client_id LIKE 'bench-%' OR client_id LIKE 'plan-%'").rowcount
    if gone:
        log(f"    {gone:,} fixes of an earlier run deleted")
    conn.execute("SET session_replication_role = replica")  # the load's rows are consistent by construction
    rows, chunk = 0, 4
    for start in range(weeks, 0, -chunk):
        last, first = start, max(1, start - chunk + 1)
        t0 = time.monotonic()
        count = conn.execute(LOAD, {"first": first, "last": last, "per_week": per_week, "as_of": as_of}).rowcount
        rows += count
        log(f"    weeks {last:>2}–{first:<2} before: {count:>10,} fixes in {time.monotonic() - t0:5.1f} s "
            f"({rows:,} in all)")
    conn.execute("SET session_replication_role = origin")
    t0 = time.monotonic()
    conn.execute("SELECT setval('checkins_id_seq', (SELECT max(id) FROM checkins))")
    conn.execute("VACUUM (ANALYZE) checkins")
    log(f"==> vacuum analyze in {time.monotonic() - t0:.0f} s")
    return {"rows": rows, "partitions_made": made, "levels": levels, "seconds": round(time.monotonic() - started)}


def partition_sizes(conn: psycopg.Connection) -> list[tuple[str, int, int]]:
    return conn.execute(
        "SELECT c.relname, c.reltuples::bigint, pg_total_relation_size(c.oid) FROM pg_inherits i "
        "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'checkins'::regclass ORDER BY c.relname").fetchall()


def sample(size: int) -> list[tuple[int, int, int]]:
    """(supervisee user, subject, an officer of its county) for `size` bound subjects under correction."""
    return db.session.execute(sa.text(
        "SELECT a.user_id, s.id, (SELECT min(u.id) FROM users u WHERE u.role = 'officer' AND u.unit_id = s.county_id) "
        "FROM supervisee_accounts a JOIN subjects s ON s.id = a.subject_id "
        "WHERE s.status = 'under_correction' AND s.home_lat IS NOT NULL ORDER BY md5(s.id::text) LIMIT :n"),
        {"n": size}).all()


def fix(lat: float, lng: float, at: datetime, client_id: str) -> dict:
    return {"lat": lat, "lng": lng, "coord_type": "wgs84", "accuracy_m": 20.0, "captured_at": at,
            "client_id": client_id, "source": "gps"}


def measure(as_of: datetime, size: int) -> tuple[list[Operation], dict]:
    ops = {name: Operation(name) for name in (
        "check-in at home", "the same check-in retried", "check-in 50 km away", "offline batch of 3 (1 stored)",
        "officer: a subject's fixes, page 1 of 20", "officer: latest fix of everyone in the county, page 1 of 50")}
    ops["officer: a subject's fixes, page 1 of 20"].unit = "fixes"
    ops["officer: latest fix of everyone in the county, page 1 of 50"].unit = "subjects"
    people = sample(size)
    log(f"==> {len(people)} subjects, the hot paths one after the other")
    for number, (user_id, subject_id, officer_id) in enumerate(people):
        user, officer = db.session.get(User, user_id), db.session.get(User, officer_id)
        home = db.session.execute(sa.text("SELECT home_lat, home_lng FROM subjects WHERE id = :id"),
                                  {"id": subject_id}).one()
        at_home = fix(home[0], home[1], as_of - timedelta(seconds=20), f"plan-home-{number}")
        got = ops["check-in at home"].run(checkins.record_checkin, user, at_home, as_of)
        ops["check-in at home"].notes.add(str(got.verdict))
        got = ops["the same check-in retried"].run(checkins.record_checkin, user, at_home, as_of)
        ops["the same check-in retried"].notes.add("replayed" if got.replayed else "stored again")
        away = fix(home[0] + 0.45, home[1], as_of - timedelta(seconds=10), f"plan-away-{number}")
        got = ops["check-in 50 km away"].run(checkins.record_checkin, user, away, as_of)
        ops["check-in 50 km away"].notes.add(str(got.verdict))
        queued = [fix(home[0], home[1], as_of - timedelta(hours=h), f"plan-queued-{number}-{h}") for h in (3, 2)]
        queued.append(fix(home[0], home[1], as_of - timedelta(hours=1), "bench-1-1"))  # a client id already stored
        results = ops["offline batch of 3 (1 stored)"].run(checkins.record_batch, user, queued, as_of)
        ops["offline batch of 3 (1 stored)"].notes.add(
            f"{sum(r.recorded is not None and r.recorded.replayed for r in results)} replayed")
        page = ops["officer: a subject's fixes, page 1 of 20"].run(
            checkin_history.subject_checkins, officer, subject_id, 1, 20)
        ops["officer: a subject's fixes, page 1 of 20"].notes.add(page.total)
        page = ops["officer: latest fix of everyone in the county, page 1 of 50"].run(
            checkin_history.latest_checkins, officer, 1, 50)
        ops["officer: latest fix of everyone in the county, page 1 of 50"].notes.add(page.total)
        db.session.rollback()
        if (number + 1) % 20 == 0 or number + 1 == len(people):
            log(f"    {number + 1}/{len(people)}")
    jobs = {}
    for name, job in (("missed check-ins (whole country)", lambda: location_upkeep.missed_checkins(as_of)),
                      ("location retention (whole country)", lambda: location_upkeep.purge_locations(as_of))):
        log(f"==> {name}")
        started = time.perf_counter()
        result, sent = captured(job)
        jobs[name] = (time.perf_counter() - started, result, sent)
        log(f"    {jobs[name][0]:.1f} s: {result}")
    return list(ops.values()), jobs


def render(args, generated: dict, sizes, ops: list[Operation], jobs: dict, plans: list[str], load: dict) -> str:
    total = sum(rows for _, rows, _ in sizes)
    largest = max([rows for _, rows, _ in sizes] + [1])
    national = [700_000 * per_day * 30.4 / largest for per_day in (1, 3)]  # a month's fixes, one to three a day
    lines = [
        f"# Check-in history at national scale — {datetime.now(LOCAL_TZ):%Y-%m-%d %H:%M %Z}", "",
        f"Command: `{' '.join(sys.argv)}`", "",
        f"As of {args.as_of}; {os.cpu_count()} cores; load average before {load['start']}, after {load['end']}.", "",
        f"**Data set**: the inspection data set's people; {generated['rows']:,} fixes loaded ({args.per_week} a week "
        f"for every bound subject over {args.weeks} weeks; {generated['levels']:,} level spans added, one open span "
        f"per subject at its current level) in {generated['seconds']} s, {len(sizes)} partitions, "
        f"{total:,} rows, {sum(size for _, _, size in sizes) / 2**30:.1f} GiB with indexes. The country's volume "
        f"is one to three fixes a day each (0.26–0.77 billion a year), {national[0]:.0f}–{national[1]:.0f} times the "
        "largest month here. A probe is one index descent per partition it reads (a B-tree one level deeper at "
        "that size), so what the volume changes is shown by the plans below: how many partitions each statement "
        "reads.", "",
        "| partition | rows (estimate) | size with indexes |", "| --- | ---: | ---: |",
        *(f"| {name} | {rows:,} | {size / 2**20:,.0f} MiB |" for name, rows, size in sizes), "",
        "## Hot paths through the services", "",
        f"One after the other, one connection, for {len(ops[0].seconds)} subjects (their first call included).", "",
        "| operation | calls | statements per call | median ms | p95 ms | max ms | answers |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |", *(op.row() for op in ops), "",
        "| national job | seconds | result |", "| --- | ---: | --- |",
        *(f"| {name} | {seconds:.1f} | {result} |" for name, (seconds, result, _) in jobs.items()), "",
        "## Query plans", "", *plans]
    return "\n".join(lines)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--database-url", required=True, help="holding the inspection data set (bench/inspections.py)")
    parser.add_argument("--as-of", default=DEFAULT_AS_OF)
    parser.add_argument("--weeks", type=int, default=56, help="weeks of history (56: every day of 13 months)")
    parser.add_argument("--per-week", type=int, default=1, help="fixes a week per bound subject")
    parser.add_argument("--sample", type=int, default=100, help="subjects the hot paths are timed for")
    parser.add_argument("--out", type=Path, default=None)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    as_of = datetime.fromisoformat(args.as_of)
    load = {"start": loadavg()}
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": args.database_url})
    with app.app_context(), psycopg.connect(re.sub(r"^postgresql\+\w+://", "postgresql://", args.database_url),
                                            autocommit=True) as conn:
        generated = generate(conn, as_of, args.weeks, args.per_week)
        sizes = partition_sizes(conn)
        ops, jobs = measure(as_of, args.sample)
        log("==> EXPLAIN (ANALYZE, BUFFERS) of every read")
        plans = [line for op in ops for line in sections(op.name, op.sent)]
        plans += [line for name, (_, _, sent) in jobs.items() for line in sections(name, sent)]
        db.session.remove()
    load["end"] = loadavg()
    report = render(args, generated, sizes, ops, jobs, plans, load)
    out = args.out or OUT_DIR / f"checkin-plans-{datetime.now():%Y%m%d-%H%M%S}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report, encoding="utf-8")
    print(report[:4000])
    print(f"report: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
