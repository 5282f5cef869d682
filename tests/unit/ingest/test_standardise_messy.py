"""Cells seen in real extracts that were lost, misread or said unclearly: a date known only to
the month, an age where the date of birth goes, a partial date of death."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from joinedup.ingest.rows import SourceRow
from joinedup.ingest.standardise import ESTIMATED_DATE, PARTIAL_DATE, PARTIAL_DEATH, standardise_row
from tests.unit.ingest.helpers import mapping

TODAY = date(2026, 11, 23)
WIDE = mapping(
    person={"full_name": "name", "date_of_birth": "dob", "date_of_death": "dod", "postcode": "pc"}
)


def run(values: dict[str, Any], m: Any = WIDE) -> Any:
    row = SourceRow(line=2, raw="", values={"id": "R1", "name": "Ann Jones", **values})
    return standardise_row(row, m, today=TODAY)


@pytest.mark.parametrize(
    ("values", "field", "expected", "warning"),
    [
        # Excel's mmm-yy display saved to CSV: the year was lost with the date.
        ({"dob": "Apr-61"}, "year_of_birth", 1961, f"date_of_birth: {PARTIAL_DATE}"),
        ({"dob": "03 04 1961"}, "date_of_birth", "1961-04-03", None),
        ({"dob": "22374,0"}, "date_of_birth", "1961-04-03", None),
        # An estimated date: its day and month are a guess (often 1 January), so only the year.
        ({"dob": "03/04/1961 (est)"}, "year_of_birth", 1961, f"date_of_birth: {ESTIMATED_DATE}"),
        ({"dob": "03/04/1961 (est)"}, "date_of_birth", None, f"date_of_birth: {ESTIMATED_DATE}"),
        ({"dob": "1961-04-03Z"}, "date_of_birth", "1961-04-03", None),
        ({"dob": "19610403.0"}, "date_of_birth", "1961-04-03", None),
        ({"dob": 19610403.0}, "date_of_birth", "1961-04-03", None),
        ({"dob": "1961-04-03T00:00:00.000+01:00"}, "date_of_birth", "1961-04-03", None),
        ({"dob": "67 yrs"}, "year_of_birth", None, "date_of_birth: an age, not a date of birth"),
        # A partial date of death was "not a recognised date form (AAAAA 9999)".
        ({"dod": "April 2020"}, "date_of_death", None, f"date_of_death: {PARTIAL_DEATH}"),
        ({"dod": "00/04/2020"}, "date_of_death", None, f"date_of_death: {PARTIAL_DEATH}"),
        ({"dod": "Apr-20"}, "date_of_death", None, f"date_of_death: {PARTIAL_DEATH}"),
    ],
)
def test_fields(values: dict[str, Any], field: str, expected: Any, warning: str | None) -> None:
    result = run(values)
    assert not result.problems
    assert getattr(result.person, field) == expected
    said = [w[: len(warning)] for w in result.warnings] if warning else list(result.warnings)
    assert said == ([] if warning is None else [warning]), result.warnings


def test_a_month_and_two_digit_year_is_asked_again_next_year() -> None:
    assert run({"dob": "Apr-61"}).valid_until == date(2027, 1, 1)


@pytest.mark.parametrize(
    ("values", "field", "expected", "warning"),
    [
        ({"pc": "'LS6 2AB"}, "postcode", "LS6 2AB", None),  # was "outward code must start …"
        ({"pc": "LS6 2AB / LS7 3DE"}, "postcode", None, "postcode: holds more than one postcode"),
    ],
)
def test_postcodes(values: dict[str, Any], field: str, expected: Any, warning: str | None) -> None:
    test_fields(values, field, expected, warning)


ADDRESS = mapping(
    person={
        "full_name": "name",
        "house_number": "no",
        "street": "street",
        "address_lines": ["a1", "a2"],
        "town": "town",
        "postcode": "pc",
    }
)
ONE_LINE = mapping(person={"full_name": "name", "address": "address"})


def test_an_excel_text_mark_before_a_postcode_in_an_address_cell() -> None:
    # The mark was left behind as the town: town "'".
    result = run({"address": "12 High St, Leeds, 'LS6 2AB"}, ONE_LINE)
    person = result.person
    assert (person.street, person.town, person.postcode) == ("High St", "Leeds", "LS6 2AB")
    assert result.warnings == ()


@pytest.mark.parametrize("placeholder", ["?", "-", ".", "N/K", "Not known"])
def test_a_placeholder_in_an_address_part_is_not_stored(placeholder: str) -> None:
    # Was stored: house number "?", street "N/k", town "-".
    values = {"no": placeholder, "street": placeholder, "a1": placeholder, "town": placeholder}
    result = run({**values, "a2": "Rose Cottage", "pc": "LS6 2AB"}, ADDRESS)
    person = result.person
    assert (person.house_number, person.street, person.town) == (None, None, None)
    assert person.postcode == "LS6 2AB"
    said = f"'{placeholder}' is a placeholder for not known: treated as missing"
    assert sorted(result.warnings) == sorted(
        f"{key}: {said}" for key in ("town", "address_lines", "house_number", "street")
    )


def test_a_placeholder_for_a_one_line_address_is_no_address() -> None:
    result = run({"address": "N/K"}, ONE_LINE)
    assert (result.person.street, result.person.town) == (None, None)
    assert result.warnings == ("address: 'N/K' is a placeholder for not known: treated as missing",)


KEYS = mapping(
    person={"full_name": "name", "date_of_birth": "dob", "nhs_number": "nhs", "postcode": "pc"}
)


@pytest.mark.parametrize(
    ("values", "why"),
    [
        ({"pc": "LS6\u200b2AB", "dob": "03/04/1961\u200b"}, "zero-width spaces pasted in"),
        ({"nhs": "９４３４７６５９１９", "pc": "ＬＳ６ ２ＡＢ"}, "full-width digits and letters"),
        ({"nhs": "943–476–5919", "dob": "03–04–1961"}, "en dashes typed by Word"),
        ({"nhs": "943\u00a0476\u00a05919", "dob": "03\u00a004\u00a01961"}, "non-breaking spaces"),
        ({"name": "\ufeffAnn Jones"}, "a byte-order mark where files were joined"),
    ],
)
def test_invisible_and_look_alike_characters(values: dict[str, Any], why: str) -> None:
    # Each value was lost ("must contain only digits", "not a recognised date form").
    row = {"name": "Ann Jones", "dob": "03/04/1961", "nhs": "9434765919", "pc": "LS6 2AB"}
    result = run({**row, **values}, KEYS)
    person = result.person
    assert (person.given_name, person.family_name) == ("Ann", "Jones"), why
    assert (person.date_of_birth, person.nhs_number, person.postcode) == (
        "1961-04-03",
        "9434765919",
        "LS6 2AB",
    ), why
    assert result.warnings == (), why


def test_a_value_of_only_invisible_characters_is_missing() -> None:
    result = run({"pc": "\u200b"})
    assert (result.person.postcode, result.warnings) == (None, ())


ERRORS = mapping(
    person={"full_name": "name", "date_of_birth": "dob", "nhs_number": "nhs", "street": "street"}
)


def test_spreadsheet_errors_are_said_to_be_errors() -> None:
    # Were a family name "#ref!", a street "#Value!" and "not a recognised date form".
    values = {"name": "#REF!", "dob": "#VALUE!", "nhs": "#DIV/0!", "street": "#VALUE!"}
    result = run({**values, "id": "R1"}, ERRORS)
    assert (result.person.family_name, result.person.street) == (None, None)
    assert sorted(w.split(":")[0] for w in result.warnings) == [
        "date_of_birth",
        "full_name",
        "nhs_number",
        "street",
    ]
    assert all("spreadsheet formula's error" in w for w in result.warnings)


NAMES_ALONE = mapping(
    person={"full_name": "name", "preferred_name": "known_as", "other_family_names": "former"}
)


@pytest.mark.parametrize("placeholder", ["?", "N/K", "Unknown", "#REF!"])
def test_a_placeholder_for_a_known_as_or_former_name_is_no_name(placeholder: str) -> None:
    # Was stored: known as "?", former family name "N/k".
    result = run({"known_as": placeholder, "former": placeholder}, NAMES_ALONE)
    assert (result.person.preferred_name, result.person.other_family_names) == (None, ())
    assert [w.split(":")[0] for w in result.warnings] == ["preferred_name", "other_family_names"]


def test_a_known_as_and_a_former_name_are_kept() -> None:
    result = run({"known_as": "JACK", "former": "o'neill"}, NAMES_ALONE)
    assert (result.person.preferred_name, result.person.other_family_names) == (
        "Jack",
        ("O'Neill",),
    )
    assert result.warnings == ()


def test_excel_text_marks_before_address_parts() -> None:
    # Were stored: house name "'Rose Cottage", town "'Leeds".
    m = mapping(
        person={"full_name": "name", "address_lines": ["a1", "a2"], "town": "t", "street": "s"}
    )
    result = run({"a1": "'Rose Cottage", "a2": "'LS6 2AB", "t": "'Leeds", "s": "'High St"}, m)
    person = result.person
    assert (person.house_name, person.street, person.town, person.postcode) == (
        "Rose Cottage",
        "High St",
        "Leeds",
        "LS6 2AB",
    )
    assert result.warnings == ()


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        # What systems write for the NHS Data Dictionary's codes, as UK Core maps them: checked
        # through ingest because "Unknown" and "Not known" are also placeholders for not known.
        ("Not stated", "unknown"),
        ("Not known", "unknown"),
        ("Indeterminate", "other"),
        ("Prefer not to say", "unknown"),
        ("Unknown", "unknown"),
        ("I", "other"),
        ("9", "other"),
        ("0", "unknown"),
        ("X", "unknown"),
        (9.0, "other"),
    ],
)
def test_gender_phrases(written: Any, expected: str) -> None:
    result = run({"sex": written}, mapping(person={"full_name": "name", "sex": "sex"}))
    assert (result.person.sex, list(result.warnings)) == (expected, [])
