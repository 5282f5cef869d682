"""FHIR R4 Patients from a Bundle or NDJSON, read the UK Core way."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from joinedup.ingest.errors import SourceFileError
from joinedup.ingest.mapping import parse_mapping
from joinedup.ingest.readers import open_reader
from joinedup.ingest.readers.fhir_patient import NHS_NUMBER_SYSTEM, patient_fields
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
        ({"name": [{"text": "Mr John SMITH"}]}, {"full_name": "Mr John SMITH"}),
        ({"deceasedDateTime": "2020-01-02T10:00:00Z"}, {"date_of_death": "2020-01-02"}),
        ({"name": "not a list", "identifier": {"bad": 1}}, {}),
    ],
)
def test_patient_field_edge_cases(patient: dict[str, Any], expected: dict[str, Any]) -> None:
    assert patient_fields(patient) == expected


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
