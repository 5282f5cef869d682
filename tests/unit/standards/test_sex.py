"""Sex and gender codes to FHIR administrative gender."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.standards.errors import StandardsError
from joinedup.standards.sex import FHIR_GENDERS, normalise_sex

CODES = [
    ("1", "male", "NHS Data Dictionary 1"),
    ("2", "female", "NHS Data Dictionary 2"),
    ("9", "other", "NHS Data Dictionary 9: indeterminate"),
    ("X", "unknown", "Person Stated Gender Code X: not known"),
    ("0", "unknown", "Person Gender Code Current 0: not known"),
    (1, "male", "an integer from a spreadsheet"),
    ("2.0", "female", "a float from a spreadsheet"),
    ("M", "male", "letter"),
    ("m", "male", "lower-case letter"),
    ("Male", "male", "word"),
    (" FEMALE ", "female", "upper case, padded"),
    ("F.", "female", "trailing full stop"),
    ("U", "unknown", "letter U"),
    ("Unknown", "unknown", "word"),
    ("Not known", "unknown", "Data Dictionary wording"),
    ("Not specified", "unknown", "absence of an answer"),
    ("Prefer not to say", "unknown", "absence of an answer"),
    ("not_known", "unknown", "underscores"),
    ("I", "other", "indeterminate"),
    ("Indeterminate", "other", "indeterminate"),
    ("Non-binary", "other", "a gender beyond male and female"),
    ("other", "other", "FHIR code passes through"),
    ("248152002", "female", "SNOMED CT female"),
]


@pytest.mark.parametrize(("text", "expected", "why"), CODES)
def test_normalise_sex(text: str, expected: str, why: str) -> None:
    assert normalise_sex(text) == expected, why


@pytest.mark.parametrize(
    ("text", "reason"), [("", "blank"), ("Q", "not a recognised"), (3, "not a")]
)
def test_normalise_sex_rejects(text: str, reason: str) -> None:
    with pytest.raises(StandardsError, match=reason):
        normalise_sex(text)


@pytest.mark.parametrize("code", FHIR_GENDERS)
def test_fhir_codes_are_fixed_points(code: str) -> None:
    assert normalise_sex(code) == code


@given(st.text(max_size=20))
def test_raises_only_standards_error_and_lands_in_fhir(text: str) -> None:
    with contextlib.suppress(StandardsError):
        assert normalise_sex(text) in FHIR_GENDERS
