"""Mappings: the issue's example loads; each kind of mistake gets a message people can act on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from joinedup.ingest.errors import MappingError
from joinedup.ingest.mapping import DEFAULT_NULL_VALUES, load_mapping, parse_mapping

ISSUE_EXAMPLE = """
source: council_tax                # id of the source system, unique in the hub
organisation: leeds-city-council   # id of the organisation that holds it (created if new)
name: Council Tax                  # shown to people
format: csv                        # csv | jsonl | xlsx | fhir
encoding: auto                     # auto, or a codec: cp1252, utf-8, utf-8-sig
delimiter: auto                    # csv: auto, or the character
record_id: liable_party_ref        # the field holding the source's own id
person:
  full_name: liable_name
  preferred_name: Known As
  other_family_names: [preferred_surname]
  date_of_birth: {field: DOB, format: "%d-%b-%Y"}
  year_of_birth: Age/YOB
  sex: gender
  nhs_number: nhs_number
  address_lines: [address_1, address_2, address_3]
  town: town
  postcode: postcode
  uprn: property_uprn
  phone: [phone, mobile]
  email: email
  date_of_death: date_of_death
attributes:
  category: finance.council_tax
  fields: {band: band, liability_start: {field: liability_start, format: "%d/%m/%Y"}}
"""

BASE: dict[str, Any] = {
    "source": "council_tax",
    "organisation": "lcc",
    "format": "csv",
    "record_id": "ref",
    "person": {"full_name": "name"},
}


def test_the_issue_example_loads(tmp_path: Path) -> None:
    path = tmp_path / "council_tax.yaml"
    path.write_text(ISSUE_EXAMPLE, encoding="utf-8")
    m = load_mapping(path)
    assert (m.source, m.organisation, m.name, m.format) == (
        "council_tax",
        "leeds-city-council",
        "Council Tax",
        "csv",
    )
    assert m.encoding == "auto" and m.delimiter is None
    assert [r.name for r in m.person["phone"]] == ["phone", "mobile"]
    assert m.person["date_of_birth"][0].format == "%d-%b-%Y"
    assert m.person["year_of_birth"][0].path == ("Age/YOB",)  # CSV names are never split
    assert m.category == "finance.council_tax"
    assert m.attribute_fields["liability_start"].format == "%d/%m/%Y"
    assert m.text == ISSUE_EXAMPLE


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"person": {"date_of_birth": 5}},
            "person.date_of_birth: expected a field name or {field, format}",
        ),
        (
            {"person": {"date_of_birth": {"field": "DOB", "fmt": "%d"}}},
            "person.date_of_birth: unknown key 'fmt' (did you mean 'format'?)",
        ),
        ({"person": {"dob": "DOB"}}, "person: unknown key 'dob'"),
        ({"person": {"full_nme": "name"}}, "did you mean 'full_name'?"),
        ({"format": "tsv"}, "format: expected one of csv, jsonl, xlsx, fhir"),
        ({"source": "Council Tax"}, "source: expected lower-case letters"),
        ({"record_id": None}, "record_id: expected a field name or {field, format}"),
        ({"colour": "red"}, "unknown key 'colour'"),
        ({"skip_rows": -1}, "skip_rows: expected a number of at least 0"),
        (
            {"attributes": {"category": "Finance Stuff"}},
            "attributes.category: expected a dotted data category",
        ),
        ({"encoding": "klingon"}, "encoding: unknown codec 'klingon'"),
        ({"delimiter": ";;"}, "delimiter: expected auto, one character"),
        ({"format": "jsonl", "delimiter": ","}, "delimiter: only applies to format csv"),
        ({"sheet": "Sheet1"}, "sheet: only applies to format xlsx"),
        (
            {"person": {"full_name": "name", "family_name": "surname"}},
            "either as full_name or as its parts",
        ),
        (
            {"person": {"address": "addr", "address_lines": ["a1"]}},
            "address (one line) or address_lines",
        ),
        (
            {"person": {"date_of_birth": {"field": "DOB", "format": "dd/mm/yyyy"}}},
            "has no % directives",
        ),
        ({"person": {"date_of_birth": "%d/%m/%Y"}}, "looks like a format"),
        ({"person": {}}, "person: map at least one person field"),
        ({"columns": ["ref"], "person": {"full_name": "name"}}, "'name' is not one of the columns"),
    ],
)
def test_mistakes_are_explained(change: dict[str, Any], expected: str) -> None:
    doc = {**BASE, **change}
    with pytest.raises(MappingError) as caught:
        parse_mapping(doc, origin="council_tax.yaml")
    assert any(expected in line for line in str(caught.value).splitlines()), str(caught.value)
    assert all(line.startswith("council_tax.yaml: ") for line in str(caught.value).splitlines())


def test_every_problem_is_reported_at_once() -> None:
    doc = {**BASE, "format": "tsv", "source": "Bad Name", "person": {"dob": "x"}}
    with pytest.raises(MappingError) as caught:
        parse_mapping(doc, origin="m.yaml")
    assert len(caught.value.problems) == 3


def test_missing_required_keys() -> None:
    with pytest.raises(MappingError, match="missing required key 'organisation'"):
        parse_mapping({"source": "x", "format": "csv", "record_id": "a", "person": {"sex": "s"}})
    with pytest.raises(MappingError, match="missing required key 'record_id'"):
        parse_mapping({"source": "x", "organisation": "o", "format": "csv", "person": {"sex": "s"}})


def test_fhir_needs_neither_record_id_nor_person() -> None:
    m = parse_mapping({"source": "gp", "organisation": "nhs", "format": "fhir"})
    assert m.record_id.path == ("id",) and dict(m.person) == {}


def test_dotted_paths_are_compiled_for_json_formats() -> None:
    m = parse_mapping({**BASE, "format": "jsonl", "person": {"postcode": "addresses.0.postcode"}})
    assert m.person["postcode"][0].path == ("addresses", "0", "postcode")


def test_extensions() -> None:
    m = parse_mapping(
        {
            **BASE,
            "format": "xlsx",
            "sheet": 2,
            "skip_rows": 3,
            "null_values": ["-", "UNKNOWN"],
            "full_name_order": "family_first",
            "attributes": {"constants": {"service": "housing"}},
        }
    )
    assert m.sheet == 2 and m.skip_rows == 3 and m.full_name_order == "family_first"
    assert m.null_values == frozenset({"-", "UNKNOWN", ""})
    assert dict(m.attribute_constants) == {"service": "housing"}
    assert parse_mapping(BASE).null_values == DEFAULT_NULL_VALUES


def test_adults_only_says_every_person_of_the_source_is_an_adult() -> None:
    assert parse_mapping({**BASE, "adults_only": True}).adults_only is True
    assert parse_mapping(BASE).adults_only is False
    with pytest.raises(MappingError, match="adults_only: expected true or false"):
        parse_mapping({**BASE, "adults_only": "yes"})


@pytest.mark.parametrize(
    ("word", "char"), [("tab", "\t"), ("semicolon", ";"), ("|", "|"), ("auto", None)]
)
def test_delimiter_words(word: str, char: str | None) -> None:
    assert parse_mapping({**BASE, "delimiter": word}).delimiter == char


def test_yaml_and_file_problems(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match=r"nope\.yaml: file not found"):
        load_mapping(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("source: [unclosed\n", encoding="utf-8")
    with pytest.raises(MappingError, match=r"broken.yaml: line \d+, column \d+: not valid YAML"):
        load_mapping(broken)
    listy = tmp_path / "list.yaml"
    listy.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(MappingError, match="expected a mapping of keys"):
        load_mapping(listy)


# (why, the mapping file's text, what a line of the error must say)
FILE_CASES = [
    (
        "a key given twice",
        "source: a\norganisation: o\nformat: csv\nrecord_id: id\nperson:\n  full_name: n\n"
        "person:\n  sex: s\n",
        "line 7, column 1: not valid YAML (key 'person' given twice (first on line 5)",
    ),
    (
        "a schema problem names its line",
        "source: a\norganisation: o\nformat: csv\nrecord_id: id\nperson:\n  dob: d\n",
        "line 6: person: unknown key 'dob'",
    ),
    (
        "NULL in YAML is nothing, not text",
        "source: a\norganisation: o\nformat: csv\nrecord_id: id\nperson:\n  sex: s\n"
        "null_values: NULL\n",
        "quote text, 'NULL'",
    ),
]


@pytest.mark.parametrize(("why", "text", "expected"), FILE_CASES, ids=[c[0] for c in FILE_CASES])
def test_a_mapping_files_problems_say_where(
    tmp_path: Path, why: str, text: str, expected: str
) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    assert any(expected in line for line in str(caught.value).splitlines()), str(caught.value)


def test_schema_and_semantic_problems_come_together() -> None:
    doc = {**BASE, "source": "Bad Name", "encoding": "cp9999", "delimiter": ";;"}
    with pytest.raises(MappingError) as caught:
        parse_mapping(doc, origin="m.yaml")
    text = str(caught.value)
    assert "source: expected lower-case" in text
    assert "unknown codec 'cp9999'" in text and "delimiter: expected auto" in text
