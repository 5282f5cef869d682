"""Placeholders for "not known" in fields that are not names."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.standards.placeholders import is_placeholder, placeholder_reason

CASES = [
    ("N/K", True, "the commonest"),
    ("n/k", True, "any case"),
    ("N / K", True, "spaced slash"),
    ("N.K.", True, "dotted"),
    ("NK", True, "run together"),
    ("Not Known", True, "in words"),
    ("not  known", True, "doubled space"),
    ("Unknown", True, "unknown"),
    ("UNK", True, "HL7's code"),
    ("-", True, "a dash"),
    ("N/A", True, "not applicable"),
    ("Not recorded", True, "not recorded"),
    ("TBC", True, "to be confirmed"),
    ("Ex-directory", True, "a phone number kept private"),
    ("ex directory", True, "spaced"),
    ("Number withheld", True, "withheld"),
    # A spreadsheet's error values, as a CSV saved from the sheet writes them.
    ("#REF!", True, "a broken reference"),
    ("#N/A", True, "a failed look-up"),
    ("#VALUE!", True, "a wrong type"),
    ("#DIV/0!", True, "division by zero"),
    ("#NAME?", True, "an unknown function"),
    ("Err:502", True, "LibreOffice's error"),
    ("#1", False, "a number with a hash is no error"),
    ("", False, "empty is empty, not a placeholder"),
    ("...", False, "an ellipsis is no known marker"),
    ("LS6 2AB", False, "a postcode"),
    ("03/04/1961", False, "a date"),
    ("Nk@example.org", False, "an email"),
    ("Unknown Road", False, "longer text"),
]


@pytest.mark.parametrize(("text", "expected", "why"), CASES)
def test_is_placeholder(text: str, expected: bool, why: str) -> None:
    assert is_placeholder(text) is expected, why


def test_the_reason_names_the_placeholder_only() -> None:
    assert placeholder_reason(" N/K ") == "'N/K' is a placeholder for not known: treated as missing"


@given(st.text(max_size=30) | st.none() | st.integers())
def test_never_raises(value: object) -> None:
    is_placeholder(value)


def test_a_spreadsheet_error_is_said_to_be_one() -> None:
    assert placeholder_reason("#REF!") == (
        "'#REF!' is a spreadsheet formula's error, not a value: treated as missing "
        "(fix the formula in the source workbook)"
    )
