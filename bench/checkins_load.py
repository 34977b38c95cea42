"""Load for bench/checkins.py: wrk at full load, and an open-loop fixed-rate generator for the latency run.

Full load (capacity): `wrk -t1 -c16` with bench/checkins.lua, closed loop: each connection sends its next request
when the previous answer arrives, so req/s is the server's throughput on this machine (wrk shares the 2 cores).

Fixed rate (latency at half capacity): wrk measures latency from when it actually sent a request, so when the
server stalls, the requests it would have sent meanwhile are never sent and never counted (coordinated omission);
wrk2 corrects this but is not packaged, and `hey -q` has the same problem and cannot vary the body. `run_rate`
is therefore a small open-loop generator: request i is due at t0 + i / rate whatever happened before; each gets
its own TCP connection (gunicorn's sync workers close the connection after every answer anyway), and its latency
is measured from the instant it was DUE, not from when it was sent. A server or generator that falls behind
shows up in the percentiles instead of hiding. The generator's own lag (sent − due) is reported separately.
"""

import asyncio
import json
import math
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

LUA = Path(__file__).resolve().parent / "checkins.lua"
ID_PATTERN = re.compile(rb'"id"\s*:\s*(\d+)')


@dataclass
class Run:
    """One load run against one endpoint: what was sent, what came back, how fast."""

    endpoint: str
    tag: str
    mode: str                 # "wrk" (closed loop, full load) or "rate" (open loop)
    seconds: float
    sent: int = 0
    created: int = 0          # 201s
    statuses: Counter = field(default_factory=Counter)  # every other status
    errors: Counter = field(default_factory=Counter)    # socket errors and timeouts
    latency_ms: dict = field(default_factory=dict)      # p50, p90, p99, max
    ids: set = field(default_factory=set)               # row ids from the 201s
    first_error: str = ""
    target_rate: float | None = None
    lag_ms: dict = field(default_factory=dict)          # open loop: sent − due
    warmup: bool = False
    rows: dict = field(default_factory=dict)            # the check against the database (bench/checkins.py)
    waits: dict = field(default_factory=dict)           # mean backends waiting on a lock, on the WAL, active

    @property
    def rps(self) -> float:
        """Answers per second (201s only: with errors, a fast error is not throughput)."""
        return self.created / self.seconds if self.seconds else 0.0

    @property
    def failures(self) -> int:
        return sum(self.statuses.values()) + sum(self.errors.values())


def _progress(label: str, started: float, seconds: float) -> None:
    elapsed = time.monotonic() - started
    tty = sys.stderr.isatty()
    print(f"  {label:<34} {min(elapsed, seconds):5.0f}/{seconds:.0f} s", end="\r" if tty else "\n",
          file=sys.stderr, flush=True)


def run_wrk(url: str, data: Path, tag: str, endpoint: str, seconds: float, connections: int, threads: int,
            work: Path, label: str) -> Run:
    """Run wrk for `seconds` at full load and collect its BENCH line and the ids of the 201s."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk (bench/run_checkins installs it when root)")
    ids = work / f"ids-{tag}"
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:.0f}s", "--timeout", "10s", "-s", str(LUA),
               url, "--", str(data), tag, str(ids)]
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    shown = started
    while process.poll() is None:
        time.sleep(0.2)
        if time.monotonic() - shown >= (1 if sys.stderr.isatty() else 10):
            shown = time.monotonic()
            _progress(label, started, seconds)
    if sys.stderr.isatty():  # finish the bar's line
        _progress(label, started, seconds)
        print(file=sys.stderr)
    output = process.stdout.read()
    line = next((ln for ln in output.splitlines() if ln.startswith("BENCH ")), None)
    if process.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({process.returncode}):\n{output}")
    found = json.loads(line.removeprefix("BENCH "))
    run = Run(endpoint, tag, "wrk", found["duration_us"] / 1e6, sent=found["sent"], created=found["created"],
              first_error=found["first_error"])
    for code, count in found["other"]:
        run.statuses[code] += count
    run.errors.update({k: v for k, v in found["errors"].items() if v and k != "status"})
    run.latency_ms = {k: v / 1000 for k, v in found["latency_us"].items()}
    for path in work.glob(f"ids-{tag}.*"):
        run.ids.update(int(x) for x in path.read_text().split())
        path.unlink()
    return run


def _percentiles(values: list[float]) -> dict:
    if not values:
        return {}
    ordered = sorted(values)

    def at(p: float) -> float:  # nearest rank
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]
    return {"p50": at(50), "p90": at(90), "p99": at(99), "max": ordered[-1]}


async def _one(host: str, port: int, payload: bytes, due: float, run: Run, latencies: list, lags: list,
               timeout: float) -> None:
    loop = asyncio.get_running_loop()
    lags.append((loop.time() - due) * 1000)
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(payload)
            answer = await reader.read()  # the sync worker closes the connection after the answer
            writer.close()
    except TimeoutError:
        run.errors["timeout"] += 1
        return
    except OSError as exc:
        run.errors[type(exc).__name__] += 1
        return
    latencies.append((loop.time() - due) * 1000)
    try:
        status = int(answer[9:12])
    except ValueError:
        run.errors["bad_response"] += 1
        return
    if status == 201:
        run.created += 1
        if (found := ID_PATTERN.search(answer, answer.find(b"\r\n\r\n"))) is not None:
            run.ids.add(int(found.group(1)))
    else:
        run.statuses[status] += 1
        if not run.first_error:
            run.first_error = answer.decode("utf-8", "replace").split("\r\n\r\n", 1)[-1][:300]


async def _rate(host: str, port: int, make_request: Callable[[int], bytes], rate: float, seconds: float,
                run: Run, label: str, timeout: float, max_outstanding: int) -> None:
    loop = asyncio.get_running_loop()
    latencies, lags, tasks = [], [], set()
    total = int(rate * seconds)
    payloads = [make_request(i) for i in range(total)]  # built before t0: the schedule does not wait for them
    start, started = loop.time() + 0.05, time.monotonic() + 0.05
    shown = started
    for i, payload in enumerate(payloads):
        due = start + i / rate
        if (delay := due - loop.time()) > 0:
            await asyncio.sleep(delay)
        if len(tasks) >= max_outstanding:
            run.errors["generator_overflow"] += 1
            continue
        run.sent += 1
        task = asyncio.create_task(_one(host, port, payload, due, run, latencies, lags, timeout))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        if time.monotonic() - shown >= (1 if sys.stderr.isatty() else 10):
            shown = time.monotonic()
            _progress(label, started, seconds)
    if tasks:
        await asyncio.wait(tasks)
    run.latency_ms, run.lag_ms = _percentiles(latencies), _percentiles(lags)


def run_rate(host: str, port: int, make_request: Callable[[int], bytes], rate: float, seconds: float, tag: str,
             endpoint: str, label: str, timeout: float = 10.0, max_outstanding: int = 2000) -> Run:
    """Open-loop load at `rate` requests per second for `seconds`; waits for every answer before returning,
    so every accepted request is counted (rows must equal 201s exactly)."""
    run = Run(endpoint, tag, "rate", seconds, target_rate=rate)
    asyncio.run(_rate(host, port, make_request, rate, seconds, run, label, timeout, max_outstanding))
    if sys.stderr.isatty():  # finish the bar's line
        _progress(label, time.monotonic() - seconds, seconds)
        print(file=sys.stderr)
    return run
