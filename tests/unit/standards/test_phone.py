"""Phone numbers to E.164."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.standards.errors import StandardsError
from joinedup.standards.phone import is_mobile, normalise_phone, split_phones

PHONES = [
    ("07911 123456", "+447911123456", "UK mobile, national form"),
    ("07911-123456", "+447911123456", "hyphen"),
    ("+44 7911 123456", "+447911123456", "international form"),
    ("+44 (0) 7911 123456", "+447911123456", "the (0) people write"),
    ("0044 7911 123456", "+447911123456", "00 international prefix"),
    ("7911123456", "+447911123456", "leading zero lost in a spreadsheet"),
    ("(0113) 496 0000", "+441134960000", "Leeds, area code in brackets"),
    ("0113 496 0000 ext 123", "+441134960000", "extension dropped"),
    ("0113 496 0000 x12", "+441134960000", "short extension dropped"),
    ("020 7946 0000", "+442079460000", "London"),
    ("0800 123 4567", "+448001234567", "freephone"),
    ("07700 900123", "+447700900123", "Ofcom drama mobile range"),
    ("+1 202 555 0143", "+12025550143", "a US number with its country code"),
    ("01134960000.0", "+441134960000", "a spreadsheet float"),
    ("+441134960000", "+441134960000", "already E.164"),
    ("07700 900123 (mum)", "+447700900123", "a note after the number, in brackets"),
    ("0113 496 0000 - work", "+441134960000", "a note after a dash"),
    ("07700 900123 mobile", "+447700900123", "a word after the number"),
    ("Mum: 07700 900123", "+447700900123", "a note before the number"),
    ("(0113) 496 0000 (home)", "+441134960000", "brackets around the code and a note"),
]

REJECT = [
    ("", "blank", "blank"),
    ("999", "not a valid", "emergency number is not a contact number"),
    ("hello", "not a phone number", "words"),
    ("07911 12345", "not a valid", "a digit short"),
    ("07700 600001", "not a valid", "an unallocated mobile range"),
    ("07700900123;01134960000", "more than one", "libphonenumber would drop the second"),
    ("7.7009E+09", "scientific notation", "a spreadsheet has lost the digits"),
]


@pytest.mark.parametrize(("text", "expected", "why"), PHONES)
def test_normalise_phone(text: str, expected: str, why: str) -> None:
    assert normalise_phone(text) == expected, why


@pytest.mark.parametrize(("text", "reason", "why"), REJECT)
def test_normalise_phone_rejects(text: str, reason: str, why: str) -> None:
    with pytest.raises(StandardsError) as raised:
        normalise_phone(text)
    assert reason in raised.value.reason, why


SPLIT = [
    ("07700900123 / 0113 4960000", ("07700900123", "0113 4960000"), "slash"),
    ("07700 900123; 0113 496 0000", ("07700 900123", "0113 496 0000"), "semicolon"),
    ("07700900123,0113 4960000", ("07700900123", "0113 4960000"), "comma"),
    ("07700900123 or 0113 4960000", ("07700900123", "0113 4960000"), "or"),
    ("07700900123 OR 0113 4960000", ("07700900123", "0113 4960000"), "OR"),
    (
        "07700900123 | 07700900124 | 0113 4960000",
        ("07700900123", "07700900124", "0113 4960000"),
        "three",
    ),
    (
        "0113 496 0000 ext 12, 07700900123",
        ("0113 496 0000 ext 12", "07700900123"),
        "extension kept",
    ),
    ("0113 496 0000, ext 12", ("0113 496 0000, ext 12",), "one number and its extension"),
    ("0113 496 0000/1", ("0113 496 0000/1",), "a second ending is not a number"),
    ("07911 123456", ("07911 123456",), "one number"),
    ("07700900123 orange", ("07700900123 orange",), "'or' must be a word"),
    ("07700 900123\n0113 496 0000", ("07700 900123", "0113 496 0000"), "two lines of a cell"),
    ("07700\n900123", ("07700\n900123",), "one number broken over two lines"),
    # Numbers told apart by labels, as a free-text contact field holds them.
    (
        "0113 496 0000 (H) 07700 900123 (M)",
        ("0113 496 0000", "07700 900123"),
        "a bracketed label after each",
    ),
    ("H: 0113 496 0000 M: 07700 900123", ("0113 496 0000", "07700 900123"), "labels first"),
    ("Mum 07700 900123 Dad 07700 900124", ("07700 900123", "07700 900124"), "names as labels"),
    ("(0113) 496 0000 home", ("(0113) 496 0000 home",), "one number with a note"),
    ("0113 496 0000 ext 12", ("0113 496 0000 ext 12",), "an extension is not a number"),
    ("07700900123 01134960000", ("07700900123 01134960000",), "a space alone: left whole"),
]


@pytest.mark.parametrize(("text", "expected", "why"), SPLIT)
def test_split_phones(text: str, expected: tuple[str, ...], why: str) -> None:
    assert split_phones(text) == expected, why


@given(st.text(alphabet="0123456789 +()-x/;,or", max_size=40))
def test_split_phones_never_raises_and_keeps_digits(text: str) -> None:
    pieces = split_phones(text)
    assert pieces == (text,) or all(sum(c.isdigit() for c in p) >= 7 for p in pieces)


def test_region_changes_national_reading() -> None:
    assert normalise_phone("(202) 555-0143", region="US") == "+12025550143"


@pytest.mark.parametrize(
    ("e164", "expected"),
    [("+447911123456", True), ("+447700900123", True), ("+441134960000", False), ("x", False)],
)
def test_is_mobile(e164: str, expected: bool) -> None:
    assert is_mobile(e164) is expected


@given(st.text(alphabet="0123456789 +()-x", max_size=20))
def test_normalise_is_idempotent_and_raises_only_standards_error(text: str) -> None:
    try:
        once = normalise_phone(text)
    except StandardsError:
        return
    assert normalise_phone(once) == once


@given(st.text(max_size=30))
def test_arbitrary_text_raises_only_standards_error(text: str) -> None:
    with contextlib.suppress(StandardsError):
        normalise_phone(text)


@given(
    st.sampled_from(["07700 900123", "0113 496 0000", "+44 20 7946 0000", "0113 496 0000 x12"]),
    st.sampled_from([" ", " - ", ": ", " (", ", "]),
    st.text(alphabet=st.characters(categories=["L", "Zs"]), min_size=1, max_size=15),
)
def test_a_note_after_the_number_changes_nothing(number: str, gap: str, note: str) -> None:
    written = number + gap + note.lstrip() + (")" if "(" in gap else "")
    assert normalise_phone(written) == normalise_phone(number)
