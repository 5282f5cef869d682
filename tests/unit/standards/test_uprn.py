"""UPRNs: up to 12 digits, spreadsheet damage repaired or refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.standards.errors import StandardsError
from joinedup.standards.uprn import normalise_uprn

UPRNS = [
    ("100023336956", "100023336956", "12 digits"),
    ("000100023336956", "100023336956", "zero padding removed"),
    ("100023336956.0", "100023336956", "a float from a spreadsheet"),
    (" 72 123 456 ", "72123456", "spaces"),
    (100023336956, "100023336956", "an integer"),
    ("1", "1", "one digit"),
]

REJECT = [
    ("", "blank", "blank"),
    ("0", "cannot be zero", "zero"),
    ("1234567890123", "13 digits", "too long"),
    ("1.00023E+11", "scientific notation", "digits lost in a spreadsheet"),
    ("UPRN123", "only digits", "letters"),
    ("12.5", "only digits", "a fraction"),
]


@pytest.mark.parametrize(("text", "expected", "why"), UPRNS)
def test_normalise_uprn(text: str, expected: str, why: str) -> None:
    assert normalise_uprn(text) == expected, why


@pytest.mark.parametrize(("text", "reason", "why"), REJECT)
def test_normalise_uprn_rejects(text: str, reason: str, why: str) -> None:
    with pytest.raises(StandardsError) as raised:
        normalise_uprn(text)
    assert reason in raised.value.reason, why


@given(st.integers(1, 999_999_999_999), st.integers(0, 3))
def test_round_trip(number: int, padding: int) -> None:
    assert normalise_uprn("0" * padding + str(number)) == str(number)


@given(st.text(max_size=20))
def test_idempotent_and_raises_only_standards_error(text: str) -> None:
    try:
        once = normalise_uprn(text)
    except StandardsError:
        return
    assert normalise_uprn(once) == once
