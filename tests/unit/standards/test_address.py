"""Address lines into parts, and one-line addresses with the postcode pulled out."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.standards.address import (
    Address,
    address_case,
    is_no_fixed_abode,
    parse_address,
    parse_one_line_address,
)
from joinedup.standards.errors import StandardsError

A = Address

LINES = [
    (
        (["Flat 3 Rose Court", "12A Harehills Lane", "Harehills"], "Leeds", "ls6 2ab"),
        A("Flat 3", "12A", "Rose Court", "Harehills Lane", "Harehills", "Leeds", "LS6 2AB"),
        "flat and block on one line, number with a suffix, town and postcode given",
    ),
    (
        (["12 HAREHILLS LANE", "HAREHILLS", "LEEDS", "WEST YORKSHIRE", "LS6 2AB"], None, None),
        A(None, "12", None, "Harehills Lane", "Harehills", "Leeds", "LS6 2AB"),
        "capitals, county dropped, postcode from a line",
    ),
    (
        (["Rose Cottage", "Church Lane", "Bramhope", "Leeds"], None, None),
        A(None, None, "Rose Cottage", "Church Lane", "Bramhope", "Leeds", None),
        "house name, no number",
    ),
    (
        (["Rose Cottage", "Leeds"], None, None),
        A(None, None, "Rose Cottage", None, None, "Leeds", None),
        "house name and town only",
    ),
    (
        (["3/1 12 Dumbarton Road", "Glasgow"], None, "G11 6AA"),
        A("3/1", "12", None, "Dumbarton Road", None, "Glasgow", "G11 6AA"),
        "Scottish tenement flat position",
    ),
    (
        (["Apartment 2", "12-14 High St", "Leeds LS1 1AA"], None, None),
        A("Apartment 2", "12-14", None, "High St", None, "Leeds", "LS1 1AA"),
        "apartment, number range, postcode on the town line",
    ),
    (
        (["12", "High Street", "Leeds"], None, None),
        A(None, "12", None, "High Street", None, "Leeds", None),
        "number on a line of its own",
    ),
    (
        (["12 - 14 high street", None, "", "Leeds"], "Leeds", None),
        A(None, "12-14", None, "High Street", None, "Leeds", None),
        "blank lines, spaced range, town repeated in the lines",
    ),
    (
        (["Ground Floor Flat, 7 Oak Avenue", "Headingley"], "LEEDS", None),
        A("Ground Floor Flat", "7", None, "Oak Avenue", "Headingley", "Leeds", None),
        "floor flat, commas inside a line",
    ),
    (
        (["flat 3a", "5 Newcastle upon Tyne Road"], "NEWCASTLE UPON TYNE", None),
        A("Flat 3A", "5", None, "Newcastle upon Tyne Road", None, "Newcastle upon Tyne", None),
        "small words stay lower case",
    ),
    (
        (["12 St John's Road", "Leeds", "United Kingdom"], None, None),
        A(None, "12", None, "St John's Road", None, "Leeds", None),
        "country dropped, apostrophe",
    ),
    (
        (["12 High Street", "Durham"], None, None),
        A(None, "12", None, "High Street", None, "Durham", None),
        "a county name that is also the town is kept",
    ),
    (
        (["12 High Street"], None, "not a postcode"),
        A(None, "12", None, "High Street", None, None, None),
        "an invalid postcode argument is left out",
    ),
    (
        (["14a Oak Road", "Flat 2", "Leeds"], None, None),
        A("Flat 2", "14A", None, "Oak Road", None, "Leeds", None),
        "flat written after the street",
    ),
    (
        (["Basement", "14 Oak Road", "London"], None, None),
        A("Basement", "14", None, "Oak Road", None, "London", None),
        "a floor on its own is the flat",
    ),
    (
        (["The Old Rectory", "Church Street", "Leeds"], None, None),
        A(None, None, "The Old Rectory", "Church Street", None, "Leeds", None),
        "house name then street",
    ),
    (
        (["Flat 2/1, 14 Oak Road", "Glasgow"], None, None),
        A("Flat 2/1", "14", None, "Oak Road", None, "Glasgow", None),
        "flat with a tenement position",
    ),
    (([], None, None), A(), "nothing"),
    # "No fixed abode" is not an address part: left out, and said (no_fixed_abode).
    ((["NFA"], None, None), A(no_fixed_abode=True), "NFA alone is no house name"),
    (
        (["No Fixed Abode", "Leeds"], None, "ZZ99 3VZ"),
        A(None, None, None, None, None, "Leeds", "ZZ99 3VZ", True),
        "what is left is where they are: the town, not a house name",
    ),
    (
        (["N.F.A.", "Headingley", "Leeds", "West Yorkshire"], None, None),
        A(None, None, None, None, "Headingley", "Leeds", None, True),
        "dotted, with a locality and a county",
    ),
    (
        (["no fixed address, LEEDS"], "Leeds", None),
        A(None, None, None, None, None, "Leeds", None, True),
        "in a line with the town, the town also given",
    ),
    (
        (["Of No Fixed Abode (NFA)", "12 High Street", "Leeds"], None, None),
        A(None, "12", None, "High Street", None, "Leeds", None, True),
        "beside a street it is still left out",
    ),
    (
        (["Headingley"], "N.F.A.", None),
        A(None, None, None, None, None, "Headingley", None, True),
        "in the town column",
    ),
    (
        (["NFA House", "12 High Street"], None, None),
        A(None, "12", "Nfa House", "High Street", None, None, None),
        "a name that only starts with NFA is a name",
    ),
    (
        (["PO BOX 123", "LEEDS"], None, None),
        A(None, None, "PO Box 123", None, None, "Leeds", None),
        "a PO box keeps its capitals",
    ),
    (
        (["1ST FLOOR FLAT", "12 HIGH ST"], None, None),
        A("1st Floor Flat", "12", None, "High St", None, None, None),
        "an ordinal floor is not shouted",
    ),
    (
        (["Ty Gwyn", "FFORDD Y BRENIN", "Aberystwyth"], None, None),
        A(None, None, "Ty Gwyn", "Ffordd y Brenin", None, "Aberystwyth", None),
        "a Welsh street puts its kind first",
    ),
    (
        (["Bwthyn Rhosyn", "Lôn Isaf", "Bala"], None, None),
        A(None, None, "Bwthyn Rhosyn", "Lôn Isaf", None, "Bala", None),
        "Lôn is a lane",
    ),
    (
        (["Rose Cottage", "Kirk Brae", "Fife"], None, None),
        A(None, None, "Rose Cottage", "Kirk Brae", None, "Fife", None),
        "a Scottish brae is a street",
    ),
]


@pytest.mark.parametrize(("args", "expected", "why"), LINES)
def test_parse_address(
    args: tuple[list[str | None], str | None, str | None], expected: Address, why: str
) -> None:
    lines, town, postcode = args
    assert parse_address(lines, town=town, postcode=postcode) == expected, why


# A lone letter after a house or flat number is the number's suffix (12A) — unless it names
# the street or the building itself.
SUFFIXES = [
    (["12 A High Street", "Leeds"], A(None, "12A", None, "High Street", None, "Leeds"), "spaced"),
    (["12 a high street"], A(None, "12A", None, "High Street"), "lower case"),
    (["12 A", "High Street"], A(None, "12A", None, "High Street"), "number on its own line"),
    (["12 A, High Street"], A(None, "12A", None, "High Street"), "a comma after the letter"),
    (["12 A Church Road"], A(None, "12A", None, "Church Road"), "a street of two words"),
    (["12A High Street"], A(None, "12A", None, "High Street"), "written on, as before"),
    (["1 A Road", "Leeds"], A(None, "1", None, "A Road", None, "Leeds"), "a one-letter street"),
    (["12 B Block"], A(None, "12", None, "B Block"), "a one-letter building"),
    (["12 A & B High Street"], A(None, "12A&B", None, "High Street"), "two letters: one home"),
    (["12A & B High Street"], A(None, "12A&B", None, "High Street"), "the list after 12A"),
    (["12 a and b high street"], A(None, "12A&B", None, "High Street"), "'and' is '&'"),
    (["12A/B High Street"], A(None, "12A/B", None, "High Street"), "a slash (was a house name)"),
    (["12 A & Bramley Road"], A(None, "12", None, "A & Bramley Road"), "too odd to split"),
    (["12 O Connell Street"], A(None, "12", None, "O Connell Street"), "O'Connell, no apostrophe"),
    (["12 Y Wern"], A(None, "12", None, "Y Wern"), "the Welsh article"),
    (["12-14 A Road"], A(None, "12-14", None, "A Road"), "a range takes no letter"),
    (["Flat 2 B Block", "12 High St"], A("Flat 2", "12", "B Block", "High St"), "B Block"),
    (["Flat 2 B", "12 High St"], A("Flat 2B", "12", None, "High St"), "a flat's suffix"),
    (["Flat 2 B Rose Court", "12 High St"], A("Flat 2B", "12", "Rose Court", "High St"), "block"),
    (["Unit 4 C", "Riverside Park"], A("Unit 4C", None, None, "Riverside Park"), "a unit's"),
    (["Flat A", "1 High St"], A("Flat A", "1", None, "High St"), "a lettered flat, as before"),
]


@pytest.mark.parametrize(("lines", "expected", "why"), SUFFIXES)
def test_a_lone_letter_after_a_number_is_its_suffix(
    lines: list[str], expected: Address, why: str
) -> None:
    assert parse_address(lines) == expected, why


ONE_LINE = [
    (
        "Flat 3, 12 High St, Leeds LS1 1AA",
        A("Flat 3", "12", None, "High St", None, "Leeds", "LS1 1AA"),
        "commas",
    ),
    (
        "12 High Street Headingley Leeds ls62ab",
        A(None, "12", None, "High Street", None, "Headingley Leeds", "LS6 2AB"),
        "no commas: the street ends at its street word",
    ),
    (
        "FLAT 3 12 HIGH STREET LEEDS",
        A("Flat 3", "12", None, "High Street", None, "Leeds", None),
        "capitals, no commas, no postcode",
    ),
    (
        "Rose Cottage, Church Lane, Leeds, UK",
        A(None, None, "Rose Cottage", "Church Lane", None, "Leeds", None),
        "house name and country",
    ),
    ("", A(), "empty"),
    (
        "NFA, ZZ99 3VZ",
        A(postcode="ZZ99 3VZ", no_fixed_abode=True),
        "no fixed abode, pseudo-postcode",
    ),
    ("No Fixed Abode", A(no_fixed_abode=True), "no house name 'No Fixed Abode'"),
    (
        "12 A High Street Leeds LS1 1AA",
        A(None, "12A", None, "High Street", None, "Leeds", "LS1 1AA"),
        "a suffix written apart, on one line",
    ),
    ("1 A Road Leeds", A(None, "1", None, "A Road", None, "Leeds"), "a one-letter street"),
    # Without commas a country or county after the town was read as part of it ("Leeds Uk").
    (
        "12 High St Leeds LS6 2AB UK",
        A(None, "12", None, "High St", None, "Leeds", "LS6 2AB"),
        "a country after the postcode",
    ),
    (
        "12 High Street Leeds West Yorkshire LS6 2AB United Kingdom",
        A(None, "12", None, "High Street", None, "Leeds", "LS6 2AB"),
        "a county and a country",
    ),
    (
        "12 high street leeds u.k.",
        A(None, "12", None, "High Street", None, "Leeds"),
        "dotted, lower case",
    ),
    # "Care of": the number after it is the address; a name after it is someone else's.
    (
        "c/o 12 High Street, Leeds LS6 2AB",
        A(None, "12", None, "High Street", None, "Leeds", "LS6 2AB"),
        "c/o before the number: was street 'C/o 12 High Street'",
    ),
    (
        "C/O Mrs J Smith, 12 High Street, Leeds",
        A(None, "12", None, "High Street", None, "Leeds"),
        "c/o a person: was house name 'C/o Mrs J Smith'",
    ),
    (
        "Care of: Leeds Housing Options, Flat 2, 5 Bridge St, Leeds",
        A("Flat 2", "5", None, "Bridge St", None, "Leeds"),
        "care of an organisation",
    ),
    (
        "12 High Street Kent",
        A(None, "12", None, "High Street", None, "Kent"),
        "a county alone after the street is kept: the town is all there is",
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NFA", True),
        ("nfa", True),
        ("N.F.A.", True),
        ("N F A", True),
        ("No Fixed Abode", True),
        ("NO FIXED ADDRESS", True),
        ("of no fixed abode", True),
        ("No Fixed Abode (NFA)", True),
        ("NFA House", False),
        ("Abode Cottage", False),
        ("", False),
    ],
)
def test_is_no_fixed_abode(text: str, expected: bool) -> None:
    assert is_no_fixed_abode(text) is expected


@pytest.mark.parametrize(("text", "expected", "why"), ONE_LINE)
def test_parse_one_line_address(text: str, expected: Address, why: str) -> None:
    assert parse_one_line_address(text) == expected, why


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NEWCASTLE UPON TYNE", "Newcastle upon Tyne"),
        ("STRATFORD-UPON-AVON", "Stratford-upon-Avon"),
        ("ST JOHN'S ROAD", "St John's Road"),
        ("McDonald Court", "McDonald Court"),
        ("PO BOX 123", "PO Box 123"),
        ("p.o. box 123", "P.O. Box 123"),
        ("RAF HQ", "RAF HQ"),
        ("HEOL Y BONT", "Heol y Bont"),
        ("Y MAES", "Y Maes"),
    ],
)
def test_address_case(text: str, expected: str) -> None:
    assert address_case(text) == expected


def test_a_line_that_is_not_text_is_an_error() -> None:
    with pytest.raises(StandardsError, match="not text"):
        parse_address([12])  # type: ignore[list-item]


@given(st.lists(st.none() | st.text(max_size=25), max_size=5), st.none() | st.text(max_size=10))
def test_parse_address_never_raises_on_text(lines: list[str | None], town: str | None) -> None:
    parse_address(lines, town=town)


@given(st.text(max_size=60))
def test_parse_one_line_address_never_raises(text: str) -> None:
    address = parse_one_line_address(text)
    assert address.postcode is None or " " in address.postcode
