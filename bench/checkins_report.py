"""The numbers of bench/checkins.py: medians, targets, the Markdown report and the printed summary."""

import os
import statistics
import subprocess
import sys
from datetime import datetime
from importlib import metadata
from pathlib import Path

import sqlalchemy as sa

from checkins_load import Run
from checkins_profile import Profile
from correction.clock import LOCAL_TZ

TARGET_RATIO, TARGET_P99_MS = 0.60, 50.0
NAMES = {"f": "floor", "c": "check-in", "n": "floor, no auth"}


def summarise(runs: list[Run]) -> dict:
    """Medians over the repeats of the timed runs; errors and the row check over every run, warm-ups too."""
    timed = [r for r in runs if not r.warmup]
    by = {code: [r.rps for r in timed if r.mode == "wrk" and r.tag.endswith(code)] for code in NAMES}
    half = [r for r in timed if r.mode == "rate" and r.tag.endswith("c")]
    p99s = [r.latency_ms.get("p99", float("inf")) for r in half]
    control = [r.latency_ms.get("p99", float("inf")) for r in timed if r.mode == "rate" and r.tag.endswith("f")]
    s = {"floor": statistics.median(by["f"]), "checkin": statistics.median(by["c"]),
         "noauth": statistics.median(by["n"]) if by["n"] else None, "floor_runs": by["f"], "checkin_runs": by["c"],
         "ratios": [c / f if f else 0.0 for f, c in zip(by["f"], by["c"], strict=True)],
         "p99_half": statistics.median(p99s), "p99_half_runs": p99s, "rates": [r.target_rate for r in half],
         "p99_floor_half": statistics.median(control) if control else None, "p99_floor_half_runs": control,
         "errors": sum(r.failures for r in runs), "rows_ok": all(r.rows["ok"] for r in runs),
         "rows": sum(r.rows["rows"] for r in runs), "created": sum(r.created for r in runs),
         "unanswered": sum(r.rows["unanswered"] for r in runs), "lost": sum(r.rows["lost"] for r in runs),
         "duplicates": sum(r.rows["duplicates"] for r in runs)}
    s["ratio"] = s["checkin"] / s["floor"] if s["floor"] else 0.0
    s["waits"] = {code: {key: statistics.median(r.waits[key] for r in timed if r.mode == "wrk" and r.waits
                                                and r.tag.endswith(code)) for key in ("lock", "wal")}
                  for code in ("c", "f") if any(r.waits for r in timed if r.tag.endswith(code))}
    s["met"] = {"ratio": s["ratio"] >= TARGET_RATIO, "errors": s["errors"] == 0,
                "p99": s["p99_half"] < TARGET_P99_MS, "rows": s["rows_ok"]}
    return s


def mark(ok: bool) -> str:
    return "met" if ok else "**NOT met**"


def versions() -> dict:
    found = {name: metadata.version(name) for name in
             ("flask", "flask-smorest", "marshmallow", "sqlalchemy", "flask-sqlalchemy", "psycopg", "gunicorn",
              "flask-jwt-extended", "shapely", "geopy")}
    found["python"] = sys.version.split()[0]
    found["wrk"] = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split()[1]
    return found


def machine() -> str:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), "?")
    ram = int(next(ln.split()[1] for ln in Path("/proc/meminfo").read_text().splitlines()
                   if ln.startswith("MemTotal"))) / 1024 ** 2
    return f"{os.cpu_count()} cores ({cpu}), {ram:.1f} GiB RAM, Linux {os.uname().release}"


def pg_settings(engine: sa.Engine) -> str:
    names = ["server_version", "shared_buffers", "effective_cache_size", "work_mem", "max_connections", "fsync",
             "synchronous_commit", "full_page_writes", "wal_level", "max_wal_size", "checkpoint_timeout", "jit"]
    with engine.connect() as conn:
        rows = dict(conn.execute(sa.text("SELECT name, setting || coalesce(unit, '') FROM pg_settings "
                                         "WHERE name = ANY(:n)"), {"n": names}).all())
        session = conn.execute(sa.text("SHOW jit")).scalar()
    return ", ".join(f"{n}={rows[n]}" for n in names if n in rows) + f"; the app's sessions: jit={session}"


def mix(engine: sa.Engine, since: datetime, run_id: str) -> tuple[str, str]:
    """Verdicts of the timed check-ins, and the location signals raised during the runs."""
    with engine.connect() as conn:
        verdicts = conn.execute(sa.text("SELECT verdict, count(*) FROM checkins WHERE client_id LIKE :m "
                                        "OR client_id LIKE :h GROUP BY verdict ORDER BY 2 DESC"),
                                {"m": f"{run_id}-m%", "h": f"{run_id}-h%"}).all()
        signals = conn.execute(sa.text("SELECT kind, count(*) FROM location_signals WHERE detected_at >= :t "
                                       "GROUP BY kind ORDER BY 2 DESC"), {"t": since}).all()
    return (", ".join(f"{v} {n:,}" for v, n in verdicts) or "none",
            ", ".join(f"{k} {n:,}" for k, n in signals) or "none")


def _ms(run: Run, key: str) -> str:
    value = run.latency_ms.get(key)
    return f"{value:.1f}" if value is not None else "–"


def _run_row(run: Run) -> str:
    statuses = ", ".join(f"{k}×{v}" for k, v in sorted(run.statuses.items())) or "0"
    errors = ", ".join(f"{k}×{v}" for k, v in sorted(run.errors.items())) or "0"
    load = f"{run.target_rate:,.0f}/s fixed" if run.mode == "rate" else "wrk full"
    kind = "warm-up" if run.warmup else "timed"
    rows, tag = run.rows, run.tag.split("-", 1)[-1]
    return (f"| {tag} | {run.endpoint} | {kind} | {load} | {run.seconds:.1f} | {run.sent:,} | {run.created:,} "
            f"| {statuses} | {errors} | {run.rps:,.0f} | {_ms(run, 'p50')} | {_ms(run, 'p90')} | {_ms(run, 'p99')} "
            f"| {_ms(run, 'max')} | {rows['rows']:,} | {rows['lost']} | {rows['duplicates']} | {rows['unanswered']} "
            f"| {'yes' if rows['ok'] else '**NO**'} | {_waits(run)} |")


def _waits(run: Run) -> str:
    w = run.waits
    return f"{w['lock']:.2f} / {w['wal']:.2f} / {w['active']:.2f}" if w else "–"


def render(ctx: dict, runs: list[Run], s: dict, prof: Profile | None) -> str:
    """The Markdown report; `ctx` has the command, machine, settings, seeding and load averages."""
    a = ctx["args"]
    half_rates = ", ".join(f"{r:,.0f}" for r in s["rates"])
    lines = [
        f"# Check-in load benchmark — {datetime.now(LOCAL_TZ):%Y-%m-%d %H:%M %Z}", "",
        f"Command: `{ctx['command']}`", "",
        f"Source measured: {ctx['tree']}", "",
        "## Machine and settings", "",
        f"- {machine()}",
        f"- load average (1/5/15 min): before {ctx['load_before']}, after the runs {ctx['load_after']} "
        "(other work may share this machine; wrk, the generator, gunicorn and PostgreSQL share the cores)",
        "- versions: " + ", ".join(f"{k} {v}" for k, v in ctx["versions"].items()),
        f"- gunicorn: `{' '.join(ctx['gunicorn'][1:])}` ({a.workers} sync workers, production configuration; "
        "no access log)",
        f"- PostgreSQL on loopback: {ctx['pg']}" + (f" (--set {' '.join(a.settings)})" if a.settings else ""),
        f"- one-row INSERT + COMMIT on an idle connection, median of 50: {ctx['commit_before']:.2f} ms before the "
        f"runs, {ctx['commit_after']:.2f} ms after (the WAL flush; the disk may be shared)",
        f"- load: wrk -t{a.threads} -c{a.connections}, warm-up {a.warmup:g} s then {a.duration:g} s per endpoint, "
        f"open-loop generator {a.rate_duration:g} s at half the check-in capacity; {a.repeat} repeat(s), the "
        "order of the endpoints alternating; medians reported",
        f"- data: {ctx['seeded']}; {ctx['entries']} supervisees with tokens ({ctx['profiles']})", "",
        "## Results", "",
        "| measure | value | target | |", "| --- | ---: | --- | --- |",
        f"| floor (auth + validate + insert), req/s, median | {s['floor']:,.0f} | | |",
        f"| check-in, req/s, median | {s['checkin']:,.0f} | | |",
        f"| check-in / floor | {s['ratio']:.2f} | ≥ {TARGET_RATIO:.2f} | {mark(s['met']['ratio'])} |",
        f"| errors (non-2xx, socket errors, timeouts; all runs) | {s['errors']} | 0 | {mark(s['met']['errors'])} |",
        f"| check-in p99 at half capacity ({half_rates} req/s), median | {s['p99_half']:.1f} ms "
        f"| < {TARGET_P99_MS:.0f} ms | {mark(s['met']['p99'])} |",
        f"| rows vs 201s (all runs) | {s['rows']:,} rows, {s['created']:,} 201s, {s['lost']} lost, "
        f"{s['duplicates']} twice, {s['unanswered']} in flight at a wrk stop | equal | {mark(s['met']['rows'])} |",
    ]
    if s["p99_floor_half"] is not None:
        lines.append(f"| floor p99 at the same rates, median (control) | {s['p99_floor_half']:.1f} ms | | |")
    for code, name in (("c", "check-in"), ("f", "floor")):
        if code in s["waits"]:
            lines.append(f"| backends waiting on a lock / on the WAL at full load, {name} (mean, median of runs) "
                         f"| {s['waits'][code]['lock']:.2f} / {s['waits'][code]['wal']:.2f} | | |")
    if s["noauth"] is not None:
        lines.append(f"| floor without authentication, req/s, median (information) | {s['noauth']:,.0f} | | |")
        lines.append("| check-in / floor without authentication (information) | "
                     f"{s['checkin'] / s['noauth'] if s['noauth'] else 0:.2f} | | |")
    lines += ["", "Per repeat: floor " + ", ".join(f"{x:,.0f}" for x in s["floor_runs"]) + "; check-in "
              + ", ".join(f"{x:,.0f}" for x in s["checkin_runs"]) + " req/s; ratio "
              + ", ".join(f"{x:.2f}" for x in s["ratios"]) + "; p99 at half capacity "
              + ", ".join(f"{x:.1f}" for x in s["p99_half_runs"]) + " ms (floor at the same rate "
              + ", ".join(f"{x:.1f}" for x in s["p99_floor_half_runs"]) + " ms).", "",
              f"Verdicts of the timed check-ins: {ctx['verdicts']}. Location signals raised during the runs: "
              f"{ctx['signals']}.", "",
              "## Every run", "",
              "Latency in ms: wrk's (from when it sent) for full load; the open-loop generator's (from when the "
              "request was due) at a fixed rate. *in flight*: rows whose answer wrk never read because the run "
              "stopped (≤ one per connection); *lost*: a 201 without its row. *waits*: PostgreSQL backends of the "
              "bench database waiting on a lock / on the WAL / active, mean of samples every 100 ms.", "",
              "| tag | endpoint | run | load | s | sent | 201 | other status | socket errors | req/s | p50 | p90 "
              "| p99 | max | rows | lost | twice | in flight | rows ok | waits lock / WAL / active |",
              "| --- | --- | --- | --- | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: "
              "| ---: | ---: | ---: | --- | --- |"]
    lines += [_run_row(r) for r in runs]
    lags = [r.lag_ms for r in runs if r.mode == "rate" and r.lag_ms]
    if lags:
        lines += ["", "Open-loop generator lag (sent − due), per run: " + "; ".join(
            f"p50 {g['p50']:.2f} ms, p99 {g['p99']:.2f} ms, max {g['max']:.1f} ms" for g in lags) + "."]
    first = next((r.first_error for r in runs if r.first_error), "")
    if first:
        lines += ["", f"First error answer: `{first}`"]
    if prof:
        lines += _profile_lines(prof)
    return "\n".join(lines) + "\n"


def _profile_lines(p: Profile) -> list[str]:
    dist = {e: ", ".join(f"{n} statements ×{c}" for n, c in sorted(p.statements[e].items())) for e in p.ms}
    lines = ["", "## Where a check-in's time goes (in-process, one request at a time)", "",
             f"{p.requests} requests per endpoint through Flask's test client on the same app and database, "
             "no concurrent bench load (after the load runs; the machine may still be shared).", "",
             "| endpoint | median ms per request | SQL statements per request | median ms in the driver "
             "| commits | median ms in COMMIT | statuses |", "| --- | ---: | --- | ---: | ---: | ---: | --- |"]
    lines += [f"| {e} | {p.ms[e]:.2f} | {dist[e]} | {p.sql_ms[e]:.2f} | {p.commits[e]:g} | {p.commit_ms[e]:.2f} | "
              + ", ".join(f"{k}×{v}" for k, v in sorted(p.statuses[e].items())) + " |" for e in p.ms]
    lines += ["", "Statements by verb and the tables they name, over all profiled requests:", "",
              "| endpoint | statement | per request | median ms each | ms per request |",
              "| --- | --- | ---: | ---: | ---: |"]
    for endpoint, found in p.by_statement.items():
        lines += [f"| {endpoint} | `{label}` | {len(ms) / p.requests:.2f} | {statistics.median(ms):.2f} "
                  f"| {sum(ms) / p.requests:.2f} |" for label, ms in sorted(found.items(), key=lambda i: -sum(i[1]))]
    lines += ["", f"The statements of one check-in ({p.example_profile}):", "", "```sql"]
    lines += p.example + ["```", "", "cProfile of the check-in requests, by cumulative time:", "", "```",
                          p.cumulative, "```", "", "By own time:", "", "```", p.own, "```"]
    return lines


def printed(s: dict, prof: Profile | None, out: Path) -> str:
    lines = [
        f"  floor (auth+validate+insert)  {s['floor']:9,.0f} req/s",
        f"  check-in                      {s['checkin']:9,.0f} req/s",
        f"  check-in / floor              {s['ratio']:9.2f}        target ≥ {TARGET_RATIO:.2f}   "
        f"{mark(s['met']['ratio'])}",
        f"  p99 at half capacity          {s['p99_half']:9.1f} ms     target < {TARGET_P99_MS:.0f} ms  "
        f"{mark(s['met']['p99'])}",
        f"  errors (all runs)             {s['errors']:9}        target 0        {mark(s['met']['errors'])}",
        f"  rows / 201s                   {s['rows']:,} / {s['created']:,} ({s['lost']} lost, {s['duplicates']} "
        f"twice, {s['unanswered']} in flight at a wrk stop)  {mark(s['met']['rows'])}"]
    if s["p99_floor_half"] is not None:
        lines.append(f"  floor p99 at that rate        {s['p99_floor_half']:9.1f} ms     (control)")
    if s["noauth"] is not None:
        lines.append(f"  floor without auth (info)     {s['noauth']:9,.0f} req/s")
    if prof:
        lines.append(f"  in-process: check-in {prof.ms['check-in']:.2f} ms, floor {prof.ms['floor']:.2f} ms per "
                     f"request; check-in SQL statements {dict(sorted(prof.statements['check-in'].items()))}")
    lines.append(f"  report: {out}")
    return "\n".join(lines)
