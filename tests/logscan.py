"""The log scan: every record logged anywhere in the suite is checked for ID numbers, phone numbers and coordinates.

tests/conftest.py attaches `LogScan` to the root logger for the whole session, with the service's own loggers at
DEBUG (the rest at INFO) so the scan sees what production would log and more, and fails the session at its end
listing the offending records and the tests that logged them. The patterns are the ones the service redacts with
(correction/redaction.py); the tests' own fixes are added here.
"""

import logging
import re

from correction.redaction import COORDINATES, ID_NUMBER, PHONE

# The fixes the tests use with fewer decimals: the latitude and the longitude of one of them in one record.
def _exactly(number: str) -> re.Pattern:
    return re.compile(rf"(?<![0-9]){re.escape(number)}(?![0-9])")


KNOWN_FIXES = [(_exactly(lat), _exactly(lng))
               for lat, lng in (("39.05", "121.72"), ("39.06", "121.73"), ("39.05", "121.65"), ("38.879", "121.586"),
                                ("39.915", "116.404"), ("41.8", "123.4"))]
OWN_LOGGERS = ("config", "correction", "mobile_api", "scheduler", "sqjz", "wsgi")


def problems(text: str) -> list[str]:
    """What in `text` must never be logged."""
    found = [f"ID number {m}" for m in ID_NUMBER.findall(text)]
    found += [f"phone number {m}" for m in PHONE.findall(text)]
    found += [f"coordinates {m}" for m in COORDINATES.findall(text)]
    found += ["a test fix's coordinates" for lat, lng in KNOWN_FIXES if lat.search(text) and lng.search(text)]
    return found


class LogScan(logging.Handler):
    """Keeps the records that carry personal data, with the test that was running."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.test = "(outside any test)"
        self.seen = 0
        self.offending: list[tuple[str, str, list[str]]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen += 1
        text = self.format(record)
        found = problems(text)
        if found:
            self.offending.append((self.test, text[:500], found))

    def report(self) -> str:
        lines = [f"{len(self.offending)} of {self.seen} log records carry personal data:"]
        lines += [f"  {test}: {', '.join(found)}\n    {text}" for test, text, found in self.offending]
        return "\n".join(lines)


def attach(scan: LogScan) -> dict[str, int]:
    """Attach `scan` to the root logger (again, after Alembic's fileConfig replaced the root's handlers and level
    when a test migrated); the levels it found, to put back at the end."""
    root = logging.getLogger()
    changed = {"": root.level, **{name: logging.getLogger(name).level for name in OWN_LOGGERS}}
    if scan not in root.handlers:
        root.addHandler(scan)
    root.setLevel(logging.INFO)
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    return changed


def detach(scan: LogScan, changed: dict[str, int]) -> None:
    logging.getLogger().removeHandler(scan)
    for name, level in changed.items():
        logging.getLogger(name).setLevel(level)
