"""NHS numbers: Modulus 11, separators, placeholders, masked reasons."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.standards.errors import StandardsError
from joinedup.standards.nhs_number import (
    is_valid_nhs_number,
    mask_nhs_number,
    nhs_check_digit,
    normalise_nhs_number,
)

VALID = [
    ("9434765919", "9434765919", "plain"),
    ("943 476 5919", "9434765919", "3-3-4 with spaces"),
    ("943-476-5919", "9434765919", "3-3-4 with hyphens"),
    (" 943.476.5919 ", "9434765919", "dots and padding"),
    ("9434765919.0", "9434765919", "a spreadsheet float"),
    (9434765919, "9434765919", "an integer"),
    ("4010232137", "4010232137", "a published test number"),
    ("9990000018", "9990000018", "zeros in the middle"),
    ("4000000020", "4000000020", "11 - 0 = 11 gives a check digit of 0"),
    # Typed with its label into a free-text field (was "must contain only digits").
    ("NHS: 943 476 5919", "9434765919", "a label"),
    ("NHS No. 943 476 5919", "9434765919", "NHS No."),
    ("nhs number 9434765919", "9434765919", "in lower case"),
]

INVALID = [
    ("9434765918", "943****918 fails the Modulus 11 check", "wrong check digit"),
    ("943476591", "9 digits", "too short"),
    ("94347659190", "11 digits", "too long"),
    ("1111111111", "one repeated digit", "passes Modulus 11 by accident, a placeholder"),
    ("0000000000", "one repeated digit", "placeholder"),
    ("943476591X", "only digits", "a letter"),
    ("NHS: 9434765918", "fails the Modulus 11 check", "a label does not excuse the digits"),
    ("", "blank", "blank"),
    ("1000000010", "can never be valid", "the check digit would be 10"),
    ("٩٤٣٤٧٦٥٩١٩", "only digits", "non-ASCII digits"),
    ("9.43477E+09", "scientific notation", "Excel's display of a long number: digits lost"),
    ("9.434765919e+09", "scientific notation", "never corrected, whatever digits survive"),
]


@pytest.mark.parametrize(("text", "expected", "why"), VALID)
def test_normalise_nhs_number(text: str | int, expected: str, why: str) -> None:
    assert normalise_nhs_number(text) == expected, why


@pytest.mark.parametrize(("text", "reason", "why"), INVALID)
def test_normalise_nhs_number_rejects(text: str, reason: str, why: str) -> None:
    with pytest.raises(StandardsError) as raised:
        normalise_nhs_number(text)
    assert reason in raised.value.reason, why
    assert "9434765918" not in raised.value.reason, "reasons show the number masked"


def test_check_digit_ten_means_never_valid() -> None:
    assert nhs_check_digit("100000001") is None


def test_mask() -> None:
    assert mask_nhs_number("9434765919") == "943****919"


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_every_nine_digits_have_at_most_one_check_digit(first_nine: str) -> None:
    check = nhs_check_digit(first_nine)
    valid = [d for d in "0123456789" if is_valid_nhs_number(first_nine + d)]
    if check is None or len(set(first_nine + str(check))) == 1:
        assert valid == []
    else:
        assert valid == [str(check)]


@given(st.text(max_size=16))
def test_normalise_is_idempotent_and_raises_only_standards_error(text: str) -> None:
    try:
        once = normalise_nhs_number(text)
    except StandardsError:
        return
    assert normalise_nhs_number(once) == once


def _outcome(text: str) -> str:
    try:
        return normalise_nhs_number(text)
    except StandardsError as exc:
        return f"error: {exc.reason}"


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_ten_digit_shortcut_agrees_with_the_full_check(digits: str) -> None:
    # Ten bare digits take a shortcut; padded with a space they take the full clean-up.
    assert _outcome(digits) == _outcome(f" {digits} ")


@given(st.integers(min_value=0, max_value=999_999_999))
def test_ten_digit_shortcut_on_valid_numbers(first: int) -> None:
    nine = f"{first:09d}"
    check = nhs_check_digit(nine)
    if check is None or len(set(nine + str(check))) == 1:
        return
    assert normalise_nhs_number(nine + str(check)) == nine + str(check)
    assert _outcome(nine + str((check + 1) % 10)).startswith("error")
