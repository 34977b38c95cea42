"""The log scan's patterns: what counts as personal data in a log record, and what does not."""

import logging

import pytest

from tests.factories import id_number
from tests.logscan import LogScan, problems


@pytest.mark.parametrize("text, kind", [
    (f"intake of {id_number()} refused", "ID number"),
    (f"bind {id_number(serial=7)[:-1]}X failed", "ID number"),
    ("call 13800000000 back", "phone number"),
    ("fix at 39.0503,121.7196 outside", "coordinates"),
    ("lat=-33.8688 lng=151.2093", "coordinates"),
    ("home 39.05 / 121.72", "a test fix's coordinates"),
])
def test_personal_data_is_found(text, kind):
    assert any(found.startswith(kind) for found in problems(text)), problems(text)


@pytest.mark.parametrize("text", [
    "job location_retention period 2026-11-26: succeeded {'checkins': 3}",
    "delivery 12 (webpush, attempt 2): 503, retry at 2026-11-26T04:00:00.123456+00:00",
    "took 0.1234 s for 12 rows",
    "login locked after 5 bad passwords until 2026-11-26T12:15:00+08:00 (lock 1)",
    "request 2147483647 not found; 20261126120000123 events",
])
def test_ordinary_records_pass(text):
    assert problems(text) == []


def test_the_handler_keeps_the_offending_record_and_the_test():
    scan, log = LogScan(), logging.getLogger("correction.test_logscan")
    log.addHandler(scan)
    log.propagate = False  # kept from the session's own scan, which would fail the run
    try:
        scan.test = "tests/unit/test_logscan.py::here"
        log.warning("subject %s moved", "13912345678")
        log.warning("nothing personal")
    finally:
        log.removeHandler(scan)
        log.propagate = True
    assert scan.seen == 2
    assert scan.offending == [("tests/unit/test_logscan.py::here", "WARNING correction.test_logscan: subject "
                               "13912345678 moved", ["phone number 13912345678"])]
