"""What the audit trail costs a write, alone and under concurrent writers (bench-only; run by hand).

Each transaction stores one check-in row as `record_checkin` does (an ORM INSERT, then COMMIT). With the audit
listeners installed (as every app has them) the commit also appends the entry — on PostgreSQL one statement that
locks the head, hashes, moves the head and inserts — holding the head's row lock until the commit is durable;
without them it is the bare write. On a migrated PostgreSQL database, alternating audited and bare blocks:

- one writer: median milliseconds per transaction and the statements it sends;
- W writers (threads, a session each) for `--seconds`: transactions per second;
- `audit.verify`: entries checked per second.

    .venv/bin/python bench/audit.py --database-url postgresql+psycopg://sqjz@127.0.0.1:5432/sqjz_bench
"""

import argparse
import statistics
import threading
import time
from datetime import UTC, date, datetime

import flask_migrate
import sqlalchemy as sa
from flask_sqlalchemy.session import Session

from correction.db import db
from correction.models import CheckIn, Subject, Unit, UnitKind
from correction.services import audit, audit_hooks
from mobile_api import create_app


def audited(on: bool) -> None:
    for name, listener in audit_hooks.LISTENERS:
        if on:
            audit_hooks.install()
        elif sa.event.contains(Session, name, listener):
            sa.event.remove(Session, name, listener)


def a_subject() -> int:
    county = Unit(kind=UnitKind.county_agency, code=f"bench-{time.time_ns()}", name="基准县")
    office = Unit(kind=UnitKind.judicial_office, code=f"bench-{time.time_ns()}-1", name="基准所", parent=county)
    subject = Subject(name="基准", id_number_cipher=b"-", id_number_digest=f"{time.time_ns():064d}",
                      id_number_masked="-", sex="male", birth_date=date(1980, 1, 1), category="probation",
                      judgment_date=date(2026, 1, 1), effective_date=date(2026, 1, 1), term_start=date(2026, 1, 1),
                      term_end=date(2027, 1, 1), address="-", county=county, office=office, level="ordinary",
                      status="under_correction", report_in_due=date(2026, 1, 11))
    db.session.add(subject)
    db.session.commit()
    return subject.id


def write(subject_id: int) -> None:
    now = datetime.now(UTC)
    db.session.add(CheckIn(subject_id=subject_id, lat=39.05, lng=121.72, coord_type="wgs84", accuracy_m=20,
                           captured_at=now, received_at=now, wgs_lat=39.05, wgs_lng=121.72, verdict="inside"))
    db.session.commit()


def one_writer(subject_id: int, count: int) -> tuple[float, int]:
    """(median ms per transaction, statements per transaction)."""
    statements = []

    def counted(*_args) -> None:
        statements.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", counted)
    times = []
    for _ in range(count):
        started = time.perf_counter()
        write(subject_id)
        times.append((time.perf_counter() - started) * 1000)
    sa.event.remove(db.engine, "before_cursor_execute", counted)
    return statistics.median(times), len(statements) // count


def many_writers(app, subject_id: int, writers: int, seconds: float) -> float:
    """Transactions per second of `writers` threads writing as fast as they can for `seconds`."""
    done, stop = [0] * writers, time.monotonic() + seconds
    barrier = threading.Barrier(writers)

    def run(index: int) -> None:
        with app.app_context():
            barrier.wait()
            while time.monotonic() < stop:
                write(subject_id)
                done[index] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(writers)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--count", type=int, default=300, help="transactions per one-writer block")
    parser.add_argument("--writers", default="1,2,4,8,16")
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": args.database_url,
                                 "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 20, "max_overflow": 5}})
    with app.app_context():
        flask_migrate.upgrade()
        subject_id = a_subject()
        print(f"server: {db.session.scalar(sa.text('SHOW server_version'))}, "
              f"fsync={db.session.scalar(sa.text('SHOW fsync'))}, "
              f"synchronous_commit={db.session.scalar(sa.text('SHOW synchronous_commit'))}")
        print("one writer: median ms per transaction (statements), 3 alternating blocks")
        for block in range(3):
            for on in (True, False):
                audited(on)
                ms, statements = one_writer(subject_id, args.count)
                print(f"  block {block + 1} {'audited' if on else 'bare   '}: {ms:6.2f} ms ({statements} statements)")
    for writers in (int(w) for w in args.writers.split(",")):
        rates = {}
        for on in (False, True):
            audited(on)
            rates[on] = many_writers(app, subject_id, writers, args.seconds)
        print(f"{writers:3d} writers: bare {rates[False]:7.1f} tx/s, audited {rates[True]:7.1f} tx/s "
              f"({rates[True] / rates[False]:.2f})")
    audited(True)
    with app.app_context():
        started = time.perf_counter()
        result = audit.verify()
        seconds = time.perf_counter() - started
        print(f"verify: {result.checked} entries in {seconds:.2f} s ({result.checked / seconds:,.0f}/s), "
              f"problem: {result.problem}")


if __name__ == "__main__":
    main()
