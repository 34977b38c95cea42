"""ID numbers (GB 11643-1999): check character, embedded birth date and sex, masking."""

from datetime import date

import pytest

from correction.rules.identity import (
    birth_date_of, check_character, id_number_problem, mask_id_number, normalize_id_number, sex_of,
)

# The standard's worked example: 11010519491231002X.
EXAMPLE = "11010519491231002X"


def test_check_character_of_the_standard_example():
    assert check_character(EXAMPLE[:17]) == "X"
    assert id_number_problem(EXAMPLE) is None


@pytest.mark.parametrize("raw, problem", [
    ("11010519491231002", "身份证号码应为18位，末位为数字或X。"),
    ("1101051949123100XX", "身份证号码应为18位，末位为数字或X。"),
    ("110105194902300021", "身份证号码中的出生日期无效。"),
    ("110105194912310021", "身份证号码校验位不正确。"),
])
def test_invalid_numbers_say_why(raw, problem):
    assert id_number_problem(raw) == problem


def test_normalize_and_decode():
    assert normalize_id_number(" 11010519491231002x ") == EXAMPLE
    assert birth_date_of(EXAMPLE) == date(1949, 12, 31)
    assert sex_of(EXAMPLE) == "female"
    assert sex_of("110105194912310010") == "male"


def test_mask_keeps_only_region_prefix_and_last_four():
    masked = mask_id_number(EXAMPLE)
    assert masked == "110***********002X"
    assert len(masked) == 18 and "19491231" not in masked
