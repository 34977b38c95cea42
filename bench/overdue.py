"""Benchmark of the overdue query (逾期查询) on a national-scale data set in PostgreSQL. Not a test.

1. Generate (unless --skip-generate): units, officers, subjects, level spans, history events and a year of
   reports and activities for --subjects people (700,000 ≈ everyone under community correction in China),
   about 36 million rows, loaded with COPY ... FREEZE into the migrated schema. Secondary indexes and foreign
   keys are dropped for the load and re-created afterwards (what pg_restore does); then VACUUM (ANALYZE).
2. Time `find_overdue(as_of, Subject.county_id == c)` for one county and `find_overdue(as_of)` for the whole
   country (first run and the median of --repeat runs), and the naive per-subject ORM loop
   (`db.session.get` + `subject_overdue`) on a random --sample of subjects in the same run.
3. Check the set query against the naive loop on the sample, and the county run against the country run.
4. Print a table of numbers and write it with EXPLAIN (ANALYZE, BUFFERS) of both statements to
   bench/out/overdue-<timestamp>.md.

ID numbers are cheap deterministic placeholders (bytes and hex), not real encryption: the query never reads
them. `bench/run_overdue` starts a throwaway PostgreSQL 15 cluster and calls this; see bench/README.md.
"""

import argparse
import hashlib
import json
import math
import os
import platform
import random
import re
import shlex
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import psycopg
import sqlalchemy as sa
from flask import current_app
from psycopg import sql

from config.settings import settings_for
from correction.clock import LOCAL_TZ, local_date
from correction.components import components
from correction.db import db
from correction.demo import CATEGORY_WEIGHTS, GIVEN, LEVEL_WEIGHTS, SURNAMES, TERM_MONTHS
from correction.models import Subject
from correction.rules.obligations import Stream, report_streams
from correction.rules.periods import Period, period_containing
from correction.rules.terms import add_months
from correction.services.obligations import HOUR_KINDS, subject_overdue
from correction.services.overdue import find_overdue
from mobile_api import create_app
from plans import captured, explain

OUT_DIR = Path(__file__).resolve().parent / "out"
PLAN_OPTIONS = "ANALYZE, BUFFERS, SETTINGS"  # the plans show the settings the session ran with
DEFAULT_AS_OF = "2026-11-26T12:00:00+08:00"
SEED = 2026
OFFICES_PER_COUNTY = 25
HISTORY_DAYS = 365          # a year of reports and activities before as-of
REPORTED_IN_DAYS = 730      # subjects under correction reported in over the past two years
AWAITING_SHARE = 0.03       # received, report-in still outstanding (some already past due)
ENDED_SHARE = 0.05          # released or terminated within the past year; their files stay
LATE_REPORT_IN_SHARE = 0.02
LEVEL_CHANGE_SHARE = 0.34   # of those under correction for more than the new-intake months (≈ 30 % of all)
MISSED_SHARE = 0.08         # owed report periods with no report at all
LATE_REPORT_SHARE = 0.03    # reports after the grace days (on_time = false)
SHORT_MONTH_SHARE = 0.08    # subject-months, per kind, with one session missing, pending or rejected
LIFE_EVENT_SHARE = 0.10     # subject-months with a 及时报告 (life event)
SESSION_MINUTES = {"education": 240, "public_welfare": 480}  # one education session, one public-welfare day
TABLES = ("units", "users", "subjects", "subject_levels", "subject_events", "reports", "activities")
# Kept by the service on write (services/activities.py); built here in one statement after the load.
ACTIVITY_TOTALS = ("INSERT INTO activity_totals (month, kind, subject_id, minutes) "
                   "SELECT date_trunc('month', occurred_on)::date, kind, subject_id, sum(minutes) FROM activities "
                   "WHERE status = 'confirmed' GROUP BY 1, 2, 3")

REPORT_TEXT = {
    "periodic": ["本周期遵守法律法规和监督管理规定，按时参加教育学习和公益活动，工作生活稳定，无违法违纪行为。",
                 "本期在单位正常上班，家庭关系和睦，按要求请销假，思想上认识到自身错误，积极改造。",
                 "近期身体状况良好，居住地未发生变化，未接触不良人员，按要求参加了司法所组织的集中教育。",
                 "本周期主要在家务农，按时报告思想动态，遵守禁止令，没有进入特定场所。"],
    "health_report": ["本月按医嘱服药，病情稳定，已到定点医院复诊，附检查结果。",
                      "本月身体状况无明显变化，继续在家治疗休养，按时报告病情。"],
    "medical_review": ["本季度病情复查已完成，诊断结论与上次一致，附医院复查证明。"],
    "life_event": ["居住地址变更，已搬至同一街道新住址。", "更换工作单位，新单位为本地一家物流公司。",
                   "家中老人住院，需要陪护。", "近期有外地亲属来访。"],
}
LIFE_EVENTS = ("residence_change", "job_change", "family_event", "risky_contact")
CLOCK = [f" {h:02d}:{m:02d}:{(h * 7 + m * 13) % 60:02d}+08" for h in range(8, 22) for m in range(60)]
NEXT_LEVEL = {"strict": ("ordinary",), "ordinary": ("lenient", "lenient", "strict"), "lenient": ("ordinary",)}
END_TYPES = (("expiry", 85), ("pardon", 1), ("revocation", 7), ("custody", 4), ("death", 2), ("other", 1))


# ---------------------------------------------------------------------------------------------- the plan --

@dataclass(frozen=True)
class Rules:
    """The rule-table values the generator needs (the same table the query reads)."""

    strict_months: int
    anchor: date
    report_in_days: int
    delivery_days: int
    streams: list[Stream]
    hours: dict[str, dict[str, float]]

    @classmethod
    def current(cls) -> "Rules":
        rules = components().rules
        return cls(rules["classification.new_intake_strict_months"], rules["obligations.biweekly_anchor"],
                   rules["intake.report_in_days"], rules["intake.delivery_days"], report_streams(rules),
                   {kind: rules[f"obligations.monthly_hours.{kind}"] for kind in HOUR_KINDS})


class Planned:
    """One generated subject: what the later passes (levels, events, reports, activities) need."""

    __slots__ = ("id", "county", "category", "effective", "reported_in", "ended", "end_type", "late_report_in",
                 "new_until", "first_level", "change", "last_level", "lat", "lng")

    def level_on(self, day: date) -> str:
        """As `Timeline.level_on` for a day on or after the effective date: 严管 while a new intake, else the
        first span's level before the change (if any) and the second's from it."""
        if self.new_until is not None and day < self.new_until:
            return "strict"
        return self.first_level if self.change is None or day < self.change else self.last_level

    @property
    def spans(self) -> list[tuple[str, date, date | None]]:
        if self.change is None:
            return [(self.first_level, self.effective, None)]
        return [(self.first_level, self.effective, self.change), (self.last_level, self.change, None)]

    def active_over(self, start: date, end: date) -> bool:
        """As `Timeline.active_over`."""
        return (self.reported_in is not None and self.reported_in <= start
                and (self.ended is None or self.ended > end))


@dataclass
class Days:
    """Dates around the history window by index, with their ISO strings (COPY text is cheaper than objects)."""

    base: int
    dates: list[date]
    iso: list[str]

    @classmethod
    def around(cls, first: date, last: date) -> "Days":
        base = first.toordinal()
        dates = [date.fromordinal(base + i) for i in range(last.toordinal() - base + 1)]
        return cls(base, dates, [d.isoformat() for d in dates])

    def k(self, day: date) -> int:
        return day.toordinal() - self.base


@dataclass(frozen=True)
class Owed:
    """One period of one report stream, placed in the month chunk where its reports are written."""

    kind: str
    levels: frozenset[str] | None  # levels whose cadence this is; None: fixed cadence
    categories: frozenset[str] | None  # None: every category
    start: date
    end: date
    start_iso: str  # COPY text: strings are cheaper to send than date objects
    end_iso: str
    end_k: int
    deadline_k: int
    grace: int
    early: int  # how many days before the period's end a report may come


@dataclass
class World:
    args: argparse.Namespace
    rules: Rules
    as_of: datetime
    today: date
    first_day: date  # start of the history window
    days: Days
    months: list[Period]
    owed_by_month: list[dict[str, list[Owed]]]  # month chunk -> category -> periods owed by that category
    counties: int
    plan: list[Planned] = field(default_factory=list)

    @classmethod
    def build(cls, args: argparse.Namespace, rules: Rules, as_of: datetime) -> "World":
        today = local_date(as_of)
        first_day = today - timedelta(days=HISTORY_DAYS)
        months = _periods("monthly", first_day, today, rules.anchor)
        days = Days.around(min(first_day, today - timedelta(days=REPORTED_IN_DAYS + 400)), today + timedelta(days=120))
        owed: list[list[Owed]] = [[] for _ in months]
        for stream in rules.streams:
            for cadence in sorted(stream.cadences()):
                levels = None if stream.cadence_by_level is None else frozenset(
                    level for level, c in stream.cadence_by_level.items() if c == cadence)
                for period in _periods(cadence, first_day, today, rules.anchor):
                    categories = None if stream.categories is None else frozenset(stream.categories)
                    owed[_month_index(months, min(period.end, today))].append(Owed(
                        stream.kind, levels, categories, period.start, period.end, period.start.isoformat(),
                        period.end.isoformat(), days.k(period.end),
                        days.k(period.deadline(stream.grace_days)), stream.grace_days,
                        min(3, (period.end - period.start).days)))
        owed_by_month = [{str(c): [o for o in chunk if o.categories is None or c in o.categories]
                          for c, _ in CATEGORY_WEIGHTS} for chunk in owed]
        counties = max(1, math.ceil(args.subjects / args.county_size))
        return cls(args, rules, as_of, today, first_day, days, months, owed_by_month, counties)

    def county_unit(self, county: int) -> int:
        return county * (OFFICES_PER_COUNTY + 1) + 1

    def officer(self, county: int) -> int:
        return county + 1


def _periods(cadence: str, first: date, last: date, anchor: date) -> list[Period]:
    period, found = period_containing(cadence, first, anchor), []
    while period.start <= last:
        found.append(period)
        period = period_containing(cadence, period.end + timedelta(days=1), anchor)
    return found


def _month_index(months: list[Period], day: date) -> int:
    return (day.year - months[0].start.year) * 12 + day.month - months[0].start.month


def _weighted(pairs) -> tuple[list, list[int]]:
    values, weights, total = [], [], 0
    for value, weight in pairs:
        total += weight
        values.append(str(value))
        weights.append(total)
    return values, weights


# ------------------------------------------------------------------------------------------- progress --

class Progress:
    """Progress of one table on stderr: a bar on a terminal, a line every 10 s in a log."""

    def __init__(self, label: str, total: int):
        self.label, self.total, self.done, self.rows = label, max(total, 1), 0, 0
        self.tty = sys.stderr.isatty()
        self.start = self.shown = time.monotonic()

    def update(self, done: int, rows: int) -> None:
        self.done, self.rows = done, rows
        now = time.monotonic()
        if now - self.shown >= (0.5 if self.tty else 10):
            self.shown = now
            self._show(now)

    def finish(self, rows: int) -> float:
        self.done, self.rows = self.total, rows
        now = time.monotonic()
        self._show(now)
        if self.tty:
            print(file=sys.stderr)
        return now - self.start

    def _show(self, now: float) -> None:
        elapsed = max(now - self.start, 1e-9)
        share = self.done / self.total
        eta = elapsed * (1 - share) / share if share else float("nan")
        line = (f"  {self.label:<15} [{'#' * int(share * 30):<30}] {share:6.1%} {self.rows:>12,} rows "
                f"{self.rows / elapsed:>9,.0f} rows/s  {elapsed:6.0f} s  eta {eta:5.0f} s")
        print(line, end="\r" if self.tty else "\n", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------ generation --

def generate(conn: psycopg.Connection, world: World) -> dict:
    """Load the whole data set; returns row counts and phase timings."""
    started = time.monotonic()
    stats: dict = {"rows": {}, "seconds": {}}
    restore = _drop_constraints_and_indexes(conn)
    log(f"==> loading {world.args.subjects:,} subjects in {world.counties:,} counties with COPY ... FREEZE "
        f"(history {world.first_day} .. {world.today})")
    for table, writer in (("units", _units), ("users", _users), ("subjects", _subjects),
                          ("subject_levels", _levels), ("subject_events", _events), ("reports", _reports),
                          ("activities", _activities)):
        rows, seconds = _load(conn, table, writer, world)
        stats["rows"][table], stats["seconds"][f"copy {table}"] = rows, round(seconds, 1)
    log("==> activity_totals from the confirmed activities")
    t0 = time.monotonic()
    with conn.transaction():
        conn.execute("TRUNCATE activity_totals")
        stats["rows"]["activity_totals"] = conn.execute(ACTIVITY_TOTALS).rowcount
    stats["seconds"]["activity_totals"] = round(time.monotonic() - t0, 1)
    log("==> re-creating indexes and foreign keys, resetting sequences")
    for statement in restore:
        t0 = time.monotonic()
        conn.execute(statement)
        seconds = time.monotonic() - t0
        stats["seconds"][_ddl_label(statement)] = round(seconds, 1)
        log(f"  {seconds:6.1f} s  {statement[:110]}")
    _write_state(conn, {"restore": None})
    for table in TABLES:
        conn.execute(sql.SQL("SELECT setval(pg_get_serial_sequence({t}, 'id'), "
                             "(SELECT coalesce(max(id), 0) + 1 FROM {i}), false)")
                     .format(t=sql.Literal(table), i=sql.Identifier(table)))
    log("==> VACUUM (ANALYZE)")
    t0 = time.monotonic()
    for table in (*TABLES, "activity_totals"):
        conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))
    stats["seconds"]["vacuum analyze"] = round(time.monotonic() - t0, 1)
    stats["total_seconds"] = round(time.monotonic() - started, 1)
    stats["total_rows"] = sum(stats["rows"].values())
    return stats


def _ddl_label(statement: str) -> str:
    match = re.search(r"(?:INDEX|CONSTRAINT) (\S+)", statement)
    return match.group(1) if match else statement[:40]


def _state(conn: psycopg.Connection) -> dict:
    text = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                        "WHERE datname = current_database()").fetchone()[0]
    return json.loads(text) if text and text.startswith("{") else {}


def _write_state(conn: psycopg.Connection, changes: dict) -> None:
    state = {key: value for key, value in {**_state(conn), **changes}.items() if value is not None}
    conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(
        sql.Identifier(conn.info.dbname), sql.Literal(json.dumps(state, ensure_ascii=False))))


def _drop_constraints_and_indexes(conn: psycopg.Connection) -> list[str]:
    """Drop every foreign key and the secondary indexes of the loaded tables; return the DDL to re-create them.

    The DDL is kept in the database comment first, so a load that dies half-way is repaired by the next one.
    """
    state = _state(conn)
    restore = state.get("restore")
    if not restore:
        indexes = conn.execute(
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
            "WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace AND NOT EXISTS ("
            "  SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))"
            " ORDER BY t.relname, i.indexrelid::regclass::text", [list(TABLES)]).fetchall()
        fks = conn.execute(
            "SELECT format('ALTER TABLE %I ADD CONSTRAINT %I %s', conrelid::regclass, conname, "
            "pg_get_constraintdef(oid)) FROM pg_constraint WHERE contype = 'f' AND conparentid = 0 "
            "AND connamespace = 'public'::regnamespace ORDER BY conrelid::regclass::text, conname").fetchall()
        restore = [row[0] for row in indexes] + [row[0] for row in fks]
        _write_state(conn, {"restore": restore, "generated": None})
    with conn.transaction():
        for name, table in conn.execute(
                "SELECT conname, conrelid::regclass::text FROM pg_constraint WHERE contype = 'f' "
                "AND conparentid = 0 AND connamespace = 'public'::regnamespace").fetchall():  # partitions follow
            conn.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(sql.Identifier(table),
                                                                            sql.Identifier(name)))
        for statement in restore:
            match = re.match(r"CREATE (?:UNIQUE )?INDEX (\S+) ON", statement)
            if match:
                conn.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(sql.Identifier(match.group(1))))
        everything = [row[0] for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")]
        conn.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY").format(
            sql.SQL(", ").join(sql.Identifier(t) for t in everything)))
    return restore


def _load(conn: psycopg.Connection, table: str, writer, world: World) -> tuple[int, float]:
    """TRUNCATE and COPY ... FREEZE in one transaction: the rows arrive frozen and all-visible."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(sql.SQL("TRUNCATE {}").format(sql.Identifier(table)))
        columns, rows = writer(world)
        statement = sql.SQL("COPY {} ({}) FROM STDIN (FREEZE)").format(
            sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in columns.split()))
        with cur.copy(statement) as copy:
            count, seconds = rows(copy.write_row)
    return count, seconds


def _units(world: World):
    def rows(write) -> tuple[int, float]:
        progress, count = Progress("units", world.counties), 0
        created = f"{world.first_day.isoformat()} 09:00:00+08"
        for county in range(world.counties):
            unit = world.county_unit(county)
            write((unit, "county_agency", f"B{county + 1:04d}", f"第{county + 1:04d}县社区矫正管理局", None, None,
                   created))
            for office in range(OFFICES_PER_COUNTY):
                write((unit + 1 + office, "judicial_office", f"B{county + 1:04d}-{office + 1:02d}",
                       f"第{county + 1:04d}县第{office + 1:02d}司法所", unit, None, created))
            count += OFFICES_PER_COUNTY + 1
            progress.update(county + 1, count)
        return count, progress.finish(count)
    return "id kind code name parent_id supervises_id created_at", rows


def _users(world: World):
    def rows(write) -> tuple[int, float]:
        progress = Progress("users", world.counties)
        created = f"{world.first_day.isoformat()} 09:00:00+08"
        for county in range(world.counties):  # one officer per county: nobody signs in during the benchmark
            write((world.officer(county), f"bench-officer-{county + 1:04d}", None, "officer",
                   world.county_unit(county), f"第{county + 1:04d}县值班矫正干部", True, created))
            progress.update(county + 1, county + 1)
        return world.counties, progress.finish(world.counties)
    return "id username password_hash role unit_id name is_active created_at", rows


def _subjects(world: World):
    """The people; also builds `world.plan`, which the later passes read."""
    args, rules, days, today = world.args, world.rules, world.days, world.today
    rng = random.Random(f"{args.seed}/subjects")
    categories, category_weights = _weighted(CATEGORY_WEIGHTS)
    levels, level_weights = _weighted(LEVEL_WEIGHTS)
    end_types, end_type_weights = _weighted(END_TYPES)
    term_months = {str(category): bounds for category, bounds in TERM_MONTHS.items()}
    centres = [(random.Random(f"{args.seed}/county/{c}").uniform(22, 46),
                random.Random(f"{args.seed}/county/{c}").uniform(100, 128)) for c in range(world.counties)]
    today_k, awaiting_cut, ended_cut = days.k(today), AWAITING_SHARE, AWAITING_SHARE + ENDED_SHARE
    world.plan = plan = []

    def rows(write) -> tuple[int, float]:
        progress = Progress("subjects", args.subjects)
        for sid in range(1, args.subjects + 1):
            s = Planned()
            s.id, s.county = sid, rng.randrange(world.counties)
            category = s.category = rng.choices(categories, cum_weights=category_weights)[0]
            level = rng.choices(levels, cum_weights=level_weights)[0]
            draw = rng.random()
            s.ended = s.end_type = None
            s.late_report_in = False
            if draw < awaiting_cut:
                status, s.reported_in = "awaiting_report", None
                s.effective = days.dates[today_k - rng.randrange(21)]
            elif draw < ended_cut:
                s.ended = days.dates[today_k - 1 - rng.randrange(HISTORY_DAYS)]
                s.reported_in = s.ended - timedelta(days=90 + rng.randrange(610))
                s.effective = s.reported_in - timedelta(days=rng.randrange(4))
                s.end_type = rng.choices(end_types, cum_weights=end_type_weights)[0]
                status = "released" if s.end_type in ("expiry", "pardon") else "terminated"
            else:
                status = "under_correction"
                s.reported_in = days.dates[today_k - rng.randrange(REPORTED_IN_DAYS)]
                s.late_report_in = rng.random() < LATE_REPORT_IN_SHARE
                s.effective = s.reported_in - timedelta(days=11 + rng.randrange(20) if s.late_report_in
                                                        else rng.randrange(4))
            months = rng.randint(*term_months[category])
            term_end = add_months(s.effective, months) - timedelta(days=1)
            if s.end_type == "expiry":
                term_end = s.ended
            while s.ended is None and term_end <= today:
                months += 12
                term_end = add_months(s.effective, months) - timedelta(days=1)
            s.new_until = None if s.reported_in is None else add_months(s.reported_in, rules.strict_months)
            s.first_level, s.change = level, None
            if s.new_until is not None and rng.random() < LEVEL_CHANGE_SHARE:
                last = (s.ended or today) - timedelta(days=1)
                if s.new_until < last:
                    s.change = s.new_until + timedelta(days=rng.randrange((last - s.new_until).days))
                    level = rng.choice(NEXT_LEVEL[level])
            s.last_level = level
            lat, lng = centres[s.county]
            s.lat, s.lng = round(lat + rng.uniform(-0.1, 0.1), 6), round(lng + rng.uniform(-0.1, 0.1), 6)
            plan.append(s)
            sex = "male" if rng.random() < 0.86 else "female"
            office = rng.randrange(OFFICES_PER_COUNTY)
            due_days = rules.delivery_days if category == "temporary_release" else rules.report_in_days
            write((sid, rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(1 + (rng.random() < 0.7))),
                   b"bench-placeholder:" + str(sid).encode(),  # not encryption: the query never reads it
                   hashlib.sha256(b"bench-id-number:%d" % sid).hexdigest(), f"110101********{sid % 10000:04d}",
                   sex, date(1960 + rng.randrange(46), 1 + rng.randrange(12), 1 + rng.randrange(28)),
                   f"13{sid % 10}{rng.randrange(10 ** 8):08d}", category,
                   s.effective - timedelta(days=rng.randrange(15)), s.effective, s.effective, term_end,
                   f"第{s.county + 1:04d}县第{office + 1:02d}街道{1 + rng.randrange(300)}号", s.lat, s.lng, "wgs84",
                   world.county_unit(s.county), world.county_unit(s.county) + 1 + office, world.officer(s.county),
                   level, status, s.effective + timedelta(days=due_days), s.reported_in, s.ended, s.end_type,
                   f"{s.effective.isoformat()} 10:00:00+08", 1))
            if sid % 1000 == 0:
                progress.update(sid, sid)
        return args.subjects, progress.finish(args.subjects)
    return ("id name id_number_cipher id_number_digest id_number_masked sex birth_date phone category judgment_date "
            "effective_date term_start term_end address home_lat home_lng home_coord_type county_id office_id "
            "officer_id level status report_in_due reported_in_on ended_on end_type created_at version"), rows


def _levels(world: World):
    def rows(write) -> tuple[int, float]:
        progress, count = Progress("subject_levels", len(world.plan)), 0
        for n, s in enumerate(world.plan, 1):
            for level, start, end in s.spans:
                count += 1
                write((count, s.id, level, start, end))
            if n % 1000 == 0:
                progress.update(n, count)
        return count, progress.finish(count)
    return "id subject_id level valid_from valid_to", rows


def _events(world: World):
    """The history the services write: intake, initial level, report-in, level change, release."""
    def rows(write) -> tuple[int, float]:
        progress, count = Progress("subject_events", len(world.plan)), 0
        for n, s in enumerate(world.plan, 1):
            officer = world.officer(s.county)
            effective = s.effective.isoformat()
            events = [("intake", s.effective, None, "awaiting_report", None, f"{effective} 10:00:00+08"),
                      ("level_change", s.effective, None, s.first_level, "入矫", f"{effective} 10:00:00+08")]
            if s.reported_in is not None:
                events.append(("report_in", s.reported_in, "awaiting_report", "under_correction",
                               "逾期报到" if s.late_report_in else None, f"{s.reported_in.isoformat()} 09:30:00+08"))
            if s.change is not None:
                events.append(("level_change", s.change, s.first_level, s.last_level, "定期考核调整",
                               f"{s.change.isoformat()} 15:00:00+08"))
            if s.ended is not None:
                events.append(("release", s.ended, "under_correction",
                               "released" if s.end_type in ("expiry", "pardon") else "terminated", s.end_type,
                               f"{s.ended.isoformat()} 16:00:00+08"))
            for kind, effective_on, from_value, to_value, reason, recorded_at in events:
                count += 1
                write((count, s.id, kind, effective_on, from_value, to_value, reason, officer, recorded_at))
            if n % 1000 == 0:
                progress.update(n, count)
        return count, progress.finish(count)
    return "id subject_id kind effective_on from_value to_value reason actor_id recorded_at", rows


def _reports(world: World):
    """A year of reports, written month by month (ids and heap order follow time, as in production): every
    owed period of every stream gets a report unless missed (MISSED_SHARE), a few late; plus life events."""
    days, today_k = world.days, world.days.k(world.today)
    rng = random.Random(f"{world.args.seed}/reports")
    random_ = rng.random

    def rows(write) -> tuple[int, float]:
        progress, count = Progress("reports", len(world.months) * len(world.plan)), 0
        for m, month in enumerate(world.months):
            owed_here = world.owed_by_month[m]
            month_k, month_days = days.k(month.start), (month.end - month.start).days + 1
            for n, s in enumerate(world.plan, 1):
                if n % 1000 == 0:
                    progress.update(m * len(world.plan) + n, count)
                reported_in, ended = s.reported_in, s.ended
                if reported_in is None or reported_in > month.end or (ended is not None and ended < month.start):
                    continue
                officer, new_until, change = world.officer(s.county), s.new_until, s.change
                for o in owed_here[s.category]:
                    if reported_in > o.start or (ended is not None and ended <= o.end):
                        continue
                    if o.levels is not None:  # s.level_on(o.end), inline: this loop runs 100 million times
                        e = o.end
                        level = "strict" if new_until is not None and e < new_until else (
                            s.first_level if change is None or e < change else s.last_level)
                        if level not in o.levels:
                            continue
                    if random_() < MISSED_SHARE:
                        continue
                    if random_() < LATE_REPORT_SHARE:
                        k = o.deadline_k + 1 + int(random_() * 10)
                    else:
                        k = o.end_k - int(random_() * (o.early + 1)) + int(random_() * (o.grace + 1))
                    if k > today_k or (k == today_k and random_() < 0.5):
                        continue  # not submitted yet
                    count += 1
                    texts = REPORT_TEXT[o.kind]
                    reviewed = k < today_k - 2 or random_() < 0.3
                    write((count, s.id, o.kind, None, texts[int(random_() * len(texts))], o.start_iso, o.end_iso,
                           k <= o.deadline_k, days.iso[k] + CLOCK[int(random_() * len(CLOCK))], days.iso[k],
                           s.lat + (random_() - 0.5) * 0.01, s.lng + (random_() - 0.5) * 0.01, "gcj02",
                           5.0 + int(random_() * 60), f"{days.iso[min(k + 1, today_k)]} 10:00:00+08" if reviewed
                           else None, officer if reviewed else None, None, random_() < 0.01))
                if random_() < LIFE_EVENT_SHARE:
                    k = month_k + int(random_() * month_days)
                    if days.k(reported_in) <= k <= today_k and (ended is None or k < days.k(ended)):
                        count += 1
                        e = int(random_() * len(LIFE_EVENTS))
                        write((count, s.id, "life_event", LIFE_EVENTS[e], REPORT_TEXT["life_event"][e], None, None,
                               None, f"{days.iso[k]} 19:{int(random_() * 60):02d}:00+08", days.iso[k],
                               s.lat, s.lng, "gcj02", 20.0, None, None, None, False))
        return count, progress.finish(count)
    return ("id subject_id kind event_type content period_start period_end on_time submitted_at submitted_on lat lng "
            "coord_type accuracy_m reviewed_at reviewed_by_id review_comment flagged"), rows


def _activities(world: World):
    """Education sessions and public-welfare days, month by month, enough for the level's monthly hours except
    in SHORT_MONTH_SHARE of subject-months, where one session is missing, pending or rejected."""
    days, today_k = world.days, world.days.k(world.today)
    rng = random.Random(f"{world.args.seed}/activities")
    random_ = rng.random
    sessions: dict[str, dict[str, list[int]]] = {}
    for kind in HOUR_KINDS:
        size = SESSION_MINUTES[kind]
        sessions[kind] = {}
        for level, hours in world.rules.hours[kind].items():
            minutes = int(hours * 60)
            sessions[kind][level] = [size] * (minutes // size) + ([minutes % size] if minutes % size else [])

    def rows(write) -> tuple[int, float]:
        progress, count = Progress("activities", len(world.months) * len(world.plan)), 0
        for m, month in enumerate(world.months):
            month_k, month_days = days.k(month.start), (month.end - month.start).days + 1
            for n, s in enumerate(world.plan, 1):
                if s.active_over(month.start, month.end):
                    officer, level = world.officer(s.county), s.level_on(month.end)
                    for kind in HOUR_KINDS:
                        planned = sessions[kind][level]
                        short = random_() < SHORT_MONTH_SHARE
                        for i, minutes in enumerate(planned):
                            status = "confirmed"
                            if short and i == len(planned) - 1:
                                draw = random_()
                                if draw < 0.7:
                                    continue
                                status = "pending" if draw < 0.9 else "rejected"
                            k = month_k + int(random_() * month_days)
                            if k > today_k:
                                continue
                            count += 1
                            decided = status != "pending"
                            write((count, s.id, kind, days.iso[k], minutes, None, status, officer,
                                   officer if decided else None,
                                   f"{days.iso[min(k + 1, today_k)]} 09:00:00+08" if decided else None,
                                   f"{days.iso[k]} 18:00:00+08"))
                if n % 1000 == 0:
                    progress.update(m * len(world.plan) + n, count)
        return count, progress.finish(count)
    return "id subject_id kind occurred_on minutes note status recorded_by_id decided_by_id decided_at created_at", rows


# ------------------------------------------------------------------------------------------------ timing --

def timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def captured_statements(fn) -> tuple[object, list[tuple[str, dict]]]:
    """Run `fn` and return its result with the overdue statements it sent (not the count before them), as sent:
    one for a county, one per id range for the country (find_overdue runs those at once)."""
    result, sent = captured(fn)
    return result, [(s, p) for s, p in sent if "report_in_due" in s]


def sql_only(statement: str, parameters: dict) -> tuple[float, int]:
    """The statement alone through the driver, without building OverdueItems."""
    seconds, rows = timed(lambda: db.session.connection().exec_driver_sql(statement, parameters).all())
    db.session.rollback()
    return seconds, len(rows)


def item_key(item) -> tuple:
    return (item.subject_id, item.kind, item.period_start, item.period_end, item.due, item.days_late,
            item.required_hours, item.done_hours)


def mismatches(a, b) -> list[tuple]:
    ca, cb = Counter(map(item_key, a)), Counter(map(item_key, b))
    return sorted(((ca - cb) + (cb - ca)).elements(), key=repr)


@dataclass
class Measured:
    county_id: int = 0
    county_subjects: int = 0
    county_first: float = 0.0
    county_runs: list[float] = field(default_factory=list)
    county_sql_runs: list[float] = field(default_factory=list)
    county_items: int = 0
    country_first: float = 0.0
    country_runs: list[float] = field(default_factory=list)
    country_sql_runs: list[float] = field(default_factory=list)
    country_items: int = 0
    items_by_kind: dict = field(default_factory=dict)
    subjects: int = 0
    naive_runs: list[float] = field(default_factory=list)
    naive_items: int = 0
    sample_mismatches: list = field(default_factory=list)
    county_mismatches: list = field(default_factory=list)
    session_options: str = ""
    session_settings: str = ""
    county_plan: str = ""
    country_plan: str = ""
    county_sql: str = ""
    country_sql: str = ""
    country_parts: int = 1

    @property
    def county_ms(self) -> float:
        return statistics.median(self.county_runs) * 1000

    @property
    def country_s(self) -> float:
        return statistics.median(self.country_runs)

    @property
    def naive_ms(self) -> float:
        return statistics.median(self.naive_runs) * 1000

    @property
    def set_us(self) -> float:
        return self.country_s / self.subjects * 1e6

    @property
    def ratio(self) -> float:
        return self.naive_ms * 1000 / self.set_us


def measure(args: argparse.Namespace, as_of: datetime) -> Measured:
    m = Measured()
    m.session_options = current_app.config.get("POSTGRES_SESSION_OPTIONS") or ""
    m.session_settings = ", ".join(f"{name}={value}" for name, value in db.session.execute(sa.text(
        "SELECT name, setting FROM pg_settings WHERE name IN ('jit', 'work_mem', 'max_parallel_workers_per_gather', "
        "'plan_cache_mode', 'random_page_cost') ORDER BY name")))
    m.subjects = db.session.scalar(sa.select(sa.func.count()).select_from(Subject))
    m.county_id, m.county_subjects = db.session.execute(sa.text(
        "SELECT county_id, count(*) FROM subjects GROUP BY county_id "
        "ORDER BY abs(count(*) - :size), county_id LIMIT 1"), {"size": args.county_size}).one()
    county_ids = set(db.session.scalars(sa.select(Subject.id).where(Subject.county_id == m.county_id)))
    db.session.rollback()

    def county():
        return find_overdue(as_of, Subject.county_id == m.county_id)

    def country():
        return find_overdue(as_of)

    log(f"==> one county (id {m.county_id}, {m.county_subjects} subjects): first run, then {args.repeat} runs")
    m.county_first, county_items = timed(county)
    m.county_runs = [timed(county)[0] for _ in range(args.repeat)]
    log("    " + " ".join(f"{t * 1000:.1f}" for t in [m.county_first, *m.county_runs]) + " ms")
    log(f"==> whole country ({m.subjects:,} subjects): first run, then {args.repeat} runs")
    m.country_first, country_items = timed(country)
    m.country_runs = [timed(country)[0] for _ in range(args.repeat)]
    log("    " + " ".join(f"{t:.2f}" for t in [m.country_first, *m.country_runs]) + " s")
    m.county_items, m.country_items = len(county_items), len(country_items)
    m.items_by_kind = dict(sorted(Counter(item.kind for item in country_items).items()))
    m.county_mismatches = mismatches(county_items, [i for i in country_items if i.subject_id in county_ids])

    log(f"==> naive per-subject loop on a sample of {args.sample}")
    sample = random.Random(f"{args.seed}/sample").sample(range(1, m.subjects + 1), min(args.sample, m.subjects))
    db.session.expunge_all()
    naive_items = []
    for subject_id in sample:
        t0 = time.perf_counter()
        subject = db.session.get(Subject, subject_id)
        items = subject_overdue(subject, as_of)
        m.naive_runs.append(time.perf_counter() - t0)
        naive_items.extend(items)
    db.session.rollback()
    m.naive_items = len(naive_items)
    chosen = set(sample)
    m.sample_mismatches = mismatches([i for i in country_items if i.subject_id in chosen], naive_items)

    log("==> statements, SQL-only timings and EXPLAIN (ANALYZE, BUFFERS)")
    (m.county_sql, county_params), = captured_statements(county)[1]
    parts = captured_statements(country)[1]
    m.country_parts = len(parts)
    m.county_sql_runs = [sql_only(m.county_sql, county_params)[0] for _ in range(args.repeat)]
    m.country_sql_runs = [sum(sql_only(*part)[0] for part in parts) for _ in range(args.repeat)]
    m.county_plan = explain(m.county_sql, county_params, PLAN_OPTIONS)
    m.country_plan = "\n\n".join(f"-- part {n} of {len(parts)}\n{explain(*part, PLAN_OPTIONS)}"
                                  for n, part in enumerate(parts, 1))
    m.county_sql = _inline(m.county_sql, county_params)
    m.country_sql = f"-- part 1 of {len(parts)}; the others differ in the id range only\n{_inline(*parts[0])}"
    return m


def _inline(statement: str, parameters: dict) -> str:
    """The statement with its parameters written in, for reading (and for psql)."""
    def literal(match):
        value = parameters[match.group(1)]
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        return "'" + str(value).replace("'", "''") + "'"
    return re.sub(r"%\((\w+)\)s", literal, statement)


# ----------------------------------------------------------------------------------------------- report --

def machine(conn: psycopg.Connection) -> dict:
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    total_kib = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1)) if "MemTotal" in meminfo else 0
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
    settings = dict(conn.execute(
        "SELECT name, setting || coalesce(unit, '') FROM pg_settings WHERE name = ANY(%s)",
        [["shared_buffers", "work_mem", "maintenance_work_mem", "effective_cache_size", "fsync",
          "synchronous_commit", "full_page_writes", "wal_level", "max_parallel_workers_per_gather",
          "random_page_cost", "jit", "max_wal_size"]]).fetchall())
    return {"nproc": os.cpu_count(), "cpu": model.group(1).strip() if model else platform.processor(),
            "ram_gib": round(total_kib / 1024 ** 2, 1), "kernel": platform.release(),
            "python": platform.python_version(), "psycopg": psycopg.__version__, "sqlalchemy": sa.__version__,
            "postgresql": conn.execute("SHOW server_version").fetchone()[0], "settings": settings}


def data_set(conn: psycopg.Connection) -> list[tuple[str, int, str]]:
    found = []
    for table in (*TABLES, "activity_totals"):
        count = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
        size = conn.execute("SELECT pg_size_pretty(pg_total_relation_size(%s::regclass))", [table]).fetchone()[0]
        found.append((table, count, size))
    return found


def loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def mark(ok: bool) -> str:
    return "yes" if ok else "**NO**"


def render(args, as_of, info, rows, generated, m: Measured, load: dict, extra: list[tuple[str, float]]) -> str:
    county_ok, country_ok, ratio_ok = m.county_ms < 50, m.country_s < 5, m.ratio >= 50
    lines = [
        f"# Overdue query benchmark — {datetime.now(LOCAL_TZ):%Y-%m-%d %H:%M %Z}", "",
        f"Command: `{' '.join(shlex.quote(a) for a in sys.argv)}`", "",
        f"As of {as_of.isoformat()} (local date {local_date(as_of)}).", "",
        "## Machine", "",
        f"- {info['nproc']} cores ({info['cpu']}), {info['ram_gib']} GiB RAM, Linux {info['kernel']}",
        f"- PostgreSQL {info['postgresql']} on loopback; Python {info['python']}, psycopg {info['psycopg']}, "
        f"SQLAlchemy {info['sqlalchemy']}",
        "- settings: " + ", ".join(f"{k}={v}" for k, v in sorted(info["settings"].items())),
        f"- the app's PostgreSQL sessions: options `{m.session_options}` (--set adds: "
        f"{', '.join(args.settings) or 'nothing'}); in effect there: {m.session_settings}",
        "- fsync=off is for the load only: the benchmark times read queries, not durability.",
        f"- load average (1/5/15 min): before generation {load.get('start', 'n/a')}; before timing "
        f"{load['timing']}; after {load['end']} (other work shares this machine)", "",
        "## Results", "",
        "| measure | value | target | met |", "| --- | ---: | --- | --- |",
        f"| one county (id {m.county_id}, {m.county_subjects} subjects), median of {args.repeat} "
        f"| {m.county_ms:.1f} ms | < 50 ms | {mark(county_ok)} |",
        f"| whole country ({m.subjects:,} subjects), median of {args.repeat} "
        f"| {m.country_s:.2f} s | < 5 s | {mark(country_ok)} |",
        f"| naive ORM loop per subject, median of {len(m.naive_runs)} | {m.naive_ms:.2f} ms | | |",
        f"| set query per subject (country / subjects) | {m.set_us:.2f} µs | | |",
        f"| naive / set per subject | {m.ratio:,.0f}× | ≥ 50× | {mark(ratio_ok)} |",
        f"| mismatches, set vs naive on the sample | {len(m.sample_mismatches)} | 0 | "
        f"{mark(not m.sample_mismatches)} |",
        f"| mismatches, county run vs country run for that county | {len(m.county_mismatches)} | 0 | "
        f"{mark(not m.county_mismatches)} |", "",
        "Runs (first, then the timed ones): county "
        + ", ".join(f"{t * 1000:.1f}" for t in [m.county_first, *m.county_runs]) + " ms; country "
        + ", ".join(f"{t:.2f}" for t in [m.country_first, *m.country_runs]) + " s.",
        "SQL alone through the driver (no OverdueItems): county median "
        f"{statistics.median(m.county_sql_runs) * 1000:.1f} ms, country median "
        f"{statistics.median(m.country_sql_runs):.2f} s (its {m.country_parts} id ranges one after the other; "
        "find_overdue runs them at once, each on its own connection).",
        f"Naive loop: mean {statistics.mean(m.naive_runs) * 1000:.2f} ms, p90 "
        f"{sorted(m.naive_runs)[int(len(m.naive_runs) * 0.9) - 1] * 1000:.2f} ms per subject; "
        f"{m.naive_items} items on the sample.",
        f"Overdue items: county {m.county_items:,}; country {m.country_items:,} — "
        + ", ".join(f"{k} {v:,}" for k, v in m.items_by_kind.items()) + ".", ""]
    if extra:
        lines += ["Candidate indexes created for this run (dropped afterwards unless --keep-indexes):", ""]
        lines += [f"- `{statement}` ({seconds:.1f} s to build)" for statement, seconds in extra] + [""]
    for title, found in (("set vs naive", m.sample_mismatches), ("county vs country", m.county_mismatches)):
        if found:
            lines += [f"First mismatches ({title}): " + "; ".join(map(str, found[:5])), ""]
    lines += ["## Data set", "", "| table | rows | size with indexes |", "| --- | ---: | ---: |"]
    lines += [f"| {table} | {count:,} | {size} |" for table, count, size in rows]
    lines += [f"| **total** | **{sum(r[1] for r in rows):,}** | |", ""]
    if generated:
        lines += [f"Generated in {generated['total_seconds']:.0f} s (seed {generated.get('seed')}, "
                  f"{generated.get('generated_at')}): "
                  + ", ".join(f"{k} {v:.0f} s" for k, v in generated["seconds"].items()) + ".", ""]
    lines += ["## Query plans", "", f"### One county (county_id = {m.county_id})", "", "```", m.county_plan, "```",
              "", "### Whole country", "", "```", m.country_plan, "```", "",
              "## Statements (parameters written in)", "", "### One county", "", "```sql", m.county_sql, "```", "",
              "### Whole country", "", "```sql", m.country_sql, "```", ""]
    return "\n".join(lines)


def summary_table(m: Measured, rows, generated) -> str:
    total = sum(r[1] for r in rows)
    gen = f"{generated['total_seconds']:.0f} s" if generated else "n/a"
    return "\n".join([
        f"  county ({m.county_subjects} subjects)     {m.county_ms:10.1f} ms   target < 50 ms   "
        f"{mark(m.county_ms < 50)}",
        f"  country ({m.subjects:,} subjects)  {m.country_s:10.2f} s    target < 5 s     {mark(m.country_s < 5)}",
        f"  naive per subject           {m.naive_ms:10.2f} ms",
        f"  set per subject             {m.set_us:10.2f} µs",
        f"  naive / set                 {m.ratio:10.0f} ×    target ≥ 50 ×    {mark(m.ratio >= 50)}",
        f"  mismatches (sample, county) {len(m.sample_mismatches):>6} {len(m.county_mismatches):>6}",
        f"  data set                    {total:>13,} rows, generated in {gen}"])


# ------------------------------------------------------------------------------------------------- main --

def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--database-url", required=True, help="postgresql+psycopg://user@host:port/db (migrated)")
    parser.add_argument("--subjects", type=int, default=700_000)
    parser.add_argument("--county-size", type=int, default=750, help="subjects per county")
    parser.add_argument("--sample", type=int, default=200, help="subjects in the naive per-subject loop")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per query (medians)")
    parser.add_argument("--as-of", default=DEFAULT_AS_OF, help="the instant asked (ISO 8601 with offset)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--skip-generate", action="store_true", help="reuse the data set in the database")
    parser.add_argument("--with-index", action="append", default=[], metavar="SQL",
                        help="a candidate CREATE INDEX to build before timing (repeatable)")
    parser.add_argument("--keep-indexes", action="store_true", help="keep the --with-index indexes afterwards")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="settings",
                        help="a PostgreSQL setting for the app's connections, e.g. jit=off (repeatable)")
    parser.add_argument("--out", type=Path, default=None, help="the Markdown report (default bench/out/...)")
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgresql"):
        parser.error("the benchmark runs on PostgreSQL")
    for setting in args.settings:
        if not re.fullmatch(r"[a-z_.]+=[\w.-]+", setting):
            parser.error(f"--set {setting!r}: expected name=value, e.g. jit=off")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    as_of = datetime.fromisoformat(args.as_of)
    if as_of.tzinfo is None:
        raise SystemExit("--as-of needs an offset, e.g. 2026-11-26T12:00:00+08:00")
    load = {"start": loadavg()}
    overrides = {"SQLALCHEMY_DATABASE_URI": args.database_url}
    if args.settings:  # appended to the configured session options: a later -c wins
        configured = settings_for("testing", environ={}).get("POSTGRES_SESSION_OPTIONS") or ""
        overrides["POSTGRES_SESSION_OPTIONS"] = " ".join([configured, *(f"-c {s}" for s in args.settings)]).strip()
    app = create_app("testing", overrides)
    libpq_url = re.sub(r"^postgresql\+\w+://", "postgresql://", args.database_url)
    with app.app_context(), psycopg.connect(libpq_url, autocommit=True) as conn:
        log(f"machine: {os.cpu_count()} cores, load average {load['start']}")
        state = _state(conn)
        if not args.skip_generate:
            world = World.build(args, Rules.current(), as_of)
            generated = generate(conn, world)
            generated.update(seed=args.seed, as_of=as_of.isoformat(), subjects=args.subjects,
                             county_size=args.county_size,
                             generated_at=datetime.now(LOCAL_TZ).isoformat("T", "seconds"))
            world.plan = []
            _write_state(conn, {"generated": generated})
            log(f"==> generated {generated['total_rows']:,} rows in {generated['total_seconds']:.0f} s")
        else:
            generated = state.get("generated")
            if not generated:
                raise SystemExit("--skip-generate: this database holds no complete generated data set")
            if generated.get("as_of") != as_of.isoformat():
                log(f"note: the data set was generated for as-of {generated.get('as_of')}, asked {as_of.isoformat()}")
        extra = []
        for statement in args.with_index:
            seconds, _ = timed(lambda statement=statement: conn.execute(statement))
            table = re.search(r"\bON\s+(?:ONLY\s+)?(\w+)", statement, re.IGNORECASE).group(1)
            conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))
            extra.append((statement, seconds))
            log(f"==> candidate index built in {seconds:.1f} s: {statement}")
        try:
            load["timing"] = loadavg()
            measured = measure(args, as_of)
        finally:
            db.session.remove()  # its open transaction would block DROP INDEX
            if not args.keep_indexes:
                for statement, _ in extra:
                    name = re.search(r"INDEX\s+(?:CONCURRENTLY\s+)?(?:IF NOT EXISTS\s+)?(\w+)", statement,
                                     re.IGNORECASE).group(1)
                    conn.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(sql.Identifier(name)))
        load["end"] = loadavg()
        rows = data_set(conn)
        report = render(args, as_of, machine(conn), rows, generated, measured, load, extra)
    out = args.out or OUT_DIR / f"overdue-{datetime.now():%Y%m%d-%H%M%S}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report, encoding="utf-8")
    print(summary_table(measured, rows, generated))
    print(f"  report, plans and statements: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
