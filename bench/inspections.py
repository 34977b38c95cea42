"""Benchmark of the quarterly inspection list (联合巡检清单) on PostgreSQL. Not a test.

1. Generate (unless --skip-generate) the national data set of bench/inspections_data.py for the quarter before
   --as-of: --subjects people in counties of --county-size, with a quarter of trips, alerts, sanctions,
   report-ins, releases, fixes and changes of residence, loaded with COPY.
2. One county (the one whose size is closest to --county-size): the checks and the sample alone
   (`find_candidates`), the provisional list as of the quarter's last day (`generate`, items replaced on each
   run), and the final list once; EXPLAIN (ANALYZE, BUFFERS) of every read the county's checks send.
3. The whole country: each check alone, `find_candidates` for every county at once, and the quarter job
   (`generate_quarter_lists`: every county's final list stored and announced to its readers).
4. Print the numbers and write them to bench/out/inspections-<timestamp>.md. Nothing is asserted.
"""

import argparse
import os
import re
import shlex
import statistics
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import psycopg
import sqlalchemy as sa

from correction.clock import LOCAL_TZ, local_date
from correction.components import components
from correction.db import db
from correction.models import Inspection, InspectionItem, Notification
from correction.rules.quarters import Quarter
from correction.services import inspections
from correction.services.inspection_window import Window
import inspections_data
from mobile_api import create_app
from overdue import _state, _write_state, loadavg, log
from plans import captured, sections

OUT_DIR = Path(__file__).resolve().parent / "out"
DEFAULT_AS_OF = "2026-10-01T00:05:00+08:00"  # the quarter job's fire time after 2026Q3


def timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def cpu(fn) -> tuple[float, float, object]:
    """Wall time, this process's CPU time (the Python side; the server's is the rest) and the result."""
    c0 = time.process_time()
    seconds, result = timed(fn)
    return seconds, time.process_time() - c0, result


def read(fn):
    """A read-only run: its transaction ends with it."""
    try:
        return timed(fn)
    finally:
        db.session.rollback()


def clear(quarter: Quarter) -> None:
    """Forget the quarter's lists and their announcements, so that a run generates them again."""
    db.session.execute(sa.delete(InspectionItem).where(InspectionItem.inspection_id.in_(
        sa.select(Inspection.id).where(Inspection.quarter == str(quarter)))))
    db.session.execute(sa.delete(Inspection).where(Inspection.quarter == str(quarter)))
    db.session.execute(sa.delete(Notification).where(Notification.kind == "inspection_list"))
    db.session.commit()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def measure(args, quarter: Quarter, as_of: datetime) -> dict:
    rules, final = components().rules, Window(quarter, quarter.ends_at, True)
    county, size = db.session.execute(sa.text(
        "SELECT county_id, count(*) FROM subjects GROUP BY county_id ORDER BY abs(count(*) - :size), county_id "
        "LIMIT 1"), {"size": args.county_size}).one()
    subjects = db.session.scalar(sa.text("SELECT count(*) FROM subjects"))
    clear(quarter)
    m = {"county": county, "county_subjects": size, "subjects": subjects}
    log(f"==> one county (id {county}, {size} subjects): checks and sample, first run then {args.repeat}")
    runs = [read(lambda: inspections.find_candidates(final, [county])) for _ in range(args.repeat + 1)]
    m["county_candidates"] = [t for t, _ in runs]
    m["county_items"] = Counter(c.code for c in runs[0][1][county])
    provisional_as_of = quarter.ends_at - timedelta(hours=12)
    log(f"==> the county's provisional list as of {provisional_as_of.isoformat()}, {args.repeat} runs")
    m["county_provisional"] = [timed(lambda: inspections.generate(county, str(quarter), provisional_as_of))[0]
                               for _ in range(args.repeat)]
    clear(quarter)
    m["county_final"], _ = timed(lambda: inspections.generate(county, str(quarter), as_of))
    clear(quarter)
    log("==> the county's reads, EXPLAIN (ANALYZE, BUFFERS)")
    _, sent = captured(lambda: inspections.find_candidates(final, [county]))
    db.session.rollback()
    m["county_plans"] = sections(f"Query plans: the reads of one county's checks and sample ({size} subjects)", sent,
                                 "##")
    log("==> the whole country: each check alone")
    m["checks"] = {}
    for check in inspections.CHECKS:
        seconds, python, found = cpu(lambda check=check: check(final, None, rules))
        db.session.rollback()
        m["checks"][f"{check.__module__.rsplit('.', 1)[-1]}.{check.__name__}"] = (seconds, python, len(found))
        log(f"    {check.__name__:<16} {seconds:8.2f} s (Python {python:.2f} s) {len(found):>9,} candidates")
    log(f"==> the whole country: every check and the samples, {args.repeat} runs")
    runs = [cpu(lambda: inspections.find_candidates(final, None)) for _ in range(args.repeat)]
    db.session.rollback()
    m["country_candidates"], m["country_cpu"] = [t for t, _, _ in runs], [c for _, c, _ in runs]
    m["country_items"] = Counter(c.code for found in runs[0][2].values() for c in found)
    log("==> the quarter job: every county's final list, stored and announced")
    m["job"], m["job_cpu"], m["job_counts"] = cpu(lambda: inspections.generate_quarter_lists(as_of))
    log(f"    {m['job']:.1f} s (Python {m['job_cpu']:.1f} s) {m['job_counts']}")
    clear(quarter)
    return m


def render(args, quarter: Quarter, as_of: datetime, generated: dict, m: dict, load: dict) -> str:
    county_first, *county_runs = m["county_candidates"]
    county_s = statistics.median(county_runs)
    country_s = statistics.median(m["country_candidates"])
    lines = [
        f"# Inspection list benchmark — {datetime.now(LOCAL_TZ):%Y-%m-%d %H:%M %Z}", "",
        f"Command: `{' '.join(shlex.quote(a) for a in sys.argv)}`", "",
        f"Quarter {quarter} as of {as_of.isoformat()}; {m['subjects']:,} subjects in {generated['counties']:,} "
        f"counties; {os.cpu_count()} cores; load average before {load['start']}, after {load['end']}.", "",
        "| measure | value | target |", "| --- | ---: | --- |",
        f"| one county ({m['county_subjects']} subjects): checks and sample, median of {len(county_runs)} "
        f"(first {ms(county_first)}) | {ms(county_s)} | |",
        f"| one county: provisional list generated and stored, median of {len(m['county_provisional'])} "
        f"| {ms(statistics.median(m['county_provisional']))} | < 1 s |",
        f"| one county: final list, once | {ms(m['county_final'])} | < 1 s |",
        f"| whole country: every check and the samples, median of {len(m['country_candidates'])} (Python "
        f"{statistics.median(m['country_cpu']):.1f} s of it) | {country_s:.1f} s | |",
        f"| whole country: the quarter job (every final list stored and announced; Python {m['job_cpu']:.1f} s) "
        f"| {m['job']:.1f} s | < 2 min |",
        "", "Each check alone over the whole country (Python: this process's CPU time; the rest is the server's "
        "and waiting for a core):", "", "| check | seconds | Python | candidates |", "| --- | ---: | ---: | ---: |"]
    lines += [f"| {name} | {seconds:.2f} | {python:.2f} | {count:,} |"
              for name, (seconds, python, count) in m["checks"].items()]
    lines += ["", f"Items of the county's list: {dict(sorted(m['county_items'].items()))}.", "",
              f"Items of every list: {dict(sorted(m['country_items'].items()))}.", "",
              f"Quarter job counts: {m['job_counts']}.", "",
              "Data set: " + ", ".join(f"{table} {count:,}" for table, count in generated["rows"].items())
              + f" rows (generated in {generated['seconds']:.0f} s).", "", *m["county_plans"]]
    return "\n".join(lines)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--database-url", required=True, help="postgresql+psycopg://user@host:port/db (migrated)")
    parser.add_argument("--subjects", type=int, default=700_000)
    parser.add_argument("--county-size", type=int, default=750, help="subjects per county")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per measure (medians)")
    parser.add_argument("--as-of", default=DEFAULT_AS_OF, help="the quarter job's instant; lists the quarter before")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--skip-generate", action="store_true", help="reuse the data set in the database")
    parser.add_argument("--out", type=Path, default=None, help="the Markdown report (default bench/out/...)")
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgresql"):
        parser.error("the benchmark runs on PostgreSQL")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    as_of = datetime.fromisoformat(args.as_of)
    quarter = Quarter.containing(local_date(as_of)).previous()
    load = {"start": loadavg()}
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": args.database_url})
    with app.app_context(), psycopg.connect(re.sub(r"^postgresql\+\w+://", "postgresql://", args.database_url),
                                            autocommit=True) as conn:
        if args.skip_generate:
            generated = _state(conn).get("inspections")
            if not generated or generated.get("quarter") != str(quarter):
                raise SystemExit(f"--skip-generate: this database holds no data set for {quarter}")
        else:
            generated = inspections_data.generate(conn, args.subjects, args.county_size, quarter, args.seed)
            generated["quarter"] = str(quarter)
            _write_state(conn, {"inspections": generated})
            log(f"==> generated {sum(generated['rows'].values()):,} rows in {generated['seconds']:.0f} s")
        measured = measure(args, quarter, as_of)
        db.session.remove()
    load["end"] = loadavg()
    report = render(args, quarter, as_of, generated, measured, load)
    out = args.out or OUT_DIR / f"inspections-{datetime.now():%Y%m%d-%H%M%S}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report, encoding="utf-8")
    print(report)
    print(f"report: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
