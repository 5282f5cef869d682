"""UK postcodes: a table of inputs, the expected result and why; then properties."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.standards import postcode as postcode_module
from joinedup.standards.errors import StandardsError
from joinedup.standards.postcode import (
    extract_postcode,
    is_pseudo_postcode,
    normalise_outward_code,
    normalise_postcode,
    parse_postcode,
    pseudo_postcode_note,
)

NORMALISE = [
    ("LS6 2AB", "LS6 2AB", "already normal"),
    ("ls6 2ab", "LS6 2AB", "lower case"),
    ("LS62AB", "LS6 2AB", "missing space"),
    ("  LS6   2AB ", "LS6 2AB", "extra spaces"),
    ("M1 1AE", "M1 1AE", "A9 9AA"),
    ("B33 8TH", "B33 8TH", "A99 9AA"),
    ("CR2 6XH", "CR2 6XH", "AA9 9AA"),
    ("DN55 1PT", "DN55 1PT", "AA99 9AA"),
    ("W1A 0AX", "W1A 0AX", "A9A 9AA"),
    ("EC1A 1BB", "EC1A 1BB", "AA9A 9AA"),
    ("gir0aa", "GIR 0AA", "Girobank, the one historical exception"),
    ("BF1 3AA", "BF1 3AA", "a British Forces postcode in the normal format"),
    ("JE2 3AB", "JE2 3AB", "Jersey is in the format"),
    ("zz99 3vz", "ZZ99 3VZ", "NHS pseudo-postcode: recognised, normalised"),
    ("LS6 OAB", "LS6 0AB", "O where only a digit can be is a mistyped zero"),
    ("ls6 iab", "LS6 1AB", "I where only a digit can be is a mistyped one"),
    ("ls6-2ab", "LS6 2AB", "a hyphen for the space"),
    ("LS6 - 2AB", "LS6 2AB", "a hyphen with spaces"),
    ("EC1A-1BB", "EC1A 1BB", "a hyphen after a four-character outward code"),
    ("'LS6 2AB", "LS6 2AB", "Excel's text mark before it (was 'must start with letters')"),
    ("LS6\u00a02AB", "LS6 2AB", "a non-breaking space"),
    ("LS6 2AB.", "LS6 2AB", "a full stop typed after it (was 'inward code must be …')"),
    ("ls6 2ab,", "LS6 2AB", "a comma after it"),
]

REJECT = [
    ("", "blank", "blank"),
    ("LS6", "characters", "outward code only"),
    ("LS6 2ABCD", "characters", "too long"),
    ("QS6 2AB", "outward code is not in an official", "Q never starts a postcode"),
    ("LS6 2CB", "inward code uses a letter", "C is never an inward letter"),
    ("LS6 22B", "inward code", "inward must be digit-letter-letter"),
    ("BFPO 123", "BFPO number is not a postcode", "BFPO numbers are not postcodes"),
    ("123 4AB", "outward code must start", "no area letters"),
    ("ASCN 1ZZ", "outward code", "overseas territory, not a UK postcode"),
    ("LSO 2AB", "outward code", "no guessing in the outward code"),
    ("L-S62AB", "outward code", "a hyphen anywhere else is not a space"),
    ("LS6--2AB", "characters", "two hyphens"),
    ("LS6 2AB / LS7 3DE", "more than one postcode", "two: was 'has 13 characters'"),
    ("LS6 2AB, LS7 3DE", "more than one postcode", "two after a comma"),
    ("LS6 2AB LS6 2AB", "characters", "one postcode written twice: its length"),
]


@pytest.mark.parametrize(("text", "expected", "why"), NORMALISE)
def test_normalise_postcode(text: str, expected: str, why: str) -> None:
    assert normalise_postcode(text) == expected, why


@pytest.mark.parametrize(("text", "reason", "why"), REJECT)
def test_normalise_postcode_rejects(text: str, reason: str, why: str) -> None:
    with pytest.raises(StandardsError) as raised:
        normalise_postcode(text)
    assert reason in raised.value.reason, why


OUTWARD = [
    # (text, the outward code or the start of the reason it is refused, why)
    ("LS6", "LS6", "area and district"),
    (" ls6 ", "LS6", "case and spaces"),
    ("EC1A", "EC1A", "a sub-district letter"),
    ("W1", "W1", "a one-letter area"),
    ("NB10", "NB10", "a two-digit district"),
    ("LS", "not a postcode district", "an area without its district"),
    ("QS6", "not a postcode district", "Q is never first"),
    ("LS6 2", "not a postcode district", "a sector is not a district"),
    ("NB1 0", "not a postcode district", "nor is it the district NB10"),
    ("ZZ99", "an NHS pseudo-postcode", "ZZ99 is not a place"),
    ("", "postcode district is blank", "nothing"),
]


@pytest.mark.parametrize(("text", "expected", "why"), OUTWARD)
def test_normalise_outward_code(text: str, expected: str, why: str) -> None:
    try:
        assert normalise_outward_code(text) == expected, why
    except StandardsError as exc:
        assert exc.reason.startswith(expected), why


def test_pseudo_postcode_can_be_refused() -> None:
    with pytest.raises(StandardsError, match="pseudo-postcode"):
        normalise_postcode("ZZ99 3WZ", allow_pseudo=False)


@pytest.mark.parametrize(
    ("text", "expected", "why"),
    [
        ("ZZ99 3VZ", True, "no fixed abode"),
        ("zz993wz", True, "address not known, compact"),
        ("ZZ99 6AZ", True, "an overseas country code"),
        ("zz99-3vz", True, "a hyphen for the space"),
        ("LS6 2AB", False, "a real postcode"),
        ("ZZ9", False, "too short"),
        ("", False, "blank"),
    ],
)
def test_is_pseudo_postcode(text: str, expected: bool, why: str) -> None:
    assert is_pseudo_postcode(text) is expected, why


@pytest.mark.parametrize(
    ("text", "area", "district", "outward", "inward", "sector"),
    [
        ("ls62ab", "LS", "LS6", "LS6", "2AB", "LS6 2"),
        ("EC1A 1BB", "EC", "EC1", "EC1A", "1BB", "EC1A 1"),
        ("W1A 0AX", "W", "W1", "W1A", "0AX", "W1A 0"),
        ("DN55 1PT", "DN", "DN55", "DN55", "1PT", "DN55 1"),
    ],
)
def test_parse_postcode(
    text: str, area: str, district: str, outward: str, inward: str, sector: str
) -> None:
    parsed = parse_postcode(text)
    assert (parsed.area, parsed.district, parsed.outward, parsed.inward, parsed.sector) == (
        area,
        district,
        outward,
        inward,
        sector,
    )
    assert parsed.is_pseudo is False


def test_parse_pseudo_postcode_is_flagged() -> None:
    assert parse_postcode("ZZ99 3VZ").is_pseudo is True


_KEPT = "kept, but it is not a place"


@pytest.mark.parametrize(
    ("text", "note", "why"),
    [
        ("ZZ99 3VZ", f"NHS pseudo-postcode (no fixed abode): {_KEPT}", "no fixed abode"),
        ("zz993wz", f"NHS pseudo-postcode (address not known): {_KEPT}", "not known, compact"),
        ("ZZ99 6AZ", f"NHS pseudo-postcode (a country, not an address): {_KEPT}", "abroad"),
        ("LS6 2AB", None, "a real postcode has no note"),
        ("not a postcode", None, "nor has text that is no postcode"),
    ],
)
def test_pseudo_postcode_note(text: str, note: str | None, why: str) -> None:
    assert pseudo_postcode_note(text) == note, why


@pytest.mark.parametrize(
    ("text", "postcode", "rest", "why"),
    [
        ("12 High St, Leeds, LS1 1AA", "LS1 1AA", "12 High St, Leeds", "comma before"),
        ("12 High St Leeds ls11aa", "LS1 1AA", "12 High St Leeds", "no space, lower case"),
        ("Flat 3, 12 High St, LS6 2AB, UK", "LS6 2AB", "Flat 3, 12 High St, UK", "not last"),
        ("12 High St, Leeds", None, "12 High St, Leeds", "no postcode"),
        ("Unit 2A1 2BC Works, M1 1AE", "M1 1AE", "Unit 2A1 2BC Works", "last valid one wins"),
        ("1 High St, Leeds ls6-2ab", "LS6 2AB", "1 High St, Leeds", "hyphenated"),
        ("12-14 High St, LS6 2AB", "LS6 2AB", "12-14 High St", "a number range is no postcode"),
        ("", None, "", "empty"),
        ("12 High St, Leeds, 'LS6 2AB", "LS6 2AB", "12 High St, Leeds", 'was town "\'"'),
    ],
)
def test_extract_postcode(text: str, postcode: str | None, rest: str, why: str) -> None:
    assert extract_postcode(text) == (postcode, rest), why


_VALID = st.sampled_from([row[1] for row in NORMALISE])


@given(_VALID, st.sampled_from(["", " ", "  "]), st.booleans())
def test_normalise_ignores_case_and_spacing(postcode: str, gap: str, lower: bool) -> None:
    outward, inward = postcode.split(" ")
    text = f"{outward}{gap}{inward}"
    assert normalise_postcode(text.lower() if lower else text) == postcode


@given(st.text(max_size=12))
def test_normalise_is_idempotent_and_raises_only_standards_error(text: str) -> None:
    try:
        once = normalise_postcode(text)
    except StandardsError:
        return
    assert normalise_postcode(once) == once


@given(st.text(max_size=40))
def test_extract_never_raises(text: str) -> None:
    postcode, _rest = extract_postcode(text)
    if postcode is not None:
        assert normalise_postcode(postcode) == postcode


def _tidy_by_substitution(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s*,\s*(,\s*)*", ", ", text)
    return text.strip(" ,")


# Every character Python counts as whitespace, so the shortcut meets each one.
_WHITESPACE = "".join(c for c in map(chr, range(0x3000 + 1)) if c.isspace())


@given(st.text(alphabet=st.sampled_from(_WHITESPACE + ", aZ9.-") | st.characters(), max_size=30))
def test_tidy_shortcut_agrees_with_the_substitutions(text: str) -> None:
    assert postcode_module._tidy(text) == _tidy_by_substitution(text)
