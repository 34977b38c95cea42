"""Where one check-in's time goes, for bench/checkins.py: in-process, one request at a time, no load.

Through Flask's test client on the same app, database and bodies as the load (no gunicorn, no HTTP parsing):

- the time per request of the check-in endpoint and of the floor, one after the other on an idle server (the
  service time; under load the ratio of throughputs follows it, plus contention);
- every SQL statement each request sends (a `before/after_cursor_execute` listener on the engine) and the
  commits, with the time spent in the driver;
- cProfile over the check-in requests: the functions with the most cumulative and own time.
"""

import cProfile
import io
import pstats
import random
import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from checkins_data import Entry, body
from correction.db import db

CHECKIN = "/api/v1/me/checkins"
FLOOR = "/bench/floor/checkins"


@dataclass
class Profile:
    requests: int
    ms: dict = field(default_factory=dict)            # endpoint -> median ms per request
    statuses: dict = field(default_factory=dict)      # endpoint -> Counter of statuses
    statements: dict = field(default_factory=dict)    # endpoint -> Counter of statements per request
    sql_ms: dict = field(default_factory=dict)        # endpoint -> median ms in the driver per request
    commit_ms: dict = field(default_factory=dict)     # endpoint -> median ms in COMMIT (the WAL flush) per request
    commits: dict = field(default_factory=dict)       # endpoint -> median commits per request
    by_statement: dict = field(default_factory=dict)  # endpoint -> {"INSERT checkins" etc. -> ms of each run}
    example: list = field(default_factory=list)       # check-in: the statements of one 'home' request
    example_profile: str = ""
    cumulative: str = ""
    own: str = ""


class SqlTrace:
    """Statements and commits on the app's engine while `active`, with the time in the driver and in COMMIT."""

    def __init__(self, engine: sa.Engine):
        self.active = False
        self.reset()
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)
        sa.event.listen(engine, "commit", self._commit)
        sa.event.listen(Session, "after_commit", self._committed)

    def reset(self) -> None:
        self.statements, self.timed, self.commits, self.seconds = [], [], 0, 0.0
        self.commit_seconds, self._commit_started = 0.0, None

    def _before(self, _conn, _cursor, statement, _parameters, context, _many):
        if self.active:
            context._bench_started = time.perf_counter()
            self.statements.append(statement)

    def _after(self, _conn, _cursor, statement, _parameters, context, _many):
        if self.active and hasattr(context, "_bench_started"):
            seconds = time.perf_counter() - context._bench_started
            self.seconds += seconds
            self.timed.append((_label(statement), seconds))

    def _commit(self, _conn):
        if self.active:
            self.commits += 1
            self._commit_started = time.perf_counter()

    def _committed(self, _session):
        if self.active and self._commit_started is not None:
            self.commit_seconds += time.perf_counter() - self._commit_started
            self._commit_started = None


def _short(statement: str) -> str:
    return re.sub(r"\s+", " ", statement).strip()[:220]


def _label(statement: str) -> str:
    """What a statement is about: its verb and the tables it names, e.g. "SELECT subjects, spot_checks"."""
    words = statement.split(None, 1)
    tables = re.findall(r"\b(?:FROM|JOIN|INTO|UPDATE)\s+(\w+)", statement, re.IGNORECASE)
    return f"{words[0].upper() if words else '?'} {', '.join(dict.fromkeys(tables)) or '?'}"


def profile(app: Flask, entries: list[Entry], count: int, seed_value: int, run_id: str) -> Profile:
    """`count` requests to each endpoint (after 20 to warm up), then the same check-ins under cProfile."""
    rng = random.Random(seed_value + 3)
    found = Profile(count)
    client = app.test_client()
    with app.app_context():
        trace = SqlTrace(db.engine)
    for endpoint, path, tag in (("check-in", CHECKIN, f"{run_id}-pc"), ("floor", FLOOR, f"{run_id}-pf")):
        times, statements, sql_ms, commit_ms, commits, statuses = [], Counter(), [], [], [], Counter()
        for i in range(20 + count):
            entry = entries[i % len(entries)]
            payload = body(entry, rng, f"{tag}-{i}")
            trace.reset()
            trace.active = i >= 20
            started = time.perf_counter()
            response = client.post(path, json=payload, headers={"Authorization": f"Bearer {entry.token}"})
            elapsed = time.perf_counter() - started
            trace.active = False
            if i < 20:
                continue
            times.append(elapsed * 1000)
            statuses[response.status_code] += 1
            statements[len(trace.statements)] += 1
            sql_ms.append(trace.seconds * 1000)
            commit_ms.append(trace.commit_seconds * 1000)
            commits.append(trace.commits)
            for label, seconds in trace.timed:
                found.by_statement.setdefault(endpoint, {}).setdefault(label, []).append(seconds * 1000)
            if endpoint == "check-in":
                if not found.example and entry.profile == "home" and response.status_code == 201:
                    found.example = [_short(s) for s in trace.statements]
                    found.example_profile = f"{entry.profile} (subject {entry.subject_id})"
        found.ms[endpoint], found.statuses[endpoint] = statistics.median(times), statuses
        found.statements[endpoint], found.sql_ms[endpoint] = statements, statistics.median(sql_ms)
        found.commits[endpoint], found.commit_ms[endpoint] = statistics.median(commits), statistics.median(commit_ms)
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(count):
        entry = entries[i % len(entries)]
        client.post(CHECKIN, json=body(entry, rng, f"{run_id}-pp-{i}"),
                    headers={"Authorization": f"Bearer {entry.token}"})
    profiler.disable()
    for attribute, key in (("cumulative", "cumulative"), ("own", "tottime")):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(key).print_stats(25)
        setattr(found, attribute, out.getvalue().strip())
    return found
