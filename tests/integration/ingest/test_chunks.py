"""Ingest decides row by row against the database, a chunk at a time, with no per-record state.

Chunks and staging flushes are shrunk to a few rows here, so that duplicates, updates, records
that come back and full extracts all fall across chunk boundaries, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from joinedup.ingest import seen, store_pass
from joinedup.ingest.pipeline import ingest_file
from joinedup.store import batches, records
from joinedup.store.db import session_scope
from tests.integration.ingest.helpers import write_csv, write_mapping


def _row(ref: int, postcode: str = "LS6 2AB") -> str:
    return f"{ref},Person{chr(65 + ref % 26)} Smith{ref},03/04/19{ref % 90 + 10},,{postcode},B\n"


@pytest.fixture(autouse=True)
def _small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_pass, "CHUNK", 3)
    monkeypatch.setattr(seen, "FLUSH_EVERY", 4)


@pytest.fixture(autouse=True)
def _no_whole_source_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    # What made memory grow with the source: loading every current version up front.
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("ingest must not load every current version of a source")

    monkeypatch.setattr(records, "current_versions", refuse)


def test_many_chunks_add_up(engine: Engine, tmp_path: Path) -> None:
    mapping = write_mapping(tmp_path)
    body = "".join(_row(i) for i in range(1, 21))
    first = ingest_file(engine, mapping, write_csv(tmp_path, body))
    assert (first.read, first.stored) == (20, 20)
    # Rows 5 and 12 move; 7 repeats later (the later row wins); 20 rows plus the repeat.
    changed = "".join(_row(i, "LS7 3QB" if i in (5, 12) else "LS6 2AB") for i in range(1, 21))
    changed += _row(7, "LS8 1AA")
    again = ingest_file(engine, mapping, write_csv(tmp_path, changed, name="b.csv"))
    assert (again.read, again.stored, again.updated, again.unchanged) == (21, 0, 3, 17)
    assert (again.quarantined, again.duplicates) == (1, 1)
    with session_scope(engine) as session:
        assert records.count_current(session, "council_tax") == 20
        current = records.get_current(session, "council_tax", "7")
        assert current is not None and current.postcode == "LS8 1AA"
        [earlier] = batches.list_quarantine(session, again.batch_id)
        assert earlier.line_number == 8
        assert earlier.reasons == ["record id repeated at line 22; only that later row is read"]


def test_full_extract_across_chunks_and_a_record_that_comes_back(
    engine: Engine, tmp_path: Path
) -> None:
    mapping = write_mapping(tmp_path)
    every = "".join(_row(i) for i in range(1, 13))
    ingest_file(engine, mapping, write_csv(tmp_path, every))
    fewer = "".join(_row(i) for i in range(1, 13) if i % 4)
    result = ingest_file(engine, mapping, write_csv(tmp_path, fewer, name="b.csv"), full=True)
    assert (result.ended, result.unchanged) == (3, 9)
    back = ingest_file(engine, mapping, write_csv(tmp_path, every, name="c.csv"), full=True)
    assert (back.stored, back.unchanged, back.ended) == (3, 9, 0)
    with session_scope(engine) as session:
        assert records.count_current(session, "council_tax") == 12
        # Numbered after the ended version, not version 1 again.
        versions = records.get_versions(session, "council_tax", "8")
        assert [(v.version, v.valid_to is None) for v in versions] == [(1, False), (2, True)]


def test_a_record_state_lookup_sees_current_and_ended_versions(
    engine: Engine, tmp_path: Path
) -> None:
    mapping = write_mapping(tmp_path)
    ingest_file(engine, mapping, write_csv(tmp_path, _row(1) + _row(2)))
    ingest_file(engine, mapping, write_csv(tmp_path, _row(1, "LS7 3QB"), name="b.csv"), full=True)
    with session_scope(engine) as session:
        states = records.record_states(session, "council_tax", ["1", "2", "3", "1"])
    assert set(states) == {"1", "2"}
    assert states["1"].last_version == 2 and states["1"].current is not None
    assert states["1"].current.version == 2
    assert states["2"].last_version == 1 and states["2"].current is None
