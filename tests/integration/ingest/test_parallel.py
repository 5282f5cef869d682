"""A second process reading and standardising gives exactly what one process gives.

The files here are small, so ``parallel=True`` forces the second process that a large file
gets by default; batches are shrunk so that rows cross many messages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from joinedup import worker
from joinedup.errors import JoinedupError
from joinedup.ingest import parallel
from joinedup.ingest.pipeline import ingest_file
from joinedup.store import batches, records
from joinedup.store.db import session_scope
from tests.integration.ingest.helpers import MAPPING, write_csv, write_mapping

FIELDS = ("given_name", "family_name", "date_of_birth", "nhs_number", "postcode", "content_hash")


@pytest.fixture(autouse=True)
def _small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "BATCH", 4)


def _body() -> str:
    rows = [
        f"{i},Person{chr(65 + i % 26)} Smith{i},03/04/19{i % 90 + 10},,LS6 2AB,B\n"
        for i in range(1, 30)
    ]
    rows[5] = "\n"  # a blank line
    rows[9] = "99,,,,,\n"  # nothing that identifies a person
    rows[12] = "7,Late Row,01/01/1990,,LS1 1AA,C\n"  # a repeat of id 7: the later row wins
    rows[15] = "x,too,few\n"
    rows[20] = "21,Jo Bloggs,31/02/1980,943 476 5918,LS6 2AB,A\n"  # warnings, row kept
    return "".join(rows)


def _outcome(engine: Engine, source: str, batch_id: int) -> tuple[Any, ...]:
    with session_scope(engine) as session:
        stored = sorted(
            (r["record_id"], *(r[f] for f in FIELDS), tuple(r["dq_warnings"]))
            for r in records.iter_current(session, [source])
        )
        quarantined = [
            (q.line_number, q.record_number, q.raw, q.reasons)
            for q in batches.list_quarantine(session, batch_id)
        ]
    return stored, sorted(quarantined)


@pytest.mark.parametrize("processes", [1, 3])
def test_the_second_process_gives_what_one_process_gives(
    engine: Engine, tmp_path: Path, processes: int
) -> None:
    path = write_csv(tmp_path, _body())
    one = write_mapping(tmp_path)
    two = tmp_path / "two.yaml"
    two.write_text(MAPPING.replace("source: council_tax", "source: council_tax_2"), "utf-8")
    serial = ingest_file(engine, one, path, parallel=False)
    second = ingest_file(engine, two, path, parallel=processes)
    assert serial.counts() == second.counts()
    assert (serial.duplicates, serial.warnings) == (second.duplicates, second.warnings) == (1, 2)
    assert serial.read == serial.stored + serial.quarantined + serial.skipped
    assert _outcome(engine, "council_tax", serial.batch_id) == _outcome(
        engine, "council_tax_2", second.batch_id
    )
    # Either way round, the other path finds every row unchanged.
    assert ingest_file(engine, one, path, parallel=True).unchanged == serial.stored
    assert ingest_file(engine, two, path, parallel=False).unchanged == serial.stored


def test_progress_is_reported_from_the_second_process(engine: Engine, tmp_path: Path) -> None:
    seen: list[Any] = []
    ingest_file(
        engine,
        write_mapping(tmp_path),
        write_csv(tmp_path, _body()),
        progress=seen.append,
        parallel=True,
    )
    store = [p for p in seen if p.phase == "store"]
    assert len(store) > 3 and store[-1].done == store[-1].total
    assert [p.rows for p in store] == sorted(p.rows for p in store)


def test_an_error_in_the_second_process_stores_nothing(engine: Engine, tmp_path: Path) -> None:
    mapping = write_mapping(
        tmp_path, MAPPING.replace("format: csv", "format: csv\nencoding: utf-8")
    )
    body = _body().encode("utf-8") + b"40,Bad \xff Byte,01/01/1990,,LS1 1AA,C\n"
    path = tmp_path / "bad.csv"
    path.write_bytes(b"ref,name,dob,nhs,postcode,band\n" + body)
    with pytest.raises(JoinedupError, match="utf-8"):
        ingest_file(engine, mapping, path, parallel=True)
    with session_scope(engine) as session:
        assert records.count_current(session, "council_tax") == 0
        [batch] = batches.list_batches(session, "council_tax")
        assert batch.status == "failed"


def test_a_second_process_that_dies_fails_the_ingest(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "_CHILD", "import os; os._exit(3)")
    with pytest.raises(parallel.ReaderProcessError, match="exit code 3"):
        ingest_file(engine, write_mapping(tmp_path), write_csv(tmp_path, _body()), parallel=True)
    with session_scope(engine) as session:
        assert records.count_current(session, "council_tax") == 0


def test_large_files_get_a_second_process_small_ones_do_not(tmp_path: Path) -> None:
    small = tmp_path / "small.csv"
    small.write_text("x\n")
    assert not parallel.use_second_process(small)
    assert not parallel.use_second_process(tmp_path / "missing.csv")


def test_a_second_process_only_with_a_core_to_spare(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.csv"
    path.write_text("x\n")
    monkeypatch.setattr(parallel, "PARALLEL_FROM_BYTES", 1)
    monkeypatch.setattr(worker.os, "sched_getaffinity", lambda _: {0, 1}, raising=False)
    monkeypatch.setattr(worker.os, "getloadavg", lambda: (0.3, 0.3, 0.3))
    assert parallel.preparing_processes(path) == 1
    monkeypatch.setattr(worker.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    assert parallel.preparing_processes(path) == 2
    monkeypatch.setattr(worker.os, "getloadavg", lambda: (5.0, 5.0, 5.0))
    monkeypatch.setattr(worker, "cpu_reading", lambda: None)  # nothing better to go on
    assert not parallel.use_second_process(path)
    monkeypatch.setattr(worker.os, "sched_getaffinity", lambda _: {0}, raising=False)
    monkeypatch.setattr(worker.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    assert not parallel.use_second_process(path)


@pytest.mark.parametrize(("others", "expected"), [(0.1, 1), (0.4, 1), (0.6, 0), (1.5, 0)])
def test_a_load_average_left_by_a_step_that_ended_is_checked_against_the_machine_now(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, others: float, expected: int
) -> None:
    """The previous file of a run of ingests leaves the one-minute load average high for a
    minute; what other processes use over a quarter of a second decides instead."""
    path = tmp_path / "big.csv"
    path.write_text("x\n")
    monkeypatch.setattr(parallel, "PARALLEL_FROM_BYTES", 1)
    monkeypatch.setattr(worker.os, "sched_getaffinity", lambda _: {0, 1}, raising=False)
    monkeypatch.setattr(worker.os, "getloadavg", lambda: (1.6, 1.2, 0.7))
    # the machine's busy seconds over the quarter second: others' use times the window
    readings = iter(
        [worker.CpuReading(10.0, 100.0, 5.0), worker.CpuReading(10.25, 100.0 + others / 4, 5.0)]
    )
    monkeypatch.setattr(worker, "cpu_reading", lambda: next(readings))
    slept: list[float] = []
    monkeypatch.setattr(worker.time, "sleep", slept.append)
    assert parallel.preparing_processes(path) == expected
    assert slept == [worker.MIN_WINDOW]


@pytest.mark.parametrize("rows", [0, 1, 7, 8, 9, 12, 13])
def test_batches_shared_among_processes_come_back_in_order(tmp_path: Path, rows: int) -> None:
    from datetime import date

    from joinedup.ingest.mapping import load_mapping

    path = write_csv(
        tmp_path, "".join(f"{i},Ann Lee{i},01/01/1990,,LS1 1AA,A\n" for i in range(rows))
    )
    mapping = load_mapping(write_mapping(tmp_path))
    one = [b for b, _, _ in parallel.prepared_batches(mapping, path, {}, date.today(), 4)]
    shares = [
        list(parallel.prepared_batches(mapping, path, {}, date.today(), 4, part, 3))
        for part in range(3)
    ]
    interleaved = []
    for number in range(len(one) + 3):
        share = shares[number % 3]
        if number // 3 >= len(share):
            break
        interleaved.append(share[number // 3][0])
    assert [row for b in interleaved for row in b] == [row for b in one for row in b]


def test_no_load_average_means_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.csv"
    path.write_text("x\n")
    monkeypatch.setattr(parallel, "PARALLEL_FROM_BYTES", 1)
    monkeypatch.delattr(worker.os, "getloadavg")
    monkeypatch.setattr(worker, "cpu_reading", lambda: None)  # nor the kernel's counters
    assert parallel.preparing_processes(path) == 0


def test_an_embedded_interpreter_means_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.csv"
    path.write_text("x\n")
    monkeypatch.setattr(parallel, "PARALLEL_FROM_BYTES", 1)
    monkeypatch.setattr(worker.os, "sched_getaffinity", lambda _: {0, 1}, raising=False)
    monkeypatch.setattr(worker.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    monkeypatch.setattr(worker.sys, "executable", "/usr/sbin/uwsgi")
    assert parallel.preparing_processes(path) == 0
