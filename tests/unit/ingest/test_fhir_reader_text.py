"""FHIR as text: a lone surrogate escape quarantines its line or entry; UTF-16 files are read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from joinedup.ingest.errors import SourceFileError
from joinedup.ingest.mapping import parse_mapping
from joinedup.ingest.readers.fhir_patient import NHS_NUMBER_SYSTEM
from tests.unit.ingest.helpers import read_all, write

FHIR_DOC = {"source": "gp", "organisation": "nhs-leeds", "format": "fhir"}
FHIR = parse_mapping(FHIR_DOC)
PATIENT: dict[str, Any] = {
    "resourceType": "Patient",
    "id": "p1",
    "identifier": [{"system": NHS_NUMBER_SYSTEM, "value": "9434765919"}],
    "name": [{"use": "official", "family": "Zoë", "given": ["Łukasz"]}],
    "birthDate": "1961-04-03",
}
LONE = "invalid Unicode escape (\\ud800 is half of a surrogate pair and the other half is missing)"
# A Patient whose family name holds a lone surrogate escape, as JSON text.
BROKEN = json.dumps({**PATIENT, "id": "p2", "name": [{"family": "K\ud800"}]})
ONE_LINE = '{"resourceType": "Bundle", "entry": [{"resource": %s}, {"resource": %s}]}'


@pytest.mark.parametrize(
    ("content", "kinds"),
    [
        (BROKEN + "\n" + json.dumps(PATIENT) + "\n", [(1, "bad"), (2, "row")]),
        (ONE_LINE % (BROKEN, json.dumps(PATIENT)), [(1, "bad"), (2, "row")]),
        (
            json.dumps(
                {"resourceType": "Bundle", "entry": [{"resource": PATIENT}, {"x": "\ud800"}]},
                indent=1,
            ),
            [(1, "row"), (2, "bad")],
        ),
    ],
    ids=["ndjson", "a bundle on one line", "a pretty bundle, in an entry with no resource"],
)
def test_a_lone_surrogate_quarantines_its_line_or_entry(
    tmp_path: Path, content: str, kinds: list[tuple[int, str]]
) -> None:
    rows = read_all(FHIR, write(tmp_path, "s.json", content))
    assert [(r.line, r.kind) for r in rows] == kinds
    [broken] = [r for r in rows if r.kind == "bad"]
    assert broken.problems == (LONE,)
    assert "\\ud800" in broken.raw
    broken.raw.encode("utf-8")  # storable: the surrogate is written as its escape


@pytest.mark.parametrize("encoding", ["auto", "utf-16"])
def test_utf16_ndjson_and_bundle(tmp_path: Path, encoding: str) -> None:
    m = parse_mapping({**FHIR_DOC, "encoding": encoding})
    lines = json.dumps(PATIENT) + "\r\n\r\n" + json.dumps({"resourceType": "Observation"})
    rows = read_all(m, write(tmp_path, "n.ndjson", lines, encoding="utf-16"))
    assert [(r.line, r.kind) for r in rows] == [(1, "row"), (2, "blank"), (3, "skip")]
    assert rows[0].values == PATIENT
    bundle = json.dumps({"resourceType": "Bundle", "entry": [{"resource": PATIENT}]}, indent=2)
    [row] = read_all(m, write(tmp_path, "b.json", bundle, encoding="utf-16"))
    assert row.values == PATIENT


def test_a_workbook_given_as_fhir(tmp_path: Path) -> None:
    with pytest.raises(SourceFileError, match="looks like an Excel workbook, not FHIR JSON"):
        read_all(FHIR, write(tmp_path, "gp.json", b"PK\x03\x04" + bytes(100)))
