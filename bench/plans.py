"""Query plans for the benchmark reports: the statements a service call sends, captured as sent, and
EXPLAIN (ANALYZE, BUFFERS) of each read (bench/inspections.py, bench/checkin_plans.py). Not a test."""

import re

import sqlalchemy as sa

from correction.db import db

READ = re.compile(r"^\s*(SELECT|WITH)\b", re.I)


def captured(fn) -> tuple[object, list[tuple[str, object]]]:
    """`fn()` and the statements it sent (each with its parameters), in order."""
    sent: list[tuple[str, object]] = []

    def listen(_conn, _cursor, statement, parameters, _context, many):
        if not many:
            sent.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", listen)
    try:
        result = fn()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listen)
    return result, sent


def explain(statement: str, parameters, options: str = "ANALYZE, BUFFERS") -> str:
    """EXPLAIN (`options`) of one statement, run in a transaction that is rolled back; a statement that cannot run
    again (a table the call itself dropped) says why instead."""
    try:
        rows = db.session.connection().exec_driver_sql(f"EXPLAIN ({options}) " + statement, parameters).all()
    except sa.exc.ProgrammingError as error:
        return f"(not explained: {str(error.orig).splitlines()[0]})"
    finally:
        db.session.rollback()
    return "\n".join(row[0] for row in rows)


def sections(title: str, sent: list[tuple[str, object]], level: str = "###") -> list[str]:
    """Markdown: each read among `sent`, its SQL and its plan; writes are listed by their first line only."""
    lines, reads = [f"{level} {title}", ""], 0
    writes = [statement.split("\n", 1)[0][:100] for statement, _ in sent if not READ.match(statement)]
    for statement, parameters in sent:
        if READ.match(statement):
            reads += 1
            lines += [f"{reads}. SQL:", "", "```sql", statement.strip(), "```", "", "Plan:", "", "```",
                      explain(statement, parameters), "```", ""]
    if writes:
        lines += ["Writes in the same call (not explained): " + "; ".join(f"`{w}`" for w in writes), ""]
    return lines
