"""FHIR R4 Patients from a Bundle or NDJSON, read the UK Core way."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from joinedup.ingest.errors import SourceFileError
from joinedup.ingest.mapping import parse_mapping
from joinedup.ingest.readers import open_reader
from joinedup.ingest.readers.fhir_patient import (
    BIRTH_TIME,
    DAY_DEPENDENT,
    NHS_NUMBER_SYSTEM,
    patient_fields,
)
from joinedup.ingest.readers.fhir_reader import resource_row
from joinedup.ingest.rows import UNCHANGED
from joinedup.ingest.standardise import standardise_row
from tests.unit.ingest.helpers import read_all, write

FHIR = parse_mapping({"source": "gp", "organisation": "nhs-leeds", "format": "fhir"})

PATIENT: dict[str, Any] = {
    "resourceType": "Patient",
    "id": "p1",
    "identifier": [
        {"system": "https://example.org/mrn", "value": "X1"},
        {"system": NHS_NUMBER_SYSTEM, "value": "9434765919"},
    ],
    "name": [
        {"use": "maiden", "family": "Brown"},
        {"use": "usual", "given": ["Liz"]},
        {"use": "official", "family": "Smith", "given": ["Elizabeth", "Ann"], "prefix": ["Mrs"]},
    ],
    "gender": "female",
    "birthDate": "1961-04-03",
    "address": [
        {"use": "old", "line": ["1 Old Road"], "postalCode": "LS1 1AA"},
        {
            "use": "home",
            "line": ["12 Harehills Lane"],
            "city": "Leeds",
            "postalCode": "ls62ab",
            "extension": [
                {
                    "url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-AddressKey",
                    "extension": [
                        {"url": "type", "valueCoding": {"code": "UPRN"}},
                        {"url": "value", "valueString": "72145678"},
                    ],
                }
            ],
        },
    ],
    "telecom": [
        {"system": "phone", "value": "0113 496 0000"},
        {"system": "email", "value": "Liz@Example.ORG"},
    ],
}


def test_patient_fields() -> None:
    fields = patient_fields(PATIENT)
    assert fields == {
        "nhs_number": "9434765919",
        "given_name": "Elizabeth",
        "middle_names": "Ann",
        "family_name": "Smith",
        "title": "Mrs",
        "preferred_name": "Liz",
        "other_family_names": ["Brown"],
        "date_of_birth": "1961-04-03",
        "sex": "female",
        "address_lines": ["12 Harehills Lane"],
        "town": "Leeds",
        "postcode": "ls62ab",
        "uprn": "72145678",
        "phone": ["0113 496 0000"],
        "email": ["Liz@Example.ORG"],
    }


@pytest.mark.parametrize(
    ("patient", "expected"),
    [
        ({"birthDate": "1961"}, {"year_of_birth": "1961"}),
        # A birthDate given only by its extension (a maternity system's birth time).
        (
            {
                "_birthDate": {
                    "extension": [{"url": BIRTH_TIME, "valueDateTime": "2026-11-20T14:35:00Z"}]
                }
            },
            {"date_of_birth": "2026-11-20"},
        ),
        (
            {
                "_birthDate": {
                    "extension": [
                        {
                            "url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason",
                            "valueCode": "unknown",
                        }
                    ]
                }
            },
            {},
        ),
        ({"_birthDate": "not an element"}, {}),
        ({"name": [{"text": "Mr John SMITH"}]}, {"full_name": "Mr John SMITH"}),
        ({"deceasedDateTime": "2020-01-02T10:00:00Z"}, {"date_of_death": "2020-01-02"}),
        ({"name": "not a list", "identifier": {"bad": 1}}, {}),
    ],
)
def test_patient_field_edge_cases(patient: dict[str, Any], expected: dict[str, Any]) -> None:
    assert patient_fields(patient) == expected


TODAY = date(2026, 11, 23)
LEGACY = "http://fhir.nhs.net/Id/nhs-number"


@pytest.mark.parametrize(
    ("identifiers", "expected", "why"),
    [
        ([{"system": LEGACY, "value": "9434765919"}], "9434765919", "the pre-UK Core system"),
        (
            [
                {"system": LEGACY, "value": "9434765870"},
                {"system": NHS_NUMBER_SYSTEM, "value": "9434765919"},
            ],
            "9434765919",
            "UK Core's system wins, in any order",
        ),
        (
            [
                {"system": NHS_NUMBER_SYSTEM, "value": "9434765919"},
                {"system": LEGACY, "value": "9434765870"},
            ],
            "9434765919",
            "UK Core's system first",
        ),
        ([{"system": LEGACY, "value": ""}], None, "an empty value is none"),
        ([{"system": "https://example.org/mrn", "value": "X1"}], None, "another system"),
    ],
)
def test_nhs_number_systems(
    identifiers: list[dict[str, str]], expected: str | None, why: str
) -> None:
    assert patient_fields({"identifier": identifiers}).get("nhs_number") == expected, why


def _named(end: Any) -> dict[str, Any]:
    return {
        "name": [
            {"use": "official", "family": "Ended", "given": ["Ann"], "period": {"end": end}},
            {"use": "usual", "family": "Usual", "given": ["Bea"]},
        ]
    }


@pytest.mark.parametrize(
    ("end", "family", "until", "why"),
    [
        ("2099-01-01", "Ended", date(2099, 1, 2), "an end in the future has not happened"),
        ("2026-11-23", "Ended", date(2026, 11, 24), "the name holds on its last day"),
        ("2026-11-23T09:00:00Z", "Ended", date(2026, 11, 24), "a dateTime by its date"),
        ("2026-11-22", "Usual", None, "ended yesterday"),
        ("2026-11", "Ended", date(2026, 12, 1), "a month runs to its last day"),
        ("2026", "Ended", date(2027, 1, 1), "a year runs to its last day"),
        ("2026-10", "Usual", None, "last month"),
        ("2025", "Usual", None, "last year"),
        ("soon", "Usual", None, "an end that is not a date: ended, as before"),
        ("2026-02-30", "Usual", None, "an impossible date is not a date"),
        (20990101, "Usual", None, "an end that is not text: ended, as before"),
    ],
)
def test_a_period_has_ended_only_when_its_end_is_past(
    end: Any, family: str, until: date | None, why: str
) -> None:
    fields = patient_fields(_named(end), TODAY)
    assert fields["family_name"] == family, why
    judged = isinstance(end, str) and end[:4].isdigit() and end != "2026-02-30"
    assert fields.get(DAY_DEPENDENT) == ((TODAY, until) if judged else None), why


def test_contact_points_and_addresses_use_the_same_periods() -> None:
    patient = {
        "telecom": [
            {"system": "phone", "value": "0113 496 0000", "period": {"end": "2030"}},
            {"system": "phone", "value": "0113 496 0001", "period": {"end": "2020"}},
        ],
        "address": [{"use": "home", "postalCode": "LS6 2AB", "period": {"end": "2027-03"}}],
    }
    fields = patient_fields(patient, TODAY)
    assert fields["phone"] == ["0113 496 0000"] and fields["postcode"] == "LS6 2AB"
    assert fields[DAY_DEPENDENT] == (TODAY, date(2027, 4, 1))


@pytest.mark.parametrize(
    ("address", "expected", "why"),
    [
        (
            {"text": "1 High St, Leeds LS6 2AB"},
            {"address": "1 High St, Leeds LS6 2AB"},
            "text only",
        ),
        (
            {"text": "1 High St", "city": "Leeds", "district": "Headingley"},
            {"address": "1 High St, Headingley, Leeds"},
            "places the text lacks are added to it",
        ),
        (
            {"text": "1 High St, Leeds", "city": "LEEDS", "postalCode": "LS6 2AB"},
            {"address": "1 High St, Leeds", "postcode": "LS6 2AB"},
            "a postal code given beside the text is kept",
        ),
        (
            {"text": "ignored", "line": ["1 High St"], "city": "Leeds"},
            {"address_lines": ["1 High St"], "town": "Leeds"},
            "lines win over the text",
        ),
        ({"text": "  "}, {}, "blank text"),
    ],
)
def test_an_address_given_as_text(
    address: dict[str, Any], expected: dict[str, Any], why: str
) -> None:
    assert patient_fields({"address": [address]}) == expected, why


def test_a_text_address_is_standardised_as_one_line() -> None:
    patient = {**PATIENT, "address": [{"use": "home", "text": "1 High St, Leeds LS6 2AB"}]}
    row = resource_row(1, json.dumps(patient), patient)
    person = standardise_row(row, FHIR, today=TODAY).person
    assert (person.house_number, person.street, person.town, person.postcode) == (
        "1",
        "High St",
        "Leeds",
        "LS6 2AB",
    )


@pytest.mark.parametrize("lazy", [False, True])
def test_periods_are_judged_on_the_ingest_day(lazy: bool) -> None:
    # The reader reads a Patient on the real day; standardising on another day (ingest_file's
    # ``today``) judges the periods again on that day, and the row is valid until the end.
    patient = {**PATIENT, **_named("2021-01-01")}
    row = resource_row(1, json.dumps(patient), patient, lazy=lazy)
    result = standardise_row(row, FHIR, today=date(2020, 6, 1))
    assert (result.person.given_name, result.person.family_name) == ("Ann", "Ended")
    assert result.valid_until == date(2021, 1, 2)
    later = standardise_row(row, FHIR, today=TODAY)
    assert (later.person.given_name, later.person.family_name) == ("Bea", "Usual")
    plain = standardise_row(resource_row(1, "", PATIENT), FHIR, today=TODAY)
    assert later.valid_until == plain.valid_until  # the date of birth's own (an age of 126)


def test_bundle(tmp_path: Path) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": PATIENT},
            {"resource": {"resourceType": "Organization", "id": "o1"}},
            {"fullUrl": "urn:x"},
        ],
    }
    path = write(tmp_path, "gp.json", json.dumps(bundle, indent=2))
    rows = read_all(FHIR, path)
    assert [(r.line, r.kind) for r in rows] == [(1, "row"), (2, "skip"), (3, "bad")]
    result = standardise_row(rows[0], FHIR)
    assert result.record_id == "p1" and not result.problems
    person = result.person
    assert (person.given_name, person.family_name, person.preferred_name) == (
        "Elizabeth",
        "Smith",
        "Liz",
    )
    assert person.other_family_names == ("Brown",)
    assert (person.postcode, person.uprn, person.town) == ("LS6 2AB", "72145678", "Leeds")
    assert person.emails == ("Liz@example.org",)


def test_ndjson_and_explicit_paths_win(tmp_path: Path) -> None:
    lines = [
        json.dumps(PATIENT),
        "",
        '{"resourceType": "Patient", "id": ',
        json.dumps({"resourceType": "Observation", "id": "o"}),
    ]
    path = write(tmp_path, "gp.ndjson", "\n".join(lines) + "\n")
    m = parse_mapping(
        {
            "source": "gp",
            "organisation": "nhs",
            "format": "fhir",
            "record_id": "identifier.0.value",
            "person": {"family_name": "name.1.given.0"},
        }
    )
    rows = read_all(m, path)
    assert [(r.line, r.kind) for r in rows] == [(1, "row"), (2, "blank"), (3, "bad"), (4, "skip")]
    result = standardise_row(rows[0], m)
    assert result.record_id == "X1"
    assert result.person.family_name == "Liz" and result.person.given_name is None


def test_a_line_that_is_no_fhir_resource_is_quarantined_not_skipped(tmp_path: Path) -> None:
    # An ordinary JSON Lines export given to a FHIR mapping: every line was "another resource",
    # skipped, and the ingest stored nothing and exited 0 without a word.
    lines = [
        json.dumps({"id": "ASC1", "name": "Amara Okafor"}),
        json.dumps({"resourceType": "", "id": "x"}),
        json.dumps({"resourceType": "Observation", "id": "o"}),
    ]
    rows = read_all(FHIR, write(tmp_path, "asc.jsonl", "\n".join(lines) + "\n"))
    assert [(r.line, r.kind) for r in rows] == [(1, "bad"), (2, "bad"), (3, "skip")]
    assert rows[0].problems == ("expected a FHIR resource, found an object with no resourceType",)


def test_not_fhir(tmp_path: Path) -> None:
    with pytest.raises(SourceFileError, match=r"not a FHIR Bundle or NDJSON: expected '\{'"):
        read_all(FHIR, write(tmp_path, "x.json", '[\n{"resourceType": "Patient"}\n]'))
    with pytest.raises(SourceFileError, match="the JSON does not parse"):
        read_all(FHIR, write(tmp_path, "y.json", '{\n "resourceType": "Bundle",\n'))


def test_lines_marked_unchanged_are_yielded_unread(tmp_path: Path) -> None:
    patient = json.dumps(PATIENT)
    path = tmp_path / "p.ndjson"
    path.write_text("\n".join([patient, "", "{broken", patient, patient]) + "\n", "utf-8")
    reader = open_reader(FHIR, path)
    # Lines 3 (broken: never parsed, so not found broken) and 5; the bitmap ends early.
    reader.unchanged = bytearray([0b0010_1000])
    rows = list(reader.rows())
    assert [r is UNCHANGED for r in rows] == [False, False, True, False, True]
    assert [r.kind for r in rows] == ["row", "blank", "unchanged", "row", "unchanged"]
