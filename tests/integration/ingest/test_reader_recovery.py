"""What the QA pass found, through ingest_file: broken quotes, lone surrogates, mixed encodings,
Ctrl-Z, and files that must fail cleanly (binary, headerless) without echoing their bytes."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from joinedup.ingest.errors import SourceFileError
from joinedup.ingest.mapping import parse_mapping
from joinedup.ingest.pipeline import ingest_file
from joinedup.store import batches, records
from joinedup.store.db import session_scope


def _mapping(fmt: str = "csv", **extra: Any) -> Any:
    person = {"full_name": "name", "date_of_birth": "dob"}
    return parse_mapping(
        {
            "source": f"qa_{fmt}",
            "organisation": "qa-council",
            "format": fmt,
            "record_id": "ref" if fmt == "csv" else "id",
            "person": person,
            **extra,
        }
    )


def _write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("rows", [3, 5000])
def test_one_broken_quote_costs_one_row(engine: Engine, tmp_path: Path, rows: int) -> None:
    lines = [f"{i},Person {i} Smith,01/01/1970\n" for i in range(1, rows + 1)]
    lines[rows // 2] = f'{rows // 2 + 1},"Ann Lee,01/01/1970\n'
    path = _write(tmp_path, "q.csv", ("ref,name,dob\n" + "".join(lines)).encode())
    first = ingest_file(engine, _mapping(), path)
    assert (first.read, first.stored, first.quarantined) == (rows, rows - 1, 1)
    with session_scope(engine) as session:
        [broken] = batches.list_quarantine(session, first.batch_id)
        line = rows // 2 + 2
        assert broken.line_number == line
        assert broken.reasons == [f"a quoted field opened on line {line} never closes"]
        assert broken.raw == lines[rows // 2].rstrip("\n")
    again = ingest_file(engine, _mapping(), path)
    assert (again.read, again.unchanged, again.quarantined) == (rows, rows - 1, 1)


def test_a_lone_surrogate_is_one_quarantined_line(engine: Engine, tmp_path: Path) -> None:
    lines = [
        '{"id": 1, "name": "Ann Lee", "dob": "01/01/1970"}',
        '{"id": 2, "name": "K\\ud800 Lee", "dob": "01/01/1970"}',
        '{"id": 3, "name": "Bo Ray", "dob": "02/02/1970"}',
    ]
    path = _write(tmp_path, "s.jsonl", "\n".join(lines).encode())
    result = ingest_file(engine, _mapping("jsonl"), path)
    assert (result.stored, result.quarantined) == (2, 1)
    with session_scope(engine) as session:
        [bad] = batches.list_quarantine(session, result.batch_id)
        assert bad.line_number == 2 and bad.reasons[0].startswith("invalid Unicode escape")


@pytest.mark.parametrize("bundle", [False, True], ids=["ndjson", "bundle"])
def test_a_lone_surrogate_in_fhir(engine: Engine, tmp_path: Path, bundle: bool) -> None:
    patients = [
        {"resourceType": "Patient", "id": "a", "name": [{"family": "Lee", "given": ["Ann"]}]},
        {"resourceType": "Patient", "id": "b", "name": [{"family": "K\ud800", "given": ["Bo"]}]},
    ]
    for patient in patients:
        patient["birthDate"] = "1970-01-01"
    if bundle:
        text = json.dumps({"resourceType": "Bundle", "entry": [{"resource": p} for p in patients]})
    else:
        text = "\n".join(json.dumps(p) for p in patients)
    mapping = parse_mapping({"source": "qa_fhir", "organisation": "qa-nhs", "format": "fhir"})
    result = ingest_file(engine, mapping, _write(tmp_path, "p.json", text.encode()))
    assert (result.stored, result.quarantined) == (1, 1)


def test_mixed_encodings_store_what_was_written(engine: Engine, tmp_path: Path) -> None:
    body = b"ref,name,dob\n" + "".join(f"{i},Zoë Café,01/01/1970\n" for i in range(1, 5)).encode(
        "utf-8"
    )
    body += "5,Seán O’Neill,01/01/1970\n".encode("cp1252")
    result = ingest_file(engine, _mapping(), _write(tmp_path, "mixed.csv", body))
    assert result.stored == 5
    with session_scope(engine) as session:
        zoe = records.get_current(session, "qa_csv", "1")
        sean = records.get_current(session, "qa_csv", "5")
        assert zoe is not None and (zoe.given_name, zoe.family_name) == ("Zoë", "Café")
        assert sean is not None and (sean.given_name, sean.family_name) == ("Seán", "O'Neill")
        # The engineer can find the rows the fallback read: a warning on each, none elsewhere.
        assert any("read as Windows-1252" in w for w in sean.dq_warnings)
        assert not any("Windows-1252" in w for w in zoe.dq_warnings)


def test_a_dos_end_of_file_mark_is_skipped(engine: Engine, tmp_path: Path) -> None:
    body = b"ref,name,dob\r\n1,Ann Lee,01/01/1970\r\n2,Bob Ray,02/02/1970\r\n\x1a"
    result = ingest_file(engine, _mapping(), _write(tmp_path, "ctrlz.csv", body))
    assert result.counts() | {"batch_id": 0} == {
        "read": 3,
        "stored": 2,
        "updated": 0,
        "unchanged": 0,
        "quarantined": 0,
        "skipped": 1,
        "ended": 0,
        "batch_id": 0,
    }


def _workbook(path: Path) -> bytes:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return path.read_bytes()


@pytest.mark.parametrize(
    ("fmt", "name", "make", "says"),
    [
        ("csv", "bin.csv", lambda p: bytes(range(256)) * 12, "looks like a binary file"),
        ("csv", "book.csv", _workbook, "looks like an Excel workbook, not CSV text; set format"),
        ("jsonl", "book.jsonl", _workbook, "looks like an Excel workbook, not JSON Lines text"),
        (
            "csv",
            "nohdr.csv",
            lambda p: b"1,Ann Lee,01/01/1970,9434765919\n",
            "the first row looks like data rather than column names",
        ),
    ],
)
def test_a_file_that_cannot_be_read_fails_cleanly(
    engine: Engine, tmp_path: Path, fmt: str, name: str, make: Any, says: str
) -> None:
    path = _write(tmp_path, name, make(tmp_path / "scratch"))
    with pytest.raises(SourceFileError) as caught:
        ingest_file(engine, _mapping(fmt), path)
    message = str(caught.value)
    assert says in message and message.isprintable()
    for personal in ("Ann", "1970", "9434765919"):
        assert personal not in message
    with session_scope(engine) as session:
        assert records.count_current(session) == 0
        [batch] = batches.list_batches(session, f"qa_{fmt}")
        assert (batch.status, batch.message) == ("failed", message)
