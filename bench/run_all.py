"""Every benchmark in bench/, one after the other, and one report: bench/REPORT.md (issue 9). Not a test.

1. the overdue query on a national data set (bench/run_overdue: its own throwaway cluster, never BENCH_PGDIR);
2. the check-in endpoint against its floor (bench/run_checkins);
3. the quarterly inspection lists on their own national data set (bench/inspections.py), then a year of check-ins
   in monthly partitions for the same people and the plans of their hot paths (bench/checkin_plans.py), in a
   throwaway cluster started here; the audit trail's cost (bench/audit.py) in another;
4. the loopback topology: one instance against two behind nginx, an instance stopped under load, the leading
   scheduler killed (bench/run_topology);
5. the failure drills: PostgreSQL restarted under load, a job killed mid-run, the push service and WeChat API
   hanging and down, a soak at half capacity (bench/run_drills).

Each benchmark writes its own Markdown report into bench/out/run_all-<timestamp>/; REPORT.md has the figures of
all of them with the ratio to the baseline each measures in the same run, the machine, the commands, and the
reports themselves (with the query plans of the overdue query, the inspection list and the check-in paths).
`--quick` is a smoke run on small data sets: its figures say that everything runs, not what the national data set
takes.
"""

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from checkins import loadavg
from checkins_report import machine
from topology import Cluster, log

ROOT = Path(__file__).resolve().parent.parent
# Bulk loading for the read benchmarks' data sets (as bench/run_overdue): not durable, never for write figures.
BULK = ("-c listen_addresses=127.0.0.1 -c max_connections=100 -c shared_buffers=1GB -c effective_cache_size=16GB "
        "-c work_mem=64MB -c maintenance_work_mem=1GB -c fsync=off -c full_page_writes=off "
        "-c synchronous_commit=off -c wal_level=minimal -c max_wal_senders=0 -c max_wal_size=16GB")
DURABLE = ("-c listen_addresses=127.0.0.1 -c max_connections=100 -c shared_buffers=512MB "
           "-c max_wal_size=4GB -c checkpoint_timeout=15min")


@dataclass
class Step:
    name: str
    command: list[str]
    report: Path               # the benchmark's own report (Markdown, or its printed output)
    seconds: float = 0.0
    status: int | None = None
    extra: dict = field(default_factory=dict)

    def run(self, log_dir: Path) -> None:
        log(f"==> {self.name}: {shlex.join(self.command)}")
        started = time.monotonic()
        env = {key: value for key, value in os.environ.items() if key != "BENCH_PGDIR"}  # never a kept cluster
        with (log_dir / f"{self.report.stem}.log").open("w") as out:
            done = subprocess.run(self.command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        self.seconds, self.status = time.monotonic() - started, done.returncode
        log(f"    {'ok' if self.status == 0 else f'FAILED ({self.status})'} in {self.seconds:.0f} s")


def plan(args, out: Path) -> tuple[list[Step], list[Step]]:
    """The steps: those with their own runner script, then those run in the cluster started here."""
    quick = args.quick
    overdue = ["--subjects", "20000", "--sample", "50", "--repeat", "3"] if quick else []
    checkins = ["--quick", "--subjects", "150"] if quick else []
    scripts = [
        Step("overdue query", ["bench/run_overdue", *overdue, "--out", str(out / "overdue.md")], out / "overdue.md"),
        Step("check-ins and floor", ["bench/run_checkins", *checkins, "--out", str(out / "checkins.md")],
             out / "checkins.md"),
        Step("topology", ["bench/run_topology", *(["--quick"] if quick else []), "--out", str(out / "topology.md")],
             out / "topology.md"),
        Step("failure drills", ["bench/run_drills", *(["--quick"] if quick else []), "--out", str(out / "drills.md")],
             out / "drills.md"),
    ]
    python = [sys.executable]
    inspections = ["--subjects", "20000", "--repeat", "3"] if quick else []
    history = ["--weeks", "8", "--sample", "20"] if quick else []
    audit = ["--count", "100", "--writers", "1,4,16", "--seconds", "2"] if quick else []
    in_cluster = [
        Step("inspection lists", [*python, "bench/inspections.py", "--database-url", "{bulk}", *inspections,
                                  "--out", str(out / "inspections.md")], out / "inspections.md"),
        Step("check-in history", [*python, "bench/checkin_plans.py", "--database-url", "{bulk}", *history,
                                  "--out", str(out / "checkin_plans.md")], out / "checkin_plans.md"),
        Step("audit trail", [*python, "bench/audit.py", "--database-url", "{durable}", *audit], out / "audit.txt"),
    ]
    return scripts, in_cluster


def run_in_cluster(steps: list[Step], out: Path) -> None:
    """The inspection benchmark and then the check-in history on its data set in a bulk-loading cluster, the audit
    benchmark (durable writes) in another."""
    for key, settings in (("{bulk}", BULK), ("{durable}", DURABLE)):
        work = Path(tempfile.mkdtemp(prefix="sqjz-run-all-"))
        os.chmod(work, 0o755)  # the postgres user reaches its data directory inside
        cluster = Cluster(work, settings)
        try:
            url = cluster.start("sqjz_bench")
            migrate = subprocess.run([str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "db", "upgrade"],
                                     cwd=ROOT, env={**os.environ, "SQJZ_CONFIG": "testing", "DATABASE_URL": url},
                                     capture_output=True, text=True)
            if migrate.returncode:
                raise SystemExit(f"flask db upgrade failed:\n{migrate.stderr[-3000:]}")
            for step in (step for step in steps if key in step.command):
                step.command = [url if part == key else part for part in step.command]
                step.run(out)
                if step.report.suffix == ".txt":
                    step.report.write_text((out / f"{step.report.stem}.log").read_text())
        finally:
            cluster.stop()
            shutil.rmtree(work, ignore_errors=True)


# ------------------------------------------------------------------------------------------------ report --

def cells(text: str, starts: str) -> list[str] | None:
    """The cells of the first table row whose first cell starts with `starts`."""
    for line in text.splitlines():
        if line.startswith("| ") and line[2:].startswith(starts):
            return [c.strip().strip("*") for c in line.strip().strip("|").split("|")]
    return None


def value(text: str, starts: str, column: int = 1) -> str:
    row = cells(text, starts)
    return row[column] if row and len(row) > column else "—"


def summary(steps: dict[str, Step]) -> list[str]:
    read = {name: step.report.read_text() if step.report.exists() else "" for name, step in steps.items()}
    o, c, i, h, a, t = (read[k] for k in ("overdue query", "check-ins and floor", "inspection lists",
                                          "check-in history", "audit trail", "topology"))
    audit_rows = re.findall(r"^\s*(\d+) writers: bare\s+([\d.]+) tx/s, audited\s+([\d.]+) tx/s \(([\d.]+)\)", a, re.M)
    two = re.search(r"Two instances / one instance, both behind nginx: ([\d.]+)×", t)
    lines = ["| benchmark | figure | value | baseline in the same run | ratio | target |",
             "| --- | --- | ---: | --- | ---: | --- |",
             f"| overdue query | one county | {value(o, 'one county')} | | | < 50 ms |",
             f"| overdue query | whole country | {value(o, 'whole country')} | | | < 5 s |",
             f"| overdue query | set query per subject | {value(o, 'set query per subject')} | naive ORM loop per "
             f"subject {value(o, 'naive ORM loop')} | {value(o, 'naive / set')} | ≥ 50× |",
             f"| overdue query | mismatches (set vs naive, county vs country) | {value(o, 'mismatches, set')}, "
             f"{value(o, 'mismatches, county')} | | | 0 |",
             f"| check-in | req/s at full load, median | {value(c, 'check-in, req/s')} | floor "
             f"{value(c, 'floor (auth')} req/s | {value(c, 'check-in / floor |')} | ≥ 0.60 |",
             f"| check-in | p99 at half capacity | {value(c, 'check-in p99')} | floor at the same rate "
             f"{value(c, 'floor p99')} | | < 50 ms |",
             f"| check-in | rows vs 201s | {value(c, 'rows vs 201s')} | | | equal |",
             f"| inspection list | one county, provisional list generated and stored | "
             f"{value(i, 'one county: provisional')} | (no baseline) | | < 1 s |",
             f"| inspection list | whole country, the quarter job | {value(i, 'whole country: the quarter job')} | "
             f"(no baseline) | | < 2 min |"]
    for operation in ("check-in at home", "check-in 50 km away", "offline batch", "officer: a subject",
                      "officer: latest"):
        row = cells(h, operation) or [operation, *["—"] * 6]
        lines.append(f"| check-in history (a year, monthly partitions) | {row[0]}: median / p95 ms | {row[3]} / "
                     f"{row[4]} | | | |")
    for job in ("missed check-ins", "location retention"):
        lines.append(f"| check-in history | national job: {job}, seconds | {value(h, job)} | | | |")
    for writers, bare, audited, ratio in audit_rows:
        lines.append(f"| audit trail | {writers} writer(s), audited tx/s | {audited} | bare {bare} tx/s | {ratio} | |")
    lines.append(f"| topology | check-ins, two instances behind nginx, req/s | "
                 f"{value(t, 'two instances behind nginx')} | one instance behind nginx "
                 f"{value(t, 'one instance behind nginx')} req/s (direct {value(t, 'one instance, direct')}) | "
                 f"{two.group(1) if two else '—'} | ≥ 1.6× when the database is not the bottleneck; else the "
                 "bottleneck shown (topology report) |")
    for signal_name in ("SIGTERM", "SIGKILL"):
        row = cells(t, signal_name) or ["—"] * 9
        lines.append(f"| topology | {signal_name} to one instance under load: 201s / lost / twice | "
                     f"{row[2]} / {row[6]} / {row[7]} | | | 0 lost, 0 twice |")
    handover = re.search(r"\*\*missed (\d+), twice in job_runs (\d+), bodies not run (\d+), bodies run twice "
                         r"otherwise than for the period the kill interrupted (\d+)\*\*", t)
    lines.append(f"| topology | leading scheduler killed: periods missed / run twice / bodies not run / bodies run "
                 f"twice (other than the interrupted period) | {' / '.join(handover.groups()) if handover else '—'} "
                 f"| | | 0 / 0 / 0 / 0 |")
    drills = read["failure drills"]
    for number in "1234":
        row = cells(drills, f"{number}. ") or [f"{number}. (no report)", *["—"] * 7]
        lines.append(f"| failure drill | {row[0]}: sent / accepted / failed / lost / twice / memory | "
                     f"{' / '.join(row[1:7])} | | | {row[7]}: 0 lost, 0 twice, memory < +10 % |")
    return lines


def render(args, steps: dict[str, Step], ctx: dict) -> str:
    label = ("**QUICK RUN** (`--quick`: small data sets, one short repeat; the figures show that every benchmark "
             "runs, not what the national data set takes)") if args.quick else "full run"
    lines = [f"# Benchmark report — {ctx['when']}", "", f"{label}. Regenerate: `{ctx['command']}`.", "",
             f"- machine: {ctx['machine']}", f"- source: {ctx['commit']}",
             f"- load average before / after: {ctx['load_before']} / {ctx['load_after']} (the machine is shared: "
             "other sessions' suites and benchmarks run beside these, so absolute figures are lower bounds and the "
             "ratios, measured in the same run, are the numbers to read)", "",
             "| benchmark | command | seconds | status |", "| --- | --- | ---: | --- |"]
    for step in steps.values():
        command = shlex.join(step.command).replace(str(ROOT) + "/", "")
        command = re.sub(r"postgresql\+psycopg://\S+", "URL", command)
        lines.append(f"| {step.name} | `{command}` | {step.seconds:.0f} | {'ok' if step.status == 0 else 'FAILED'} |")
    lines += ["", "## Figures", "", *summary(steps), ""]
    for step in steps.values():
        lines += [f"## {step.name}: the benchmark's own report", ""]
        if not step.report.exists():
            lines += ["(no report: the run failed; its log is in bench/out)", ""]
        elif step.report.suffix == ".txt":
            lines += ["```", step.report.read_text().strip(), "```", ""]
        else:
            lines += [re.sub(r"^(#+) ", r"#\1\1 ", step.report.read_text().strip(), flags=re.M), ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run on small data sets (~10 min)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "REPORT.md")
    args = parser.parse_args(argv)
    out = ROOT / "bench" / "out" / f"run_all-{time.strftime('%Y%m%d-%H%M%S')}"
    out.mkdir(parents=True)
    commit = subprocess.run(["git", "log", "-1", "--format=%h %s"], cwd=ROOT, capture_output=True, text=True)
    ctx = {"when": time.strftime("%Y-%m-%d %H:%M %Z"), "machine": machine(), "load_before": loadavg(),
           "command": "bench/run_all" + (" --quick" if args.quick else ""), "commit": commit.stdout.strip()[:100]}
    scripts, in_cluster = plan(args, out)
    for step in scripts[:2]:
        step.run(out)
    run_in_cluster(in_cluster, out)
    for step in scripts[2:]:
        step.run(out)
    ctx["load_after"] = loadavg()
    steps = {step.name: step for step in [*scripts[:2], *in_cluster, *scripts[2:]]}
    args.out.write_text(render(args, steps, ctx), encoding="utf-8")
    log(f"==> {args.out} (the benchmarks' own reports and logs: {out})")
    return 0 if all(step.status == 0 for step in steps.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
