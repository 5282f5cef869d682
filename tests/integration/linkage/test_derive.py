"""The frame read from the store is the same whether a worker process derived part of it or not;
a worker that fails fails the read, with the message the same failure gives in process."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest
from sqlalchemy.engine import Engine

from joinedup import worker as worker_module
from joinedup.demo.generate import generate_borough
from joinedup.demo.load import load_borough
from joinedup.errors import JoinedupError
from joinedup.linkage import derive, frame_cache
from joinedup.store import sources
from joinedup.store.db import session_scope
from joinedup.store.records import LINKAGE_COLUMNS, iter_current_chunks
from joinedup.worker import WorkerDied


@pytest.fixture
def borough(engine: Engine, tmp_path: Any) -> Engine:
    manifest = generate_borough(tmp_path / "borough", people=150, seed=5)
    for _ in load_borough(engine, manifest):
        pass
    return engine


def _read(engine: Engine, *, helped: bool) -> tuple[pa.Table, dict[str, int]]:
    with session_scope(engine) as session:
        adults = sources.adult_source_ids(session)
        return frame_cache.from_store(session, adult_sources=adults, helped=helped)


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Chunks of 23 records, the worker from the second, always a core for it, and the chunks
    this process derives itself counted (by their sizes)."""
    monkeypatch.setattr(frame_cache, "CHUNK", 23)
    monkeypatch.setattr(derive, "WORKER_FROM_CHUNK", 1)
    monkeypatch.setattr(derive, "idle_cores", lambda *_: 1)
    here: list[int] = []
    derive_rows = derive.derive_rows

    def counted(rows: Any, adults: Any) -> pa.Table:
        here.append(len(rows))
        return derive_rows(rows, adults)

    monkeypatch.setattr(derive, "derive_rows", counted)
    return here


def test_a_worker_derives_the_same_frame(borough: Engine, small_chunks: list[int]) -> None:
    alone, alone_versions = _read(borough, helped=False)
    derived_here = len(small_chunks)
    small_chunks.clear()
    helped, helped_versions = _read(borough, helped=True)
    assert alone.num_rows > 10 * 23
    assert derived_here == -(-alone.num_rows // 23)  # every chunk, here
    assert 1 <= len(small_chunks) < derived_here  # the first here, others by the worker
    assert helped.equals(alone)
    assert helped.schema == frame_cache.schema()
    assert helped_versions == alone_versions


def test_lists_parsed_where_derived_give_the_frame_of_lists_parsed_on_reading(
    borough: Engine,
) -> None:
    # from_store leaves the list columns as stored for the deriving process to parse.
    alone, _ = _read(borough, helped=False)
    with session_scope(borough) as session:
        adults = sources.adult_source_ids(session)
        rows = [
            tuple(row)
            for chunk in iter_current_chunks(session, columns=LINKAGE_COLUMNS, mappings=False)
            for row in chunk
        ]
    assert any(row[LINKAGE_COLUMNS.index("phones")] for row in rows)
    assert derive.derive_rows(rows, adults).equals(alone)


def test_with_every_chunk_sent_the_order_holds(
    borough: Engine, small_chunks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(derive, "AHEAD", 1_000)  # the worker takes all but the first
    alone, _ = _read(borough, helped=False)
    small_chunks.clear()
    helped, _ = _read(borough, helped=True)
    assert small_chunks == [23]
    assert helped.equals(alone)


def test_a_worker_that_dies_fails_the_read(
    borough: Engine, small_chunks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(derive, "_PROGRAM", "import os; os._exit(3)")
    with pytest.raises(WorkerDied, match="exit code 3"):
        _read(borough, helped=True)


def _row(record_id: str, version: int) -> tuple[Any, ...]:
    values = {name: None for name in LINKAGE_COLUMNS}
    values.update(id=version, source_id="gp", record_id=record_id, given_name="Ann")
    return tuple(values[name] for name in LINKAGE_COLUMNS)


def test_an_error_in_the_worker_reads_as_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(derive, "WORKER_FROM_CHUNK", 0)
    monkeypatch.setattr(derive, "AHEAD", 10)  # both chunks to the worker
    monkeypatch.setattr(derive, "idle_cores", lambda *_: 1)
    repeated = [_row("1", 1), _row("1", 2)]
    with pytest.raises(JoinedupError) as in_process:
        derive.derive_rows(repeated, ())
    with derive.ChunkDeriver((), helped=True) as deriver:
        deriver.add([_row("0", 0)])
        deriver.add(repeated)
        with pytest.raises(JoinedupError) as in_worker:
            deriver.tables()
    assert str(in_worker.value) == str(in_process.value)


def test_leaving_early_stops_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(derive, "WORKER_FROM_CHUNK", 0)
    monkeypatch.setattr(derive, "idle_cores", lambda *_: 1)
    with pytest.raises(KeyboardInterrupt), derive.ChunkDeriver((), helped=True) as deriver:
        for number in range(5):
            deriver.add([_row(str(number), number)])
        raise KeyboardInterrupt  # the reading stopped half way: nothing waits for the worker
    assert deriver._worker is not None
    assert all(not thread.is_alive() for thread in deriver._threads)


def test_no_interpreter_to_start_derives_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(derive, "WORKER_FROM_CHUNK", 0)
    monkeypatch.setattr(derive, "idle_cores", lambda *_: 1)

    def refuse(*_: Any, **__: Any) -> None:
        raise FileNotFoundError("no python here")

    monkeypatch.setattr(worker_module.subprocess, "Popen", refuse)
    with derive.ChunkDeriver((), helped=True) as deriver:
        deriver.add([_row("1", 1)])
        [table] = deriver.tables()
    assert deriver._worker is None
    assert table.column("unique_id").to_pylist() == ["gp|1"]
