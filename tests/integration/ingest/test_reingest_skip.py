"""A re-ingest skips standardising a row whose raw digest and ``valid_until`` say it is unchanged.

Each test counts the rows standardised (``Preparer.finish``) and checks what is stored, on
SQLite and PostgreSQL: the same bytes are never standardised again; a row changed in any byte,
a changed mapping or a bumped standardisers' version are; a date of birth in the future is
looked at again from its day; versions stored before the digest existed get one.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from joinedup.ingest import parallel, prepare
from joinedup.ingest.pipeline import ingest_file
from joinedup.ingest.prepare import Preparer
from joinedup.ingest.readers import jsonl_reader
from joinedup.ingest.rows import SourceRow
from joinedup.standards.name_tokens import NEWBORN_NOTE
from joinedup.store import batches, records
from joinedup.store.db import session_scope
from tests.integration.ingest.helpers import MAPPING, ROWS, write_csv, write_mapping

TODAY = date(2026, 5, 1)
ALL = "".join(ROWS.values())


@pytest.fixture
def standardised(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The line of every row standardised (in this process) from now on."""
    lines: list[int] = []
    finish = Preparer.finish

    def counted(self: Preparer, row: SourceRow, *args: Any) -> Any:
        lines.append(row.line)
        return finish(self, row, *args)

    monkeypatch.setattr(Preparer, "finish", counted)
    return lines


def _digests(engine: Engine) -> dict[str, tuple[Any, Any]]:
    with session_scope(engine) as session:
        rows = session.execute(
            text(
                "SELECT record_id, raw_digest, valid_until FROM source_records "
                "WHERE source_id = 'council_tax' AND valid_to IS NULL"
            )
        )
        return {r: (d, str(u) if u is not None else None) for r, d, u in rows}


def test_the_same_bytes_are_not_standardised_again(
    engine: Engine, tmp_path: Path, standardised: list[int]
) -> None:
    mapping = write_mapping(tmp_path)
    path = write_csv(tmp_path, ALL + "4,,,,,\n")
    first = ingest_file(engine, mapping, path, today=TODAY)
    assert (first.stored, first.quarantined) == (3, 1)
    assert sorted(standardised) == [2, 3, 4, 5]
    assert all(digest for digest, _ in _digests(engine).values())
    standardised.clear()
    again = ingest_file(engine, mapping, path, today=TODAY + timedelta(days=400))
    assert (again.stored, again.updated, again.unchanged, again.quarantined) == (0, 0, 3, 1)
    assert standardised == [5]  # the quarantined row has no version to compare with


def test_a_row_changed_in_any_byte_is_standardised_again(
    engine: Engine, tmp_path: Path, standardised: list[int]
) -> None:
    mapping = write_mapping(tmp_path)
    ingest_file(engine, mapping, write_csv(tmp_path, ALL), today=TODAY)
    before = _digests(engine)
    standardised.clear()
    # One trailing space in a cell: standardised the same, but not the same bytes.
    changed = ALL.replace("LS1 1AA", "LS1 1AA ")
    result = ingest_file(engine, mapping, write_csv(tmp_path, changed, "b.csv"), today=TODAY)
    assert (result.stored, result.updated, result.unchanged) == (0, 0, 3)
    assert standardised == [4]
    after = _digests(engine)
    assert after["3"] != before["3"] and after["1"] == before["1"]
    # The new digest is kept, so the changed file is skipped from now on.
    standardised.clear()
    ingest_file(engine, mapping, write_csv(tmp_path, changed, "c.csv"), today=TODAY)
    assert standardised == []
    # A real change is a new version, as before.
    moved = ALL.replace("LS1 1AA", "LS7 3QB")
    result = ingest_file(engine, mapping, write_csv(tmp_path, moved, "d.csv"), today=TODAY)
    assert (result.updated, result.unchanged, standardised) == (1, 2, [4])
    with session_scope(engine) as session:
        renee = records.get_current(session, "council_tax", "3")
        assert renee is not None and renee.postcode == "LS7 3QB"


def test_a_changed_mapping_standardises_everything(
    engine: Engine, tmp_path: Path, standardised: list[int]
) -> None:
    path = write_csv(tmp_path, ALL)
    ingest_file(engine, write_mapping(tmp_path), path, today=TODAY)
    standardised.clear()
    # Even a comment: the digest does not try to tell which edits matter.
    edited = write_mapping(tmp_path, MAPPING + "# reviewed\n")
    result = ingest_file(engine, edited, path, today=TODAY)
    assert (result.unchanged, sorted(standardised)) == (3, [2, 3, 4])
    standardised.clear()
    # A mapping that reads a field differently changes what is stored.
    no_nhs = write_mapping(tmp_path, MAPPING.replace("  nhs_number: nhs\n", ""))
    result = ingest_file(engine, no_nhs, path, today=TODAY)
    assert (result.updated, result.unchanged, len(standardised)) == (1, 2, 3)


def test_a_bumped_standardisers_version_standardises_everything(
    engine: Engine, tmp_path: Path, standardised: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    mapping = write_mapping(tmp_path)
    path = write_csv(tmp_path, ALL)
    ingest_file(engine, mapping, path, today=TODAY)
    standardised.clear()
    monkeypatch.setattr(prepare, "STANDARDISERS_VERSION", prepare.STANDARDISERS_VERSION + 1)
    result = ingest_file(engine, mapping, path, today=TODAY)
    assert (result.unchanged, sorted(standardised)) == (3, [2, 3, 4])
    standardised.clear()
    ingest_file(engine, mapping, path, today=TODAY)
    assert standardised == []
    # So does an upgrade of what the standardisers rely on (here, the phone library).
    monkeypatch.setattr(prepare, "_ENVIRONMENT", prepare._ENVIRONMENT + " (upgraded)")
    result = ingest_file(engine, mapping, path, today=TODAY)
    assert (result.unchanged, sorted(standardised)) == (3, [2, 3, 4])


def test_a_date_of_birth_in_the_future_is_read_again_on_its_day(
    engine: Engine, tmp_path: Path, standardised: list[int]
) -> None:
    mapping = write_mapping(tmp_path)
    born = TODAY + timedelta(days=10)
    body = ALL + f"4,Baby Newborn,{born:%d/%m/%Y},,LS6 2AB,A\n"
    path = write_csv(tmp_path, body)
    first = ingest_file(engine, mapping, path, today=TODAY)
    assert (first.stored, first.warnings) == (4, 3)
    assert _digests(engine)["4"][1] == born.isoformat()
    # "Baby" is no given name, and the record says so (it changed without a word before).
    newborn = f"full_name: {NEWBORN_NOTE}"
    with session_scope(engine) as session:
        baby = records.get_current(session, "council_tax", "4")
        assert baby is not None and baby.date_of_birth is None
        assert baby.dq_warnings == [newborn, "date_of_birth: date of birth is in the future"]
    standardised.clear()
    # The day before: the same answer, so nothing is standardised.
    early = ingest_file(engine, mapping, path, today=born - timedelta(days=1))
    assert (early.unchanged, standardised) == (4, [])
    # On the day the date becomes valid, the row is read again and its new version stored.
    due = ingest_file(engine, mapping, path, today=born)
    assert (due.updated, due.unchanged, standardised) == (1, 3, [5])
    with session_scope(engine) as session:
        baby = records.get_current(session, "council_tax", "4")
        assert baby is not None and baby.date_of_birth == born.isoformat()
        assert baby.dq_warnings == [newborn] and baby.version == 2
    # A valid date of birth holds until it would give an age over 125.
    assert _digests(engine)["4"][1] == born.replace(year=born.year + 126).isoformat()
    standardised.clear()
    ingest_file(engine, mapping, path, today=born + timedelta(days=365 * 50))
    assert standardised == []


def test_versions_without_a_digest_get_one_from_an_unchanged_reingest(
    engine: Engine, tmp_path: Path, standardised: list[int]
) -> None:
    mapping = write_mapping(tmp_path)
    path = write_csv(tmp_path, ALL)
    ingest_file(engine, mapping, path, today=TODAY)
    stored = _digests(engine)
    with session_scope(engine, write=True) as session:  # as a store from before 0006 holds them
        session.execute(text("UPDATE source_records SET raw_digest = NULL, valid_until = NULL"))
    standardised.clear()
    result = ingest_file(engine, mapping, path, today=TODAY)
    assert (result.stored, result.updated, result.unchanged) == (0, 0, 3)
    assert sorted(standardised) == [2, 3, 4]
    assert _digests(engine) == stored
    standardised.clear()
    ingest_file(engine, mapping, path, today=TODAY)
    assert standardised == []


def test_a_second_process_stores_the_same_digests(engine: Engine, tmp_path: Path) -> None:
    mapping = write_mapping(tmp_path)
    path = write_csv(tmp_path, ALL)
    ingest_file(engine, mapping, path, today=TODAY, parallel=False)
    here = _digests(engine)
    with session_scope(engine, write=True) as session:
        session.execute(text("DELETE FROM source_records"))
    ingest_file(engine, mapping, path, today=TODAY, parallel=True)
    assert _digests(engine) == here


JSONL_MAPPING = """\
source: people
organisation: leeds-city-council
name: People
format: jsonl
record_id: id
person:
  full_name: name
  date_of_birth: dob
"""


def _jsonl(tmp_path: Path, lines: list[str], name: str = "people.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_unchanged_lines_of_a_line_format_are_not_even_parsed(
    engine: Engine, tmp_path: Path, standardised: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    mapping = tmp_path / "people.yaml"
    mapping.write_text(JSONL_MAPPING, encoding="utf-8")
    born = TODAY + timedelta(days=3)
    lines = [
        '{"id": 1, "name": "Ann Lee", "dob": "01/02/1960"}',
        '{"id": 2, "name": "Bo Kim", "dob": "03/04/1970"}',
        "not json",
        '{"id": 1, "name": "Ann Lee", "dob": "01/02/1961"}',  # id 1 again: the later row wins
        "",
        '{"id": 3, "name": "Cy Day", "dob": "' + f"{born:%d/%m/%Y}" + '"}',
        '{"id": 4}',
    ]
    path = _jsonl(tmp_path, lines)
    first = ingest_file(engine, mapping, path, today=TODAY)
    assert (first.stored, first.quarantined, first.skipped, first.duplicates) == (3, 3, 1, 1)
    parsed: list[str] = []
    parse = jsonl_reader.parse_json_line

    def counted(data: bytes, codec: str) -> Any:
        parsed.append(data.decode())
        return parse(data, codec)

    monkeypatch.setattr(jsonl_reader, "parse_json_line", counted)
    standardised.clear()
    again = ingest_file(engine, mapping, path, today=TODAY)
    assert again.counts() == {**first.counts(), "stored": 0, "unchanged": 3}
    # Scanned once each (7 lines, 6 not blank); then only what is not known unchanged: the
    # bad line, the superseded row and the row quarantined for holding no name.
    assert len(parsed) == 6 + 3
    assert standardised == [7]
    with session_scope(engine) as session:
        quarantined = session.execute(
            text(
                "SELECT batch_id, line_number, record_number, raw, reasons FROM quarantine "
                "ORDER BY id"
            )
        ).all()
    firsts = [row[1:] for row in quarantined if row[0] == first.batch_id]
    agains = [row[1:] for row in quarantined if row[0] == again.batch_id]
    assert firsts == agains and [row[0] for row in firsts] == [1, 3, 7]
    # On the day the date of birth becomes valid, its line is parsed and stored anew.
    parsed.clear()
    due = ingest_file(engine, mapping, path, today=born)
    assert (due.updated, due.unchanged) == (1, 2)
    assert len(parsed) == 6 + 4
    # One byte changed: that line is parsed and standardised again, the rest not.
    lines[1] = lines[1].replace('"Bo Kim"', '"Bo  Kim"')
    parsed.clear()
    standardised.clear()
    changed = ingest_file(engine, mapping, _jsonl(tmp_path, lines, "b.jsonl"), today=born)
    assert (changed.updated, changed.unchanged) == (0, 3)
    assert (len(parsed), sorted(standardised)) == (6 + 4, [2, 7])


def test_preparing_processes_are_told_the_unchanged_lines(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "BATCH", 2)  # rows cross several messages and processes
    mapping = tmp_path / "people.yaml"
    mapping.write_text(JSONL_MAPPING, encoding="utf-8")
    lines = [
        f'{{"id": {i}, "name": "Person {chr(65 + i)}", "dob": "01/02/1960"}}' for i in range(9)
    ]
    lines[4] = '{"id": 4}'  # quarantined: nothing identifies a person
    first = ingest_file(engine, mapping, _jsonl(tmp_path, lines), today=TODAY, parallel=2)
    assert (first.stored, first.quarantined) == (8, 1)
    again = ingest_file(engine, mapping, _jsonl(tmp_path, lines), today=TODAY, parallel=2)
    assert again.counts() == {**first.counts(), "stored": 0, "unchanged": 8}
    lines[6] = lines[6].replace("Person", "Persona")
    moved = ingest_file(
        engine, mapping, _jsonl(tmp_path, lines, "b.jsonl"), today=TODAY, parallel=2
    )
    assert (moved.updated, moved.unchanged, moved.quarantined) == (1, 7, 1)
    with session_scope(engine) as session:
        assert [r.line_number for r in batches.list_quarantine(session, moved.batch_id)] == [5]


def test_a_full_extract_still_ends_what_it_no_longer_holds(
    engine: Engine, tmp_path: Path, standardised: list[int]
) -> None:
    mapping = tmp_path / "people.yaml"
    mapping.write_text(JSONL_MAPPING, encoding="utf-8")
    lines = [f'{{"id": {i}, "name": "Al {chr(65 + i)}", "dob": "01/02/1960"}}' for i in range(5)]
    ingest_file(engine, mapping, _jsonl(tmp_path, lines), today=TODAY, full=True)
    standardised.clear()
    kept = lines[:2] + lines[3:]  # record 2 has gone
    result = ingest_file(engine, mapping, _jsonl(tmp_path, kept, "b.jsonl"), today=TODAY, full=True)
    assert (result.unchanged, result.ended, result.stored, standardised) == (4, 1, 0, [])
    with session_scope(engine) as session:
        assert records.get_current(session, "people", "2") is None
        assert records.count_current(session, "people") == 4
    # It comes back: a new version after the old one, standardised (no current version).
    back = ingest_file(engine, mapping, _jsonl(tmp_path, lines, "c.jsonl"), today=TODAY, full=True)
    assert (back.stored, back.unchanged, standardised) == (1, 4, [3])
    with session_scope(engine) as session:
        assert [v.version for v in records.get_versions(session, "people", "2")] == [1, 2]
