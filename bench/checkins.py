"""Load benchmark of POST /api/v1/me/checkins against a floor endpoint in the same run (issue 5). Not a test.

1. Seed (unless the database already holds a seeded county): the demo district, a mini-program binding for
   every subject under correction, approved trips for a share of them, and the floor's table
   (bench/checkins_data.py, bench/floor.py).
2. Mint a token per supervisee and write the request data; start gunicorn (sync workers) on
   bench/checkins_wsgi.py: the service app as `wsgi.py` builds it, in the production configuration, plus the
   bench-only floor routes.
3. --repeat times, alternating the order: for the floor and the check-in endpoint (and the floor without
   authentication), a wrk warm-up, then a timed wrk run at full load (16 connections); then the check-in
   endpoint at half of the capacity just measured, and the floor at that same rate as a control, from the
   open-loop generator (bench/checkins_load.py).
   After every run the rows in the database are matched against the 201s.
4. Profile the check-in in-process (bench/checkins_profile.py): time, SQL statements, cProfile.
5. Print the numbers and write bench/out/checkins-<timestamp>.md. Targets are shown as met or not; nothing is
   asserted.

`bench/run_checkins` starts a throwaway PostgreSQL 15 cluster and calls this; see bench/README.md.
"""

import argparse
import json
import os
import random
import re
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

import checkins_data as data
import checkins_report as report
import floor
from checkins_load import Run, run_rate, run_wrk
from checkins_profile import profile
from checkins_wsgi import build
import correction
from correction.db import db

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "bench" / "out"
ENDPOINTS = {  # code -> (name, path, table the rows land in)
    "f": ("floor", "/bench/floor/checkins", floor.TABLE),
    "c": ("check-in", "/api/v1/me/checkins", "checkins"),
    "n": ("floor, no auth", "/bench/floor-noauth/checkins", floor.TABLE),
}
BENCH_ENV = {"SQJZ_CONFIG": "production"}  # secrets: bench/checkins_wsgi.py


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# ------------------------------------------------------------------------------------------------ server --

class Server:
    """gunicorn with sync workers on a free loopback port, serving bench/checkins_wsgi.py."""

    def __init__(self, workers: int, port: int, log_path: Path):
        self.workers, self.port, self.log_path = workers, port, log_path
        self.command = [str(Path(sys.executable).with_name("gunicorn")), "--workers", str(workers),
                        "--worker-class", "sync", "--bind", f"127.0.0.1:{port}", "--backlog", "2048",
                        "--log-level", "warning", "--chdir", str(ROOT), "--pythonpath", str(ROOT / "bench"),
                        "checkins_wsgi:build()"]

    def __enter__(self) -> "Server":
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(self.command, stdout=self.log, stderr=subprocess.STDOUT, env=os.environ)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited: see {self.log_path}\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        raise SystemExit("gunicorn did not answer /healthz within 60 s")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def smoke(port: int, entry: data.Entry) -> None:
    """One request to each endpoint: without a 201 there is nothing to measure (the endpoint is broken)."""
    for code, (name, path, _) in ENDPOINTS.items():
        payload = json.dumps(data.body(entry, random.Random(0), f"smoke-{code}-{time.time_ns()}")).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=payload, method="POST", headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {entry.token}"})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                status, text = answer.status, answer.read().decode()
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode()
        log(f"  smoke {name:<15} {status} {text.strip()[:200]}")
        if status != 201:
            raise SystemExit(f"{name} answered {status}, not 201: nothing to measure")


def source_tree() -> str:
    """The commit measured and the service files changed on top of it (others may be editing the tree)."""
    imported = Path(correction.__file__).resolve().parent.parent
    if imported != ROOT:
        log(f"WARNING: the service code is imported from {imported}, not {ROOT} (set PYTHONPATH={ROOT})")
        return f"**the service code was imported from {imported}, not from this checkout**"

    def git(*argv: str) -> str:
        return subprocess.run(["git", *argv], cwd=ROOT, capture_output=True, text=True).stdout
    changed = git("status", "--porcelain", "--", "config", "correction", "mobile_api", "migrations").splitlines()
    return (f"{git('log', '-1', '--format=%h %s').strip()[:100]}" + (f"; uncommitted changes to {len(changed)} service "
            f"files: {', '.join(line[3:] for line in changed)}" if changed else "; no uncommitted service changes"))


def commit_probe(engine: sa.Engine, count: int = 50) -> float:
    """Median ms of a one-row INSERT and its COMMIT on one idle connection: what a WAL flush costs right now
    (the disk may be shared with other work)."""
    times = []
    with engine.connect() as conn:
        conn.execute(sa.text("CREATE TABLE IF NOT EXISTS bench_commit_probe (id serial PRIMARY KEY, "
                             "at timestamptz NOT NULL DEFAULT now())"))
        conn.commit()
        for _ in range(count):
            started = time.perf_counter()
            conn.execute(sa.text("INSERT INTO bench_commit_probe DEFAULT VALUES"))
            conn.commit()
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


class Waits:
    """What the bench database's backends wait on during a run, sampled every 100 ms from pg_stat_activity:
    the mean number waiting on a lock (e.g. one row every transaction updates), on the WAL (commit flushes),
    and active at all. A context manager; `result` is filled on exit."""

    QUERY = sa.text(
        "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'), "
        "count(*) FILTER (WHERE wait_event IN ('WALSync', 'WALWrite', 'WALInsert', 'WALBufMapping')), "
        "count(*) FILTER (WHERE state = 'active') "
        "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")

    def __init__(self, engine: sa.Engine):
        self.engine, self.samples, self.result = engine, [], {}
        self.stop = threading.Event()

    def _sample(self) -> None:
        with self.engine.connect() as conn:
            while not self.stop.wait(0.1):
                self.samples.append(tuple(conn.execute(self.QUERY).one()))
                conn.rollback()

    def __enter__(self) -> "Waits":
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()
        if self.samples:
            self.result = {name: statistics.mean(s[i] for s in self.samples)
                           for i, name in enumerate(("lock", "wal", "active"))}


# ------------------------------------------------------------------------------------------------- runs --

def check_rows(engine: sa.Engine, run: Run, connections: int) -> dict:
    """This run's rows (by client id) against its 201s. Every 201 must have its row and no client id may be
    there twice; rows without an answer are requests wrk had in flight when it stopped (at most one per
    connection); the open-loop generator waits for every answer, so there it must be none."""
    table = ENDPOINTS[run.tag[-1]][2]
    with engine.connect() as conn:
        rows = conn.execute(sa.text(f"SELECT id, client_id FROM {table} WHERE client_id LIKE :p"),
                            {"p": f"{run.tag}-%"}).all()
    ids = {r.id for r in rows}
    check = {"rows": len(rows), "lost": len(run.ids - ids) + (run.created - len(run.ids)),
             "duplicates": len(rows) - len({r.client_id for r in rows}), "unanswered": len(ids - run.ids)}
    limit = 0 if run.mode == "rate" else connections
    check["ok"] = check["lost"] == 0 and check["duplicates"] == 0 and check["unanswered"] <= limit
    return check


def measure(args, port: int, tsv: Path, work: Path, entries: list[data.Entry], engine: sa.Engine) -> list[Run]:
    """Every run of every repeat, each checked against the database right after it."""
    runs, prefix = [], args.run_id
    codes = ["f", "c"] + ([] if args.skip_noauth else ["n"])
    for repeat in range(1, args.repeat + 1):
        order = codes if repeat % 2 else [codes[1], codes[0], *codes[2:]]  # alternate: drift hits both
        capacity = 1.0
        for code in order:
            name, path, _ = ENDPOINTS[code]
            for kind, seconds in (("w", args.warmup), ("m", args.duration)):
                if seconds <= 0:
                    continue
                label = f"[{repeat}/{args.repeat}] {name} {'warm-up' if kind == 'w' else 'full load'}"
                with Waits(engine) as waits:
                    run = run_wrk(f"http://127.0.0.1:{port}{path}", tsv, f"{prefix}-{kind}{repeat}{code}", name,
                                  seconds, args.connections, args.threads, work, label)
                run.waits = waits.result
                run.warmup = kind == "w"
                run.rows = check_rows(engine, run, args.connections)
                runs.append(run)
                if not run.warmup:
                    log(f"  {label}: {run.rps:,.0f} req/s, p99 {run.latency_ms['p99']:.1f} ms, {run.failures} "
                        f"errors, rows {'ok' if run.rows['ok'] else 'NOT ok'}")
                    capacity = run.rps if code == "c" else capacity
        # Half the check-in capacity: the check-in (the target), then the floor at the same rate (a control: what
        # this machine gives any request at that rate).
        rate = max(1.0, capacity / 2)
        for code in ("c", "f"):
            name, path, _ = ENDPOINTS[code]
            tag, label = f"{prefix}-h{repeat}{code}", f"[{repeat}/{args.repeat}] {name} at {rate:,.0f} req/s"
            make = data.request_maker(entries, "127.0.0.1", port, path, tag, args.seed + repeat)
            with Waits(engine) as waits:
                run = run_rate("127.0.0.1", port, make, rate, args.rate_duration, tag, name, label)
            run.waits = waits.result
            run.rows = check_rows(engine, run, args.connections)
            runs.append(run)
            log(f"  {label}: p50 {run.latency_ms.get('p50', 0):.1f} ms, p99 {run.latency_ms.get('p99', 0):.1f} "
                f"ms, {run.failures} errors, rows {'ok' if run.rows['ok'] else 'NOT ok'}")
    return runs


# ------------------------------------------------------------------------------------------------- main --

def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--database-url", required=True, help="postgresql+psycopg://user@host:port/db (migrated)")
    parser.add_argument("--subjects", type=int, default=750, help="demo subjects to seed")
    parser.add_argument("--seed", type=int, default=2023, help="demo seed (the district and the bodies)")
    parser.add_argument("--trip-share", type=float, default=0.04, help="share of supervisees on an approved trip")
    parser.add_argument("--history-days", type=int, default=3, help="days of earlier check-ins to seed")
    parser.add_argument("--history-per-day", type=int, default=2, help="earlier check-ins per supervisee a day")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1), help="gunicorn sync workers")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of wrk before each timed run")
    parser.add_argument("--duration", type=float, default=20, help="seconds of each timed wrk run")
    parser.add_argument("--rate-duration", type=float, default=20, help="seconds of the half-capacity run")
    parser.add_argument("--repeat", type=int, default=3, help="repeats (medians are reported)")
    parser.add_argument("--profile-requests", type=int, default=300, help="in-process requests profiled (0: none)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="settings",
                        help="a PostgreSQL setting for the app's sessions, e.g. synchronous_commit=off (repeatable)")
    parser.add_argument("--skip-noauth", action="store_true", help="leave out the floor without authentication")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1 s warm-up, 4 s runs, 1 repeat")
    parser.add_argument("--out", type=Path, default=None, help="the Markdown report (default bench/out/...)")
    args = parser.parse_args(argv)
    if args.quick:
        args.warmup, args.duration, args.rate_duration, args.repeat = 1, 4, 4, 1
        args.profile_requests = min(args.profile_requests, 50)
    if not args.database_url.startswith("postgresql"):
        parser.error("the benchmark runs on PostgreSQL")
    for setting in args.settings:
        if not re.fullmatch(r"[a-z_.]+=[\w.-]+", setting):
            parser.error(f"--set {setting!r}: expected name=value, e.g. synchronous_commit=off")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    # Client ids start with a run id: a kept cluster (BENCH_PGDIR) already holds the ids of earlier runs.
    args.run_id = base36(int(time.time()))
    os.environ.update(BENCH_ENV, DATABASE_URL=args.database_url, BENCH_PG_SET=" ".join(args.settings))
    ctx = {"args": args, "load_before": loadavg(), "tree": source_tree(), "command": os.environ.get("BENCH_COMMAND")
           or " ".join(shlex.quote(a) for a in sys.argv)}
    log(f"==> {os.cpu_count()} cores, load average {ctx['load_before']}; {args.workers} gunicorn sync workers")
    # Seeding commits without waiting for the WAL flush (synchronous_commit=off in its own sessions only): the
    # rows are the same, the seeding is faster, and the runs below use the server's durable settings.
    seeder = build(" ".join([*args.settings, "synchronous_commit=off"]))
    seeder.config["JWT_ACCESS_TOKEN_EXPIRES"] = timedelta(hours=12)  # the tokens outlive any run
    with seeder.app_context():
        floor.create_table(db.engine)
        counts = data.seeded(db.engine)
        if counts is None:
            log("==> seeding the county (demo district, bindings, trips)")
            counts = data.seed(args.subjects, args.seed, args.trip_share)
            data.save_state(counts)
        else:
            log(f"==> reusing the county seeded {counts['at']}")
        entries, moved = data.entries(args.seed)
        if "history" not in counts and args.history_days > 0:
            counts["history"] = data.history(entries, args.history_days, args.history_per_day, args.seed)
            data.save_state(counts)
        db.session.remove()
        db.engine.dispose()
    app = build()
    with app.app_context():
        engine = db.engine
        ctx["commit_before"] = commit_probe(engine)
    log(f"==> one-row INSERT + COMMIT on an idle connection: {ctx['commit_before']:.2f} ms (median of 50)")
    ctx["seeded"] = (f"demo district of {counts['subjects']} subjects (seed {args.seed}), {counts['bound']} bound "
                     f"to the mini-program, {counts['trips']} on an approved trip to Beijing, county fence "
                     f"{counts.get('fence', '?')}, "
                     f"{counts.get('history', 0):,} earlier check-ins stored through the service")
    ctx["entries"] = f"{len(entries)} ({moved} homes outside the county polygon moved into it)"
    ctx["profiles"] = ", ".join(f"{k} {v}" for k, v in Counter(e.profile for e in entries).most_common())
    with tempfile.TemporaryDirectory(prefix="sqjz-checkins-") as tmp:
        work = Path(tmp)
        tsv = work / "entries.tsv"
        data.write_tsv(entries, tsv)
        port = free_port()
        server = Server(args.workers, port, work / "gunicorn.log")
        ctx["gunicorn"] = server.command
        started = datetime.now(UTC)
        log(f"==> gunicorn on 127.0.0.1:{port}: {' '.join(server.command[1:])}")
        with server:
            smoke(port, entries[0])
            runs = measure(args, port, tsv, work, entries, engine)
        ctx["load_after"] = loadavg()
        ctx["commit_after"] = commit_probe(engine)
        log(f"==> load average {ctx['load_after']}; one-row commit {ctx['commit_after']:.2f} ms")
        log_tail = (work / "gunicorn.log").read_text()[-2000:]
    if log_tail.strip():
        log(f"gunicorn log (tail):\n{log_tail}")
    prof = None
    if args.profile_requests:
        log(f"==> profiling {args.profile_requests} requests per endpoint in-process")
        prof = profile(app, entries, args.profile_requests, args.seed, args.run_id)
    with app.app_context():
        ctx["verdicts"], ctx["signals"] = report.mix(engine, started, args.run_id)
        ctx["pg"] = report.pg_settings(engine)
    ctx["versions"] = report.versions()
    summary = report.summarise(runs)
    out = args.out or OUT_DIR / f"checkins-{datetime.now():%Y%m%d-%H%M%S}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report.render(ctx, runs, summary, prof), encoding="utf-8")
    print(report.printed(summary, prof, out))
    return 0


def base36(number: int) -> str:
    digits = ""
    while number:
        number, digit = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[digit] + digits
    return digits or "0"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    sys.exit(main())
