"""Redaction of personal data from log records: the message, its arguments and the exception's text."""

import logging

from correction.redaction import RedactingFilter, redact
from tests.factories import id_number


def test_redact_replaces_id_numbers_phones_and_coordinates():
    text = f"{id_number()} called from 13800000000 at 39.0503, 121.7196 (delivery 12, 0.1234 s)"
    assert redact(text) == "[id-number] called from [phone] at [coordinates] (delivery 12, 0.1234 s)"


def test_the_filter_redacts_the_message_and_the_exception_but_keeps_the_record():
    try:
        raise ValueError(f"duplicate row ({id_number()}, '13900000000')")
    except ValueError as exc:
        record = logging.LogRecord("sqjz", logging.ERROR, __file__, 1, "intake of %s failed", (id_number(),),
                                   (type(exc), exc, exc.__traceback__))
    assert RedactingFilter().filter(record) is True
    text = logging.Formatter().format(record)
    assert "intake of [id-number] failed" in text and "duplicate row ([id-number], '[phone]')" in text
    assert id_number() not in text and "13900000000" not in text and record.exc_info[0] is ValueError
