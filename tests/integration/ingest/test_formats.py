"""Excel, JSON Lines and FHIR through ingest_file on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy.engine import Engine

from joinedup.ingest.mapping import parse_mapping
from joinedup.ingest.pipeline import ingest_file
from joinedup.store import records
from joinedup.store.db import session_scope

NHS = "https://fhir.nhs.uk/Id/nhs-number"


def test_xlsx(engine: Engine, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (
        ["Ref", "Name", "Born", "Started"],
        [101, "Mrs Ada Lovelace", datetime(1941, 12, 10), "01/02/2024"],
        [None, None, None, None],
        [102, "Bob", "b.1941", None],
    ):
        sheet.append(row)
    path = tmp_path / "visits.xlsx"
    book.save(path)
    mapping = parse_mapping(
        {
            "source": "befriending",
            "organisation": "charity",
            "format": "xlsx",
            "record_id": "Ref",
            "person": {"full_name": "Name", "date_of_birth": "Born", "year_of_birth": "Born"},
            "attributes": {"fields": {"started": {"field": "Started", "format": "%d/%m/%Y"}}},
        }
    )
    result = ingest_file(engine, mapping, path)
    assert (result.read, result.stored, result.skipped, result.quarantined) == (3, 2, 1, 0)
    with session_scope(engine) as session:
        ada = records.get_current(session, "befriending", "101")
        assert ada is not None and ada.date_of_birth == "1941-12-10"
        assert ada.attributes == {"started": "2024-02-01"}
        assert ada.raw["Born"] == "1941-12-10"
        bob = records.get_current(session, "befriending", "102")
        assert bob is not None and (bob.year_of_birth, bob.dq_warnings) == (1941, [])
    assert ingest_file(engine, mapping, path).unchanged == 2


def test_fhir_bundle_and_ndjson(engine: Engine, tmp_path: Path) -> None:
    patients = [
        {
            "resourceType": "Patient",
            "id": f"p{i}",
            "identifier": [{"system": NHS, "value": "9434765919"}],
            "name": [{"use": "official", "family": "Smith", "given": [f"Pat{i}"]}],
            "birthDate": "1961-04-03",
        }
        for i in range(3)
    ]
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": p} for p in patients]
        + [{"resource": {"resourceType": "Practitioner", "id": "d1"}}],
    }
    mapping = parse_mapping({"source": "gp", "organisation": "nhs", "format": "fhir"})
    (tmp_path / "gp.json").write_text(json.dumps(bundle, indent=1), encoding="utf-8")
    result = ingest_file(engine, mapping, tmp_path / "gp.json")
    assert (result.read, result.stored, result.skipped) == (4, 3, 1)
    changed = [dict(patients[0], gender="female"), patients[1]]
    ndjson = tmp_path / "gp.ndjson"
    ndjson.write_text("\n".join(json.dumps(p) for p in changed) + "\n", encoding="utf-8")
    result = ingest_file(engine, mapping, ndjson, full=True)
    assert (result.updated, result.unchanged, result.ended) == (1, 1, 1)
    with session_scope(engine) as session:
        first = records.get_current(session, "gp", "p0")
        assert first is not None and (first.sex, first.version, first.nhs_number) == (
            "female",
            2,
            "9434765919",
        )
        assert records.get_current(session, "gp", "p2") is None


def test_json_lines(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "care.jsonl"
    lines = [
        {"case": {"id": "C1"}, "person": {"name": {"given": "Zoë", "family": "Nowak"}}},
        "not json",
        {"case": {"id": "C2"}, "person": {"name": {"family": "Khan"}}, "addresses": []},
    ]
    path.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines), encoding="utf-8"
    )
    mapping = parse_mapping(
        {
            "source": "care",
            "organisation": "council",
            "format": "jsonl",
            "record_id": "case.id",
            "person": {
                "given_name": "person.name.given",
                "family_name": "person.name.family",
                "postcode": "addresses.0.postcode",
            },
        }
    )
    result = ingest_file(engine, mapping, path)
    assert (result.stored, result.quarantined) == (2, 1)
    with session_scope(engine) as session:
        zoe = records.get_current(session, "care", "C1")
        assert zoe is not None and (zoe.given_name, zoe.family_name) == ("Zoë", "Nowak")


def test_xlsx_hidden_rows_and_unsaved_formulas_are_reported(engine: Engine, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (
        ["Ref", "Name", "Born"],
        [101, "Mrs Ada Lovelace", "=DATE(1961,4,3)"],
        [102, "Test Person", datetime(1941, 12, 10)],
        ["=ROW()", "Bob Smith", None],
    ):
        sheet.append(row)
    sheet.row_dimensions[3].hidden = True
    path = tmp_path / "visits.xlsx"
    book.save(path)
    doc = {
        "source": "befriending",
        "organisation": "charity",
        "format": "xlsx",
        "record_id": "Ref",
        "person": {"full_name": "Name", "date_of_birth": "Born"},
    }
    result = ingest_file(engine, parse_mapping(doc), path)
    assert (result.read, result.stored, result.quarantined) == (3, 2, 1)
    assert (result.hidden_read, result.unsaved_formulas) == (1, 2)
    assert result.summary().splitlines()[3:] == [
        "1 row was hidden in the workbook and was read (each record keeps a warning; set "
        "hidden_rows: skip in the mapping if hidden rows are not data)",
        "2 cells of mapped columns held a formula with no saved result and were read as "
        "empty: open and save the workbook in Excel, or export it to CSV, and ingest it again",
    ]
    assert result.to_json()["hidden_read"] == 1
    with session_scope(engine) as session:
        ada = records.get_current(session, "befriending", "101")
        assert ada is not None and ada.date_of_birth is None
        assert ada.dq_warnings == [
            "date_of_birth: C2 ('Born') holds a formula with no saved result; open and save "
            "the workbook in Excel, or export it to CSV"
        ]
        assert ada.raw["Born"] == "=DATE(1961,4,3)"
        hidden = records.get_current(session, "befriending", "102")
        assert hidden is not None and hidden.dq_warnings[0].startswith("hidden row:")
    skipped = ingest_file(engine, parse_mapping({**doc, "hidden_rows": "skip"}), path, full=True)
    assert (skipped.read, skipped.skipped, skipped.hidden_skipped, skipped.ended) == (3, 1, 1, 1)
    assert "1 row was hidden in the workbook and was skipped" in skipped.summary()
