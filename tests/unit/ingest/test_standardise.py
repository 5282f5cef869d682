"""Standardising a row: failing fields dropped with a warning; untrustworthy rows quarantined."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from joinedup.ingest.rows import SourceRow
from joinedup.ingest.standardise import NOT_IDENTIFYING, standardise_row
from tests.unit.ingest.helpers import mapping

TODAY = date(2026, 11, 23)
WIDE = mapping(
    person={
        "full_name": "name",
        "date_of_birth": "dob",
        "nhs_number": "nhs",
        "sex": "sex",
        "postcode": "pc",
        "phone": ["tel", "mob"],
        "email": "email",
        "address_lines": ["a1", "a2", "a3"],
        "uprn": "uprn",
    },
    attributes={
        "category": "housing.benefit",
        "fields": {"band": "band", "start": {"field": "start", "format": "%Y%m%d"}},
        "constants": {"service": "hb"},
    },
)


def run(values: dict[str, Any], m: Any = WIDE) -> Any:
    row = SourceRow(line=2, raw="", values={"id": "R1", **values})
    return standardise_row(row, m, today=TODAY)


@pytest.mark.parametrize(
    ("values", "field", "expected", "warning"),
    [
        ({"name": "SMITH, John", "nhs": "943 476 5919"}, "nhs_number", "9434765919", None),
        ({"name": "J Smith", "nhs": "9434765918"}, "nhs_number", None, "nhs_number: "),
        ({"name": "J Smith", "dob": "31/02/1980"}, "date_of_birth", None, "date_of_birth: "),
        ({"name": "J Smith", "dob": "03-APR-1961"}, "date_of_birth", "1961-04-03", None),
        ({"name": "J Smith", "dob": "03/04/1961"}, "year_of_birth", 1961, None),
        ({"name": "J Smith", "sex": "F"}, "sex", "female", None),
        ({"name": "J Smith", "sex": "Q"}, "sex", None, "sex: "),
        ({"name": "J Smith", "pc": "ls62ab"}, "postcode", "LS6 2AB", None),
        ({"name": "J Smith", "pc": "NOT A PC"}, "postcode", None, "postcode: "),
        (
            {"name": "J Smith", "tel": "0113 496 0000", "mob": "N/A"},
            "phones",
            ("+441134960000",),
            None,
        ),
        ({"name": "J Smith", "email": "J@Example.COM"}, "emails", ("J@example.com",), None),
        # Two addresses in one cell were both lost ("must contain exactly one @").
        (
            {"name": "J Smith", "email": "a@example.org; B@Example.com"},
            "emails",
            ("a@example.org", "B@example.com"),
            None,
        ),
        (
            {"name": "J Smith", "email": "a@example.org; b@example"},
            "emails",
            ("a@example.org",),
            "email: email address has an invalid domain",
        ),
        ({"name": "J Smith", "uprn": "000072145678"}, "uprn", "72145678", None),
        ({"name": "SMITH JP MR"}, "family_name", "Smith", None),
        (
            {"name": "J Smith", "a1": "Flat 3", "a2": "12 Harehills Lane", "a3": "Leeds"},
            "street",
            "Harehills Lane",
            None,
        ),
        # Salvaged rather than dropped.
        # Excel's marks that a cell is text, as CSV exports for Excel keep them.
        ({"name": "J Smith", "nhs": "'9434765919"}, "nhs_number", "9434765919", None),
        ({"name": "J Smith", "nhs": '="9434765919"'}, "nhs_number", "9434765919", None),
        ({"name": "J Smith", "uprn": "'000100023336956"}, "uprn", "100023336956", None),
        ({"name": "J Smith", "dob": "'03/04/1961"}, "date_of_birth", "1961-04-03", None),
        ({"name": "J Smith", "tel": '="07700900123"'}, "phones", ("+447700900123",), None),
        ({"name": "J Smith", "nhs": '=""'}, "nhs_number", None, None),
        ({"name": "J Smith", "dob": "03 / 04 / 1961"}, "date_of_birth", "1961-04-03", None),
        ({"name": "J Smith", "dob": "1961"}, "year_of_birth", 1961, "date_of_birth: only a year"),
        ({"name": "J Smith", "dob": "b.1941"}, "year_of_birth", 1941, "date_of_birth: only a year"),
        ({"name": "J Smith", "dob": "b.1941"}, "date_of_birth", None, "date_of_birth: only a year"),
        ({"name": "J Smith", "dob": "2031"}, "year_of_birth", None, "date_of_birth: year of birth"),
        # Known to the month only, or with zeros for what is not known: the year was lost.
        (
            {"name": "J Smith", "dob": "April 1961"},
            "year_of_birth",
            1961,
            "date_of_birth: not a full",
        ),
        ({"name": "J Smith", "dob": "04/1961"}, "date_of_birth", None, "date_of_birth: not a full"),
        (
            {"name": "J Smith", "dob": "00/00/1961"},
            "year_of_birth",
            1961,
            "date_of_birth: not a full",
        ),
        (
            {"name": "J Smith", "dob": "1961-00-00"},
            "year_of_birth",
            1961,
            "date_of_birth: not a full",
        ),
        # A spreadsheet's number 1961 is the year, not Excel's serial for 14 May 1905.
        ({"name": "J Smith", "dob": 1961}, "year_of_birth", 1961, "date_of_birth: only a year"),
        ({"name": "J Smith", "dob": 1961}, "date_of_birth", None, "date_of_birth: only a year"),
        ({"name": "J Smith", "pc": "ls6-2ab"}, "postcode", "LS6 2AB", None),
        (
            {"name": "J Smith", "tel": "07700900123 / 0113 4960000"},
            "phones",
            ("+447700900123", "+441134960000"),
            None,
        ),
        (
            {"name": "J Smith", "tel": "07700900123 or 0113 4960000", "mob": "07700900123"},
            "phones",
            ("+447700900123", "+441134960000"),
            None,
        ),
        (
            {"name": "J Smith", "tel": "07700900123; 07700 600001"},
            "phones",
            ("+447700900123",),
            "phone: not a valid phone number",
        ),
        ({"name": "J Smith", "tel": "07700 600001"}, "phones", (), "phone: not a valid"),
        # A second number after ";" was taken as libphonenumber's RFC 3966 parameters and lost.
        (
            {"name": "J Smith", "tel": "07700900123;01134960000"},
            "phones",
            ("+447700900123", "+441134960000"),
            None,
        ),
        (
            {"name": "J Smith", "tel": "0113 496 0000 (H) 07700 900123 (M)"},
            "phones",
            ("+441134960000", "+447700900123"),
            None,
        ),
        # Two numbers on two lines of one cell (Alt+Enter in Excel).
        (
            {"name": "J Smith", "tel": "07700 900123\n0113 496 0000"},
            "phones",
            ("+447700900123", "+441134960000"),
            None,
        ),
        # A pseudo-postcode is kept, with a warning; "no fixed abode" is no house name.
        ({"name": "J Smith", "pc": "zz99 3vz"}, "postcode", "ZZ99 3VZ", "postcode: NHS pseudo"),
        ({"name": "J Smith", "a1": "NFA", "a2": "Leeds"}, "house_name", None, "address: says no"),
        ({"name": "J Smith", "a1": "No Fixed Abode", "a2": "Leeds"}, "town", "Leeds", "address: "),
        # Names: a known-as name is the preferred name; what is not one person's is no name.
        ({"name": "John 'Jack' Smith"}, "preferred_name", "Jack", None),
        ({"name": "John 'Jack' Smith"}, "middle_names", None, None),
        ({"name": "Mrs Mary Smith nee Jones"}, "family_name", "Smith", None),
        ({"name": "Mrs Mary Smith nee Jones"}, "other_family_names", ("Jones",), None),
        ({"name": "Sir John SMITH-JONES OBE"}, "family_name", "Smith-Jones", None),
        ({"name": "The Occupier", "dob": "3/4/61"}, "family_name", None, "full_name: name is a"),
        ({"name": "Baby of Sarah Jones", "dob": "3/4/61"}, "given_name", None, "full_name: "),
        ({"name": "Mr J Smith & Ms K Jones", "nhs": "9434765919"}, "middle_names", None, "full_"),
    ],
)
def test_fields(values: dict[str, Any], field: str, expected: Any, warning: str | None) -> None:
    result = run(values)
    assert not result.problems
    assert getattr(result.person, field) == expected
    if warning is None:
        assert not result.warnings
    else:
        assert [w for w in result.warnings if w.startswith(warning)], result.warnings


@pytest.mark.parametrize(
    ("died", "expected", "warning"),
    [
        ("12/05/2020", "2020-05-12", None),
        # SQL Server turns an empty value into 1900-01-01: the person had not died then.
        ("01/01/1900", None, "date_of_death: 1900-01-01 is what systems store for no date"),
        ("1900-01-01 00:00:00.000", None, "date_of_death: 1900-01-01 is what"),
        (date(1899, 12, 30), None, "date_of_death: 1899-12-30 is what"),
    ],
)
def test_a_no_date_placeholder_is_no_date_of_death(
    died: Any, expected: str | None, warning: str | None
) -> None:
    m = mapping(person={"full_name": "name", "date_of_death": "died"})
    result = run({"name": "J Smith", "died": died}, m)
    assert result.person.date_of_death == expected
    if warning is None:
        assert not result.warnings
    else:
        assert [w for w in result.warnings if w.startswith(warning)], result.warnings


def test_attributes_and_constants() -> None:
    result = run({"name": "J Smith", "band": " C ", "start": "20240401"})
    assert result.attributes == {"service": "hb", "band": "C", "start": "2024-04-01"}
    bad = run({"name": "J Smith", "band": "NULL", "start": "2024-13-01"})
    assert bad.attributes == {"service": "hb"}
    assert bad.warnings and bad.warnings[0].startswith("attributes.start: ")


@pytest.mark.parametrize(
    ("values", "reasons"),
    [
        ({"id": "", "name": "J Smith"}, ["record_id: no value in 'id'"]),
        ({"id": "NULL", "name": "J Smith"}, ["record_id: no value in 'id'"]),
        ({"sex": "M"}, [NOT_IDENTIFYING]),
        ({"nhs": "9434765918", "pc": "LS6 2AB"}, [NOT_IDENTIFYING, "nhs_number: "]),
        ({"id": " ", "nhs": "1"}, ["record_id: ", NOT_IDENTIFYING, "nhs_number: "]),
        ({"name": "Executors of J Smith", "pc": "LS6 2AB"}, [NOT_IDENTIFYING, "full_name: "]),
    ],
)
def test_quarantine_gives_every_reason(values: dict[str, Any], reasons: list[str]) -> None:
    result = run(values)
    assert len(result.problems) == len(reasons)
    for problem, reason in zip(result.problems, reasons, strict=True):
        assert problem.startswith(reason)


@pytest.mark.parametrize(
    ("order", "text", "given", "family"),
    [
        ("auto", "SMITH, John", "John", "Smith"),
        ("family_first", "Khan Ali", "Ali", "Khan"),
        ("given_first", "Ali Khan", "Ali", "Khan"),
        ("family_first", "Khan, Ali", "Ali", "Khan"),
    ],
)
def test_full_name_order(order: str, text: str, given: str, family: str) -> None:
    m = mapping(full_name_order=order, person={"full_name": "name"})
    person = run({"name": text}, m).person
    assert (person.given_name, person.family_name) == (given, family)


def test_json_values_lists_and_objects() -> None:
    m = mapping(
        format="jsonl",
        record_id="case.id",
        person={"family_name": "name.family", "given_name": "name.given", "phone": "phones"},
    )
    row = SourceRow(
        line=1,
        raw="",
        values={
            "case": {"id": 12},
            "name": {"family": "Smith", "given": {"x": 1}},
            "phones": ["0113 496 0000", None],
        },
    )
    result = standardise_row(row, m, today=TODAY)
    assert result.record_id == "12"
    assert result.person.family_name == "Smith" and result.person.phones == ("+441134960000",)
    assert result.warnings == ("given_name: 'name.given' holds an object, not a value",)


def test_warnings_never_repeat_an_nhs_number() -> None:
    result = run({"name": "J Smith", "nhs": "9434765918"})
    assert all("9434765918" not in w for w in result.warnings)


@pytest.mark.parametrize(
    ("born", "dob", "yob", "warnings"),
    [
        ("03/04/1961", "1961-04-03", 1961, ()),
        ("b.1941", None, 1941, ()),
        ("1941", None, 1941, ()),
        ("sometime", None, None, ("date_of_birth: ", "year_of_birth: ")),
    ],
)
def test_one_column_for_date_or_year_of_birth(
    born: str, dob: str | None, yob: int | None, warnings: tuple[str, ...]
) -> None:
    m = mapping(person={"full_name": "name", "date_of_birth": "born", "year_of_birth": "born"})
    result = run({"name": "A Person", "born": born}, m)
    assert (result.person.date_of_birth, result.person.year_of_birth) == (dob, yob)
    assert len(result.warnings) == len(warnings)
    for warning, prefix in zip(result.warnings, warnings, strict=True):
        assert warning.startswith(prefix)


def test_a_source_preferred_name_wins_over_a_known_as_name() -> None:
    m = mapping(person={"full_name": "name", "preferred_name": "known"})
    assert run({"name": "John 'Jack' Smith", "known": "Johnny"}, m).person.preferred_name == (
        "Johnny"
    )
    assert run({"name": "John 'Jack' Smith", "known": ""}, m).person.preferred_name == "Jack"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"hname": "NFA", "pc": "ZZ99 3VZ"}, (None, "ZZ99 3VZ")),
        ({"hname": "Rose Cottage", "pc": "LS6 2AB"}, ("Rose Cottage", "LS6 2AB")),
    ],
)
def test_no_fixed_abode_in_a_house_name_column(
    values: dict[str, Any], expected: tuple[str | None, str | None]
) -> None:
    m = mapping(person={"full_name": "name", "house_name": "hname", "postcode": "pc"})
    result = run({"name": "J Smith", **values}, m)
    assert (result.person.house_name, result.person.postcode) == expected
    homeless = expected[0] is None
    assert result.warnings == (
        (
            "address: says no fixed abode, which is not kept as part of the address",
            "postcode: NHS pseudo-postcode (no fixed abode): kept, but it is not a place",
        )
        if homeless
        else ()
    )


# A placeholder for "not known" in a field with a standard is said to be one: it is not a
# malformed date or postcode. The row keeps its other fields; the mapping's null_values can
# name the placeholder to make it as silent as an empty cell.
PLACEHOLDERS = [
    ("dob", "N/K", "date_of_birth", "'N/K' is a placeholder"),
    ("dob", "Not Known", "date_of_birth", "'Not Known' is a placeholder"),
    ("start", "-", "attributes.start", "'-' is a placeholder"),
    ("nhs", "NK", "nhs_number", "'NK' is a placeholder"),
    ("pc", "Unknown", "postcode", "'Unknown' is a placeholder"),
    ("tel", "n.k.", "phone", "'n.k.' is a placeholder"),
    ("email", "N/A ", "email", None),  # in the default null_values: silent, as before
    ("email", "none", "email", "'none' is a placeholder"),
    ("uprn", "?", "uprn", "'?' is a placeholder"),
    ("sex", "N/K", "sex", "'N/K' is a placeholder"),
    ("dob", "32/01/1980", "date_of_birth", "day 32 does not exist"),  # a real failure
]


@pytest.mark.parametrize(("column", "value", "key", "said"), PLACEHOLDERS)
def test_a_placeholder_is_said_to_be_one(
    column: str, value: str, key: str, said: str | None
) -> None:
    result = run({"name": "J Smith", column: value})
    assert not result.problems
    if said is None:
        assert result.warnings == ()
        return
    [warning] = result.warnings
    assert warning.startswith(f"{key}: {said}"), warning
    if "placeholder" in said:
        assert warning.endswith("is a placeholder for not known: treated as missing")


def test_a_placeholder_listed_in_null_values_is_silent() -> None:
    m = mapping(person={"full_name": "name", "date_of_birth": "dob"}, null_values=["N/K"])
    assert run({"name": "J Smith", "dob": "N/K"}, m).warnings == ()
