"""Checks on the loopback topology (issue 9's must-show), a benchmark, not a test:

1. **Scaling**: POST /api/v1/me/checkins with wrk (bench/checkins.lua, the tokens and bodies of
   bench/checkins_data.py) against one instance directly, one instance behind nginx and two instances behind nginx,
   alternating the order, medians of --repeat; the CPU each part of the topology used during each run, so the
   report shows where the bottleneck is. Every run's rows are matched against its 201s (bench/checkins.py).
2. **An instance stopped under load**: wrk through nginx over both instances; a third of the way in, the second
   instance gets SIGTERM (a rolling restart: gunicorn's graceful stop) and, in a second run, SIGKILL of its
   process group (a crash). Every 201 must have its row, no client id twice; the non-2xx answers are counted.
3. **The leading scheduler killed**: two `python -m scheduler` processes with the one-job-a-second registry of
   tests/scheduler/registry.py (lease 2 s) on the topology's database; SIGKILL to the leader; each second from the
   first run to the last must have run exactly once (job_runs and the job's own rows), none missing.

    bench/run_topology [--quick]      # bench/README.md; writes bench/out/topology-<timestamp>.md (and --json)
"""

import argparse
import json
import os
import resource
import signal
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

import checkins_data as data
from checkins import base36, check_rows, loadavg
from checkins_load import run_wrk
from checkins_report import machine
from checkins_wsgi import build
from correction.db import db
from topology import Topology, log, seed_county, wait_until

OUT_DIR = Path(__file__).resolve().parent / "out"
TARGETS = {"d": "one instance, direct", "o": "one instance behind nginx", "a": "two instances behind nginx"}
TICK_REGISTRY = "tests.scheduler.registry:JOBS"
APP_ENTRY = "checkins_wsgi:build()"


# ----------------------------------------------------------------------------------------------- CPU use --

def _ticks() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, user + system clock ticks) of every process."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            found[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    return found


def _group(pid: int, table: dict, roots: dict[int, str]) -> str | None:
    while pid in table:
        if pid in roots:
            return roots[pid]
        pid = table[pid][0]
    return None


class CpuUse:
    """CPU seconds used by each part of the topology between enter and exit, and the machine's busy share."""

    def __init__(self, topology: Topology):
        self.topology = topology

    def _roots(self) -> dict[int, str]:
        roots = {os.getpid(): "harness"}
        postmaster = self.topology.cluster.dir / "data" / "postmaster.pid"
        if postmaster.exists():
            roots[int(postmaster.read_text().split()[0])] = "PostgreSQL"
        for process in [*self.topology.apps, *self.topology.schedulers, self.topology.nginx, self.topology.redis]:
            if process is not None and process.running():
                roots[process.pid] = "gunicorn" if process.name.startswith("app") else process.name.rstrip("0123456789")
        return roots

    @staticmethod
    def _machine() -> tuple[int, int]:
        values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return sum(values), values[3] + values[4]  # total, idle + iowait

    def __enter__(self) -> "CpuUse":
        self.roots, self.start, self.start_machine, self.t0 = self._roots(), _ticks(), self._machine(), time.monotonic()
        self.start_children = self._children()
        return self

    @staticmethod
    def _children() -> float:
        """CPU seconds of this process's children that have exited (wrk, once run_wrk has waited for it)."""
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    def __exit__(self, *exc) -> None:
        end, (total, idle) = _ticks(), self._machine()
        hz, seconds = os.sysconf("SC_CLK_TCK"), time.monotonic() - self.t0
        used = Counter()
        for pid, (_, ticks) in end.items():
            if (group := _group(pid, end, self.roots)) is not None:
                used[group] += ticks - self.start.get(pid, (0, 0))[1]
        self.cores = {group: round(ticks / hz / seconds, 2) for group, ticks in used.most_common()}
        self.cores["wrk"] = round((self._children() - self.start_children) / seconds, 2)
        busy_total = total - self.start_machine[0]
        self.busy = round(1 - (idle - self.start_machine[1]) / busy_total, 3) if busy_total else 0.0
        # What the machine's other processes (other sessions' suites and benchmarks) took meanwhile.
        self.cores["other processes"] = round(max(0.0, self.busy * os.cpu_count() - sum(self.cores.values())), 2)


# ------------------------------------------------------------------------------------------------- runs --

@dataclass
class Bench:
    args: argparse.Namespace
    topology: Topology
    engine: sa.Engine
    tsv: Path   # the supervisees' tokens and positions, for bench/checkins.lua
    work: Path  # wrk's answer-id files


def wrk_run(bench: Bench, port: int, tag: str, seconds: float, label: str):
    """A wrk run of check-ins against `port`, its rows matched against its 201s, the CPU each part used."""
    with CpuUse(bench.topology) as cpu:
        run = run_wrk(f"http://127.0.0.1:{port}/api/v1/me/checkins", bench.tsv, tag, "check-in", seconds,
                      bench.args.connections, 1, bench.work, label)
    run.rows = check_rows(bench.engine, run, bench.args.connections)
    run.waits = {"cores": cpu.cores, "busy": cpu.busy}
    return run


def scaling(bench: Bench) -> dict:
    args, topology = bench.args, bench.topology
    ports = {"d": topology.apps[0].port, "o": topology.nginx_ports["one"], "a": topology.nginx_ports["all"]}
    runs = {code: [] for code in TARGETS}
    for repeat in range(1, args.repeat + 1):
        order = list(TARGETS) if repeat % 2 else list(reversed(TARGETS))
        for code in order:
            wrk_run(bench, ports[code], f"{args.run_id}-w{repeat}{code}c", args.warmup,
                    f"[{repeat}] {TARGETS[code]} warm-up")
            run = wrk_run(bench, ports[code], f"{args.run_id}-m{repeat}{code}c", args.duration,
                          f"[{repeat}] {TARGETS[code]}")
            runs[code].append(run)
            log(f"  [{repeat}/{args.repeat}] {TARGETS[code]:<28} {run.rps:7.1f} req/s  p99 "
                f"{run.latency_ms['p99']:.1f} ms  {run.failures} errors  rows {'ok' if run.rows['ok'] else 'NOT ok'}"
                f"  machine busy {run.waits['busy']:.0%}  {run.waits['cores']}")
    result = {}
    for code, found in runs.items():
        result[code] = {
            "target": TARGETS[code], "rps": [round(r.rps, 1) for r in found],
            "median_rps": round(statistics.median(r.rps for r in found), 1),
            "median_p99_ms": round(statistics.median(r.latency_ms["p99"] for r in found), 1),
            "errors": sum(r.failures for r in found), "rows_ok": all(r.rows["ok"] for r in found),
            "lost": sum(r.rows["lost"] for r in found), "duplicates": sum(r.rows["duplicates"] for r in found),
            "busy": statistics.median(r.waits["busy"] for r in found),
            "cores": {g: statistics.median(r.waits["cores"].get(g, 0) for r in found)
                      for g in found[-1].waits["cores"]}}
    # The same path, one instance against two: what the second instance adds (nginx's own gain is apart).
    result["ratio_two_to_one"] = round(result["a"]["median_rps"] / result["o"]["median_rps"], 2)
    result["ratio_nginx_to_direct"] = round(result["o"]["median_rps"] / result["d"]["median_rps"], 2)
    result["ratio_two_to_direct"] = round(result["a"]["median_rps"] / result["d"]["median_rps"], 2)
    return result


def failover(bench: Bench, signum: int) -> dict:
    """wrk through nginx over both instances; the second instance gets `signum` a third of the way in."""
    args, topology = bench.args, bench.topology
    name = signal.Signals(signum).name
    victim = topology.apps[1]
    timer = threading.Timer(args.failover_duration / 3, victim.signal, [signum])
    timer.start()
    run = wrk_run(bench, topology.nginx_ports["all"], f"{args.run_id}-k{name[3:].lower()}c",
                  args.failover_duration, f"{name} to app2 under load")
    timer.join()
    victim.popen.wait(60)
    log(f"  {name} to app2: {run.created} 201s, {dict(run.statuses)} other statuses, {dict(run.errors)} socket "
        f"errors; rows {run.rows}")
    topology.restart_app(1)
    return {"signal": name, "seconds": round(run.seconds, 1), "created": run.created,
            "statuses": dict(run.statuses), "socket_errors": dict(run.errors), **run.rows}


def scheduler_handover(bench: Bench) -> dict:
    """Two schedulers with a job a second; SIGKILL to the leader; every second once, none missing."""
    topology, engine = bench.topology, bench.engine
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE test_ticks (period VARCHAR(8) NOT NULL, pid INTEGER NOT NULL)"))
    query = sa.text("SELECT runner, period FROM job_runs WHERE job_id = 'tick' AND status = 'succeeded'")

    def holder() -> str | None:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT holder FROM scheduler_leases")).scalar()

    def runs() -> list:
        with engine.connect() as conn:
            return conn.execute(query).all()

    topology.start_schedulers(2, TICK_REGISTRY, lease_seconds=2)
    wait_until(holder, 30, "a leader")
    first = holder()
    wait_until(lambda: len(runs()) >= 4, 30, "runs by the first leader")
    leader = next(s for s in topology.schedulers if first.endswith(f":{s.pid}"))
    killed_at = time.monotonic()
    leader.signal(signal.SIGKILL)
    leader.popen.wait(10)
    wait_until(lambda: (h := holder()) is not None and h != first, 30, "the standby taking over")
    took_over = time.monotonic() - killed_at
    before = len(runs())
    wait_until(lambda: len(runs()) >= before + 3, 30, "runs by the new leader")
    for process in topology.schedulers:
        process.stop()
    found = runs()
    with engine.connect() as conn:
        ticks = conn.execute(sa.text("SELECT period, pid FROM test_ticks")).all()
    seconds = sorted({int(p[:2]) * 3600 + int(p[3:5]) * 60 + int(p[6:]) for _, p in found})
    expected = set(range(seconds[0], seconds[-1] + 1))
    periods, pids = Counter(p for _, p in found), defaultdict(list)
    for period, pid in ticks:
        pids[period].append(pid)
    # A job body commits before its run is marked succeeded, so the period in flight at the kill may run again
    # under the new leader (real job bodies are idempotent by their own keys; tests/scheduler/test_processes.py
    # allows this one): a body run twice is that period when the killed leader ran it once and the new one once.
    twice = {p for p, ran in pids.items() if len(ran) > 1}
    interrupted = {p for p in twice if len(pids[p]) == 2 and leader.pid in pids[p] and len(set(pids[p])) == 2}
    return {"runners": sorted({r for r, _ in found}), "periods": len(periods), "first": min(periods),
            "last": max(periods), "missed": len(expected - set(seconds)),
            "twice_in_job_runs": sum(1 for c in periods.values() if c > 1),
            "bodies_not_run": len(set(periods) ^ set(pids)),
            "bodies_twice_interrupted": len(interrupted), "bodies_twice_otherwise": len(twice - interrupted),
            "takeover_seconds": round(took_over, 1)}


# ------------------------------------------------------------------------------------------------ report --

def bottleneck(scale: dict) -> str:
    """Where the throughput of one instance behind nginx stopped, from the CPU each part used."""
    one, cores = scale["o"], os.cpu_count()
    database = one["cores"].get("PostgreSQL", 0)
    if one["busy"] >= 0.9:
        return (f"**Bottleneck: this machine's {cores} cores.** With one instance behind nginx they were "
                f"{one['busy']:.0%} busy (the app {one['cores'].get('gunicorn', 0):.2f} cores, PostgreSQL "
                f"{database:.2f}, the rest wrk, nginx and other processes): a second instance adds workers but "
                "no core to run them on, so two instances cannot do more here. The database is not the "
                f"bottleneck: it used {database:.2f} cores. The 1.6× needs the second "
                "instance's cores free, i.e. instances on their own cores or machines, as `deploy/` runs them.")
    return (f"The machine was {one['busy']:.0%} busy with one instance behind nginx (PostgreSQL "
            f"{database:.2f} cores): cores were free for the second instance.")


def render(ctx: dict, scale: dict, stops: list[dict], handover: dict) -> str:
    lines = [f"# The loopback topology ({ctx['when']})", "", f"- machine: {ctx['machine']}",
             f"- load average before / after: {ctx['load_before']} / {ctx['load_after']}",
             f"- command: `{ctx['command']}`", f"- {ctx['topology']}", "",
             "## Check-ins: one instance against two behind nginx", "",
             f"wrk -t1 -c{ctx['connections']}, {ctx['duration']} s per run after a {ctx['warmup']} s warm-up, "
             f"medians of {ctx['repeat']} (alternating order). CPU: cores used on average by each part during "
             "the run.", "",
             "| target | req/s (median) | runs | p99 ms | errors | lost / twice | machine busy | cores used |",
             "| --- | ---: | --- | ---: | ---: | --- | ---: | --- |"]
    for code in TARGETS:
        s = scale[code]
        cores = ", ".join(f"{g} {c:.2f}" for g, c in s["cores"].items())
        lines.append(f"| {s['target']} | {s['median_rps']:,.1f} | {', '.join(map(str, s['rps']))} | "
                     f"{s['median_p99_ms']} | {s['errors']} | {s['lost']} / {s['duplicates']} | {s['busy']:.0%} | "
                     f"{cores} |")
    lines += ["", f"**Two instances / one instance, both behind nginx: {scale['ratio_two_to_one']}×** (target "
              f"≥ 1.6× when the database is not the bottleneck); one instance behind nginx / direct: "
              f"{scale['ratio_nginx_to_direct']}×; two behind nginx / one direct: {scale['ratio_two_to_direct']}×.",
              "", bottleneck(scale), "", "## An app instance stopped under load", "",
              "| signal to app2 | seconds | 201s | other statuses | socket errors | rows | lost | twice | rows "
              "without an answer |", "| --- | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: |"]
    for s in stops:
        lines.append(f"| {s['signal']} | {s['seconds']} | {s['created']} | {s['statuses'] or 0} | "
                     f"{s['socket_errors'] or 0} | {s['rows']} | {s['lost']} | {s['duplicates']} | "
                     f"{s['unanswered']} |")
    h = handover
    lines += ["", "## The leading scheduler killed (SIGKILL)", "",
              f"Two `python -m scheduler --registry {TICK_REGISTRY} --lease-seconds 2` on the topology's database: "
              f"runners {', '.join(h['runners'])}; periods {h['first']}–{h['last']} ({h['periods']} seconds); "
              f"**missed {h['missed']}, twice in job_runs {h['twice_in_job_runs']}, bodies not run "
              f"{h['bodies_not_run']}, bodies run twice otherwise than for the period the kill interrupted "
              f"{h['bodies_twice_otherwise']}**; the interrupted period's body ran again under the new leader: "
              f"{h['bodies_twice_interrupted']} (allowed: a body commits before its run is marked, and real job "
              f"bodies are idempotent by their own keys); the standby held the lease {h['takeover_seconds']} s after "
              "the kill.",
              ""]
    return "\n".join(lines)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--county", type=int, default=750, help="subjects in the bench county")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1), help="sync workers per instance")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--duration", type=float, default=20, help="seconds per scaling run")
    parser.add_argument("--failover-duration", type=float, default=15, help="seconds of each instance-stop run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="60 subjects, 1 s warm-up, 4 s runs, 1 repeat")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON (bench/run_all)")
    args = parser.parse_args(argv)
    if args.quick:
        args.county, args.warmup, args.duration, args.failover_duration, args.repeat = 60, 1, 4, 6, 1
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    args.run_id = base36(int(time.time()))
    ctx = {"when": time.strftime("%Y-%m-%d %H:%M %Z"), "machine": machine(), "load_before": loadavg(),
           "command": os.environ.get("BENCH_COMMAND") or " ".join(sys.argv), "connections": args.connections,
           "duration": args.duration, "warmup": args.warmup, "repeat": args.repeat}
    # The bench's app entry (bench/checkins_wsgi.py): wsgi.py's app with the abuse limits off, as in
    # bench/checkins.py, since every token here posts far more often than a phone.
    with Topology(workers=args.workers, app_entry=APP_ENTRY) as topology:
        work = topology.work / "wrk"
        work.mkdir()
        topology.start_database()
        log(f"==> seeding a bench county of {args.county} subjects")
        seed_county(topology.database_url, args.county, 2023)
        app = build()
        app.config["JWT_ACCESS_TOKEN_EXPIRES"] = timedelta(hours=12)
        with app.app_context():
            entries, _ = data.entries(2023)
            db.session.remove()
            db.engine.dispose()
        tsv = work / "entries.tsv"
        data.write_tsv(entries, tsv)
        topology.start_redis()
        topology.start_apps(2)
        topology.start_nginx({"all": [a.port for a in topology.apps], "one": [topology.apps[0].port]})
        ctx["topology"] = (f"PostgreSQL 15 (durable), Redis, 2 gunicorn instances × {args.workers} sync workers "
                           f"(deploy/gunicorn.conf.py, production configuration, {APP_ENTRY}: no abuse limits), "
                           f"nginx (1 worker, least_conn); {len(entries)} supervisees, {args.county}-subject county")
        log(f"==> {ctx['topology']}")
        bench = Bench(args, topology, sa.create_engine(topology.database_url), tsv, work)
        scale = scaling(bench)
        stops = [failover(bench, signum) for signum in (signal.SIGTERM, signal.SIGKILL)]
        log("==> scheduler handover")
        handover = scheduler_handover(bench)
        log(f"  {handover}")
        bench.engine.dispose()
    ctx["load_after"] = loadavg()
    out = args.out or OUT_DIR / f"topology-{time.strftime('%Y%m%d-%H%M%S')}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(ctx, scale, stops, handover), encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps({"scaling": scale, "stops": stops, "handover": handover, **ctx}, indent=1))
    print(f"two instances / one: {scale['ratio_two_to_one']}×; report {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
