"""Personal data kept out of logs: ID numbers, mobile phone numbers and coordinates are replaced before a record
is written, in its message and in the text of its exception (an exception's text can quote a row, e.g. the
parameters of a failed SQL statement)."""

import logging
import re

# 居民身份证: region, birth date (19xx/20xx), order, check character.
ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
                       r"[0-9]{3}[0-9Xx](?![0-9])")
PHONE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
# A latitude and a longitude with four or more decimals (about 11 m) close together.
COORDINATES = re.compile(r"(?<![0-9.])-?[0-9]{1,2}\.[0-9]{4,}(?![0-9])[^0-9]{1,24}?-?[0-9]{1,3}\.[0-9]{4,}(?![0-9])")


def redact(text: str) -> str:
    """`text` with ID numbers, phone numbers and coordinates replaced by placeholders."""
    text = ID_NUMBER.sub("[id-number]", text)
    text = PHONE.sub("[phone]", text)
    return COORDINATES.sub("[coordinates]", text)


class RedactingFilter(logging.Filter):
    """A logger filter that redacts the record's message and exception text in place (the record is kept)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


def install(*loggers: logging.Logger) -> None:
    """Redact what `loggers` log (filters run where a record is made, so each logger that may log personal data
    gets one)."""
    for logger in loggers:
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
