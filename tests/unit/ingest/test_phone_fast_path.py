"""The phone standardiser's shortcuts give libphonenumber's answers exactly.

``normalise_phone`` skips ``phonenumbers.parse`` for UK national numbers written in digits and
spaces, and tests +44 numbers against metadata patterns compiled once (ingest speed). Both are
checked here against the library itself on many generated numbers, valid and not, from every
region that shares +44 (GB, Guernsey, the Isle of Man, Jersey).
"""

from __future__ import annotations

import random

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.standards import phone
from joinedup.standards.errors import StandardsError

# Prefixes that reach every kind of UK number and the Crown Dependencies' own ranges.
PREFIXES = (
    "1", "2", "3", "5", "7", "8", "9", "0", "4", "6", "113", "1534", "1481", "1624", "7624",
    "7781", "7797", "7839", "7911", "7700", "77009", "7700900", "800", "845", "870", "9",
    "55", "56", "76", "70",
)  # fmt: skip


def _library(text: str) -> str:
    """What the general path of ``normalise_phone`` answers for ``text``."""
    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException:
        return "not a number"
    national = str(number.national_number)
    drama = number.country_code == 44 and phone._DRAMA_MOBILE.match(national)
    if not drama and not phonenumbers.is_valid_number(number):
        return "invalid"
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def _fast(text: str) -> str | None:
    try:
        return phone._gb_national(text)
    except StandardsError:
        return "invalid"


def test_uk_validity_matches_the_library() -> None:
    rng = random.Random(44)
    for _ in range(20_000):
        prefix = rng.choice(PREFIXES)
        length = rng.randint(max(len(prefix), 4), 12)
        national = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix)))
        number = phonenumbers.PhoneNumber(country_code=44, national_number=int(national))
        assert phone._is_valid(number) == phonenumbers.is_valid_number(number), national


def test_national_digits_match_the_parser() -> None:
    rng = random.Random(7)
    answered = 0
    for _ in range(20_000):
        prefix = "0" + rng.choice(PREFIXES)
        length = rng.choice((10, 11, 11, 12, 9))
        digits = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix)))
        if rng.random() < 0.5:
            cut = rng.randint(1, len(digits) - 1)
            digits = f"{digits[:cut]} {digits[cut:]}"
        fast = _fast(digits)
        if fast is not None:
            answered += 1
            assert fast == _library(digits), digits
    assert answered > 10_000  # the shortcut is taken for most national numbers


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("+44 7911 123456", "international form"),
        ("07911 123456 ext 12", "an extension"),
        ("(0113) 496 0000", "brackets"),
        ("0044 113 496 0000", "international prefix"),
        ("７９１１１２３４５６", "full-width digits"),
        ("0113-496-0000", "hyphens"),
    ],
)
def test_other_forms_take_the_parser(text: str, why: str) -> None:
    assert phone._gb_national(text) is None, why


def test_other_countries_take_the_library() -> None:
    number = phonenumbers.parse("+1 202 555 0143", None)
    assert phone._is_valid(number) == phonenumbers.is_valid_number(number)


def _normalised(text: str) -> str:
    try:
        return phone._normalise_phone.__wrapped__(text, "GB")
    except StandardsError:
        return "invalid"


def _reference(text: str) -> str:
    """The whole of ``normalise_phone`` done by the library alone, for the forms drawn below."""
    answer = _library(text)
    return "invalid" if answer == "not a number" else answer


@settings(max_examples=2_000, deadline=None)
@given(
    st.sampled_from(("0", "+44 ", "0044 ", "+44 (0)", "")),
    st.sampled_from(PREFIXES),
    st.text(alphabet="0123456789", min_size=0, max_size=9),
    st.sampled_from(("", " ", "  ", "-")),
)
def test_uk_numbers_match_the_library(lead: str, prefix: str, rest: str, gap: str) -> None:
    national = prefix + rest
    text = f"{lead}{national[:4]}{gap}{national[4:]}"
    assert _normalised(text) == _reference(text), text
