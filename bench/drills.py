"""Failure drills (issue 10 §5), a benchmark, not a test: bounded in time, loopback only.

1. **PostgreSQL restarted under load**: check-ins at a fixed rate (bench/checkins_load.py's open-loop generator)
   against gunicorn; `pg_ctl restart -m fast` a third of the way in; then a recovery run at the same rate. The
   requests in the outage must fail cleanly (an error status or a connection error, none past the generator's
   timeout), the recovery run must have no error, and every 201 must have its row, no client id twice.
2. **The scheduler killed mid-job**: `flask jobs run overdue_alerts` (one transaction) SIGKILLed while it runs, the
   period run again (`--force`) as the surviving leader would, then once more: the third run must open nothing
   (nothing lost) and no dedupe key may be there twice.
3. **The push service and the WeChat API hanging, then down** (bench/drills_push.py): alert messages are committed
   while both hang (the commit does not wait), the attempts end within the clients' timeouts, the retry pass while
   they are down leaves them pending, and the pass after they are back sends every one.
4. **A soak**: check-ins at half the capacity measured with wrk for `--minutes`; no error, every row there, and the
   RSS of the gunicorn workers grows less than 10 %.

    bench/run_drills [--quick] [--minutes N]     # bench/README.md; writes bench/out/drills-<timestamp>.md
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

import checkins_data as data
from checkins import base36, check_rows, loadavg
from checkins_load import run_rate, run_wrk
from checkins_report import machine
from checkins_wsgi import build
from correction import clock
from correction.db import db
from drills_push import drill_push
from topology import VENV_BIN, Topology, log, seed_county, wait_until

OUT_DIR = Path(__file__).resolve().parent / "out"
APP_ENTRY = "checkins_wsgi:build()"
CHECKINS = "/api/v1/me/checkins"
REQUEST_TIMEOUT = 10.0  # the generator's per-request bound: an answer later than this is a hang
JOB = "overdue_alerts"


# ------------------------------------------------------------------------------------------- helpers --

def rate_run(ctx: dict, tag: str, rate: float, seconds: float, label: str):
    """Check-ins at `rate` for `seconds`, every answer awaited, the rows matched against the 201s."""
    make = data.request_maker(ctx["entries"], "127.0.0.1", ctx["port"], CHECKINS, tag, 7)
    run = run_rate("127.0.0.1", ctx["port"], make, rate, seconds, tag, "check-in", label, timeout=REQUEST_TIMEOUT)
    run.rows = check_rows(ctx["engine"], run, 0)
    return run


def summary(run) -> dict:
    return {"sent": run.sent, "accepted": run.created, "failed": run.failures, "statuses": dict(run.statuses),
            "errors": dict(run.errors), "lost": run.rows["lost"], "duplicates": run.rows["duplicates"],
            "p50_ms": round(run.latency_ms.get("p50", 0), 1), "p99_ms": round(run.latency_ms.get("p99", 0), 1),
            "max_ms": round(run.latency_ms.get("max", 0), 1), "first_error": run.first_error.strip()[:160]}


def workers_rss_kib(master_pid: int) -> dict[int, int]:
    """VmRSS (KiB) of each gunicorn worker (the master's children)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = dict(line.split(":", 1) for line in (entry / "status").read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if int(status["PPid"]) == master_pid and "VmRSS" in status:
            found[int(entry.name)] = int(status["VmRSS"].split()[0])
    return found


def restart_postgres(topology: Topology) -> float:
    """`pg_ctl restart -m fast` (same port and options); returns the seconds it took."""
    cluster, started = topology.cluster, time.monotonic()
    subprocess.run([*cluster.as_pg, str(cluster.bindir / "pg_ctl"), "-D", str(cluster.dir / "data"), "-l",
                    str(cluster.dir / "log"), "-m", "fast", "-w", "restart"], check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - started


# ---------------------------------------------------------------------------------------------- drills --

def drill_database_restart(ctx: dict, args) -> dict:
    topology, seconds = ctx["topology"], args.restart_seconds
    restarted = {}
    timer = threading.Timer(seconds / 3, lambda: restarted.update(seconds=restart_postgres(topology)))
    timer.start()
    during = rate_run(ctx, f"{ctx['id']}-rc", args.rate, seconds, "PostgreSQL restarted under load")
    timer.join()
    after = rate_run(ctx, f"{ctx['id']}-ac", args.rate, args.recovery_seconds, "after the restart")
    result = {"rate": args.rate, "seconds": seconds, "restart_seconds": round(restarted.get("seconds", -1), 1),
              "during": summary(during), "after": summary(after)}
    result["ok"] = (during.rows["ok"] and after.rows["ok"] and after.failures == 0
                    and during.errors.get("timeout", 0) == 0 and result["during"]["max_ms"] <= REQUEST_TIMEOUT * 1000
                    and all(code >= 500 for code in during.statuses))
    return result


def _alerts(engine: sa.Engine) -> tuple[int, int]:
    """(alerts, dedupe keys stored more than once)."""
    with engine.connect() as conn:
        total = conn.execute(sa.text("SELECT count(*) FROM alerts")).scalar()
        twice = conn.execute(sa.text("SELECT count(*) FROM (SELECT dedupe_key FROM alerts GROUP BY dedupe_key "
                                     "HAVING count(*) > 1) d")).scalar()
    return total, twice


def _job(ctx: dict, at: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([str(VENV_BIN / "flask"), "--app", "wsgi", "jobs", "run", JOB, "--at", at, *extra],
                            env=ctx["topology"].env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def drill_scheduler_kill(ctx: dict, args) -> dict:
    """SIGKILL to a job run in flight (the statement running), the survivor's run, then a check run."""
    engine, at = ctx["engine"], args.job_at
    before, _ = _alerts(engine)
    victim = _job(ctx, at)
    running = sa.text("SELECT count(*) FROM job_runs WHERE job_id = :j AND status = 'running'")

    def in_flight() -> bool:
        with engine.connect() as conn:
            return conn.execute(running, {"j": JOB}).scalar() > 0 or victim.poll() is not None
    wait_until(in_flight, 60, "the job run to start")
    time.sleep(args.kill_after)
    finished_first = victim.poll() is not None
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait(10)
    at_kill, _ = _alerts(engine)
    rerun = _job(ctx, at, "--force")
    rerun_out = rerun.communicate(timeout=300)[0].strip().splitlines()[-1:]
    after_rerun, twice = _alerts(engine)
    check = _job(ctx, at, "--force")
    check_out = check.communicate(timeout=300)[0].strip().splitlines()[-1:]
    after_check, twice_check = _alerts(engine)
    return {"job": JOB, "at": at, "killed_after_s": args.kill_after, "finished_before_kill": finished_first,
            "alerts_before": before, "alerts_at_kill": at_kill, "alerts_after_rerun": after_rerun,
            "rerun": rerun_out, "check_run": check_out, "lost": after_check - after_rerun,
            "duplicates": max(twice, twice_check),
            "ok": not finished_first and after_check == after_rerun and twice_check == 0 and after_rerun > before}


def drill_soak(ctx: dict, args) -> dict:
    capacity = run_wrk(f"http://127.0.0.1:{ctx['port']}{CHECKINS}", ctx["tsv"], f"{ctx['id']}-capc", "check-in",
                       args.capacity_seconds, 8, 1, ctx["work"], "capacity (wrk)")
    rate = max(1.0, round(capacity.rps / 2, 1))
    master = ctx["topology"].apps[0].pid
    warm = rate_run(ctx, f"{ctx['id']}-wc", rate, 10, "soak warm-up")
    before = workers_rss_kib(master)
    run = rate_run(ctx, f"{ctx['id']}-sc", rate, args.minutes * 60, f"soak at {rate} req/s")
    after = workers_rss_kib(master)
    growth = sum(after.values()) / sum(before.values()) - 1
    return {"capacity_rps": round(capacity.rps, 1), "rate": rate, "minutes": args.minutes, "warmup_failed":
            warm.failures, **summary(run), "rss_before_mib": round(sum(before.values()) / 1024, 1),
            "rss_after_mib": round(sum(after.values()) / 1024, 1), "rss_growth_pct": round(growth * 100, 1),
            "workers_recycled": len(set(before) - set(after)),
            "ok": run.failures == 0 and run.rows["ok"] and growth < 0.10}


# ---------------------------------------------------------------------------------------------- report --

def overview(results: dict) -> list[str]:
    """One row per drill: what was sent and accepted, lost and stored twice, memory; bench/run_all copies it."""
    d, k, p, s = (results[n] for n in ("database_restart", "scheduler_kill", "push", "soak"))
    verdict = {name: "PASS" if r["ok"] else "FAIL" for name, r in results.items()}
    delivered = sum(p["received"].values())
    return ["| drill | sent | accepted | failed | lost | twice | memory before → after | verdict |",
            "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
            f"| 1. PostgreSQL restart under load | {d['during']['sent'] + d['after']['sent']} | "
            f"{d['during']['accepted'] + d['after']['accepted']} | {d['during']['failed']} in the outage, "
            f"{d['after']['failed']} after | {d['during']['lost'] + d['after']['lost']} | "
            f"{d['during']['duplicates'] + d['after']['duplicates']} | | {verdict['database_restart']} |",
            f"| 2. scheduler killed mid-job ({k['job']}) | alerts {k['alerts_after_rerun'] - k['alerts_before']} | "
            f"{k['alerts_after_rerun'] - k['alerts_before']} | | {k['lost']} | {k['duplicates']} | | "
            f"{verdict['scheduler_kill']} |",
            f"| 3. push service and WeChat API hanging, then down | deliveries {p['deliveries']} | "
            f"{delivered} delivered after recovery | | {p['deliveries'] - delivered} | | | {verdict['push']} |",
            f"| 4. soak at half capacity, {s['minutes']} min at {s['rate']} req/s | {s['sent']} | {s['accepted']} | "
            f"{s['failed']} | {s['lost']} | {s['duplicates']} | {s['rss_before_mib']} → {s['rss_after_mib']} MiB "
            f"({s['rss_growth_pct']:+.1f} %) | {verdict['soak']} |"]


def render(ctx: dict, results: dict) -> str:
    lines = [f"# Failure drills ({ctx['when']})", "", f"- machine: {ctx['machine']}",
             f"- load average before / after: {ctx['load_before']} / {ctx['load_after']}",
             f"- command: `{ctx['command']}`", f"- {ctx['setup']}", ""] + overview(results) + [""]
    db_ = results["database_restart"]
    lines += ["## 1. PostgreSQL restarted under load (`pg_ctl restart -m fast`)", "",
              f"{db_['rate']} check-ins/s for {db_['seconds']} s, the restart a third of the way in (took "
              f"{db_['restart_seconds']} s), then {ctx['args'].recovery_seconds} s at the same rate.", "",
              "| run | sent | accepted (201) | failed | statuses | socket errors | lost | twice | p99 ms | max ms |",
              "| --- | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: |"]
    for name in ("during", "after"):
        s = db_[name]
        lines.append(f"| {name} | {s['sent']} | {s['accepted']} | {s['failed']} | {s['statuses'] or 0} | "
                     f"{s['errors'] or 0} | {s['lost']} | {s['duplicates']} | {s['p99_ms']} | {s['max_ms']} |")
    lines += ["", f"First error body: `{db_['during']['first_error'] or '-'}`. **{'PASS' if db_['ok'] else 'FAIL'}**",
              ""]
    k = results["scheduler_kill"]
    lines += ["## 2. The scheduler killed mid-job", "",
              f"`flask jobs run {k['job']} --at {k['at']}` SIGKILLed {k['killed_after_s']} s into its run "
              f"(finished before the kill: {k['finished_before_kill']}); alerts before {k['alerts_before']}, at the "
              f"kill {k['alerts_at_kill']}, after the survivor's run {k['alerts_after_rerun']} ({k['rerun']}); "
              f"a check run opened **{k['lost']} more (lost = {k['lost']})**, dedupe keys twice "
              f"**{k['duplicates']}**. **{'PASS' if k['ok'] else 'FAIL'}**", ""]
    p = results["push"]
    lines += ["## 3. The push service and the WeChat API hanging, then down, then back", "",
              f"{p['messages']} alert messages to the county officer (Web Push, one browser) and a bound supervisee "
              f"(WeChat subscribe message): {p['deliveries']} deliveries, messages stored {p['stored']}. `notify` + "
              f"commit took **{p['commit_ms']} ms** while both services hung; the dispatcher's attempts ended after "
              f"{p['hung_attempts_s']} s (timeouts {p['timeouts_s']}, bound {p['attempts_bound_s']} s) with "
              f"{p['after_hang']}; the retry pass while they were down: {p['down_pass']}; the pass after they were "
              f"back: {p['back_pass']}; final {p['final']}; received by the fakes {p['received']}. "
              f"**{'PASS' if p['ok'] else 'FAIL'}**", ""]
    s = results["soak"]
    lines += ["## 4. Soak at half capacity", "",
              f"Capacity (wrk, {ctx['args'].capacity_seconds} s) {s['capacity_rps']} req/s; {s['rate']} req/s for "
              f"**{s['minutes']} min**: sent {s['sent']}, accepted {s['accepted']}, failed {s['failed']} "
              f"{s['statuses'] or ''}{s['errors'] or ''}, lost {s['lost']}, twice {s['duplicates']}, p99 "
              f"{s['p99_ms']} ms; workers' RSS {s['rss_before_mib']} → {s['rss_after_mib']} MiB "
              f"(**{s['rss_growth_pct']:+.1f} %**, {s['workers_recycled']} workers recycled). "
              f"**{'PASS' if s['ok'] else 'FAIL'}**", ""]
    return "\n".join(lines)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--county", type=int, default=200, help="subjects in the bench county")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1), help="gunicorn sync workers")
    parser.add_argument("--rate", type=float, default=20, help="check-ins per second in the restart drill")
    parser.add_argument("--restart-seconds", type=float, default=30)
    parser.add_argument("--recovery-seconds", type=float, default=10)
    parser.add_argument("--job-at", default=(datetime.now(clock.LOCAL_TZ) + timedelta(days=60)).isoformat(
        timespec="minutes"), help="the instant the killed job acts as of (default: 60 days on)")
    parser.add_argument("--kill-after", type=float, default=0.5, help="seconds into the job run")
    parser.add_argument("--messages", type=int, default=4, help="alert messages in the push drill")
    parser.add_argument("--capacity-seconds", type=float, default=10)
    parser.add_argument("--minutes", type=float, default=10, help="soak duration")
    parser.add_argument("--quick", action="store_true", help="60 subjects, 12 s restart run, 1-minute soak")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON (bench/run_all)")
    args = parser.parse_args(argv)
    if args.quick:
        args.county, args.restart_seconds, args.recovery_seconds, args.capacity_seconds, args.minutes = \
            60, 12, 5, 5, 1
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    ctx = {"when": time.strftime("%Y-%m-%d %H:%M %Z"), "machine": machine(), "load_before": loadavg(),
           "command": os.environ.get("BENCH_COMMAND") or " ".join(sys.argv), "args": args,
           "id": base36(int(time.time()))}
    with Topology(workers=args.workers, app_entry=APP_ENTRY) as topology:
        ctx["topology"], ctx["work"] = topology, topology.work
        topology.start_database()
        log(f"==> seeding a bench county of {args.county} subjects")
        seed_county(topology.database_url, args.county, 2023)
        topology.start_redis()
        os.environ["RATELIMIT_STORAGE_URI"] = topology.env["RATELIMIT_STORAGE_URI"]
        ctx["wechat_appid"], ctx["wechat_secret"] = os.environ["WECHAT_APPID"], os.environ["WECHAT_SECRET"]
        app = build()
        app.config["JWT_ACCESS_TOKEN_EXPIRES"] = timedelta(hours=12)
        with app.app_context():
            ctx["entries"], _ = data.entries(2023)
            db.session.remove()
        ctx["tsv"] = topology.work / "entries.tsv"
        data.write_tsv(ctx["entries"], ctx["tsv"])
        topology.start_apps(1)
        ctx["port"], ctx["engine"] = topology.apps[0].port, sa.create_engine(topology.database_url)
        ctx["setup"] = (f"PostgreSQL 15 (durable), Redis, 1 gunicorn instance × {args.workers} sync workers "
                        f"(deploy/gunicorn.conf.py, production configuration, {APP_ENTRY}), "
                        f"{len(ctx['entries'])} supervisees of a {args.county}-subject county")
        log(f"==> {ctx['setup']}")
        results = {}
        for name, drill in (("database_restart", drill_database_restart), ("scheduler_kill", drill_scheduler_kill),
                            ("push", drill_push), ("soak", drill_soak)):
            log(f"==> drill: {name}")
            results[name] = drill(ctx, args)
            log(f"  {json.dumps(results[name], ensure_ascii=False, default=str)}")
        ctx["engine"].dispose()
    ctx["load_after"] = loadavg()
    out = args.out or OUT_DIR / f"drills-{time.strftime('%Y%m%d-%H%M%S')}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(ctx, results), encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
    passed = all(r["ok"] for r in results.values())
    verdicts = ", ".join(f"{name} {'ok' if result['ok'] else 'FAILED'}" for name, result in results.items())
    print(f"drills {'passed' if passed else 'FAILED'}: {verdicts}; report {out}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
