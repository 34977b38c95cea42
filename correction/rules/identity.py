"""Resident identity card numbers (居民身份证号码, GB 11643-1999): validation and masking."""

import re
from datetime import date

from correction.errors import RuleViolation

_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]
_CHECK = "10X98765432"
_PATTERN = re.compile(r"^\d{17}[\dX]$")


def normalize_id_number(raw: str) -> str:
    """Strip spaces and upper-case the check character."""
    return raw.strip().replace(" ", "").upper()


def check_character(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=False)) % 11]


def id_number_problem(id_number: str) -> str | None:
    """Why a normalised 18-character ID number is invalid (Chinese), or None when it is valid."""
    if not _PATTERN.match(id_number):
        return "身份证号码应为18位，末位为数字或X。"
    if birth_date_of(id_number) is None:
        return "身份证号码中的出生日期无效。"
    if check_character(id_number[:17]) != id_number[17]:
        return "身份证号码校验位不正确。"
    return None


def checked_id_number(id_number: str, sex: str, birth_date: date | None = None) -> str:
    """The normalised ID number of a person whose sex (and birth date, when given) was entered beside it.

    :raises RuleViolation: the number is invalid or disagrees with the sex or the birth date.
    """
    normalized = normalize_id_number(id_number)
    problem = id_number_problem(normalized)
    if problem:
        raise RuleViolation.on("id_number", problem)
    if birth_date is not None and birth_date_of(normalized) != birth_date:
        raise RuleViolation.on("birth_date", "出生日期与身份证号码不一致。")
    if sex_of(normalized) != sex:
        raise RuleViolation.on("sex", "性别与身份证号码不一致。")
    return normalized


def birth_date_of(id_number: str) -> date | None:
    """The birth date encoded in positions 7–14, or None if it is not a real date."""
    try:
        return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def sex_of(id_number: str) -> str:
    """'male' or 'female' from the 17th digit (odd = male)."""
    return "male" if int(id_number[16]) % 2 else "female"


def mask_id_number(id_number: str) -> str:
    """Keep the first three and last four characters: 210***********123X."""
    return id_number[:3] + "*" * (len(id_number) - 7) + id_number[-4:]
