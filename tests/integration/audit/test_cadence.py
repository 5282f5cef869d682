"""A trail written legitimately never shows a missing checkpoint, however the interval changed
or whoever wrote it; one whose checkpoints were deleted does (``audit.cadence``).

Each checkpoint records the interval in force (``cadence``) and appenders honour the one the
latest checkpoint announced, so these hold exactly, with no slack: writers with different
settings in turn, settings changed between runs, checkpoints switched off and on, manual
checkpoints, and concurrent threads and processes configured differently.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.engine import Engine

from joinedup.audit import append, checkpoint_now, verify
from joinedup.audit.cadence import next_due
from joinedup.store.db import session_scope
from joinedup.store.governance_tables import AuditCheckpoint
from tests.integration.audit.helpers import event, legacy_checkpoint, rebuild_from, tamper


def _append(engine: Engine, every: int, count: int = 1) -> None:
    for _ in range(count):
        with session_scope(engine) as session:
            append(session, event(1), checkpoint_every=every)


def _run(engine: Engine, runs: list[tuple[int, int]]) -> None:
    """Each run is ``(every, events)``: a process started with that setting, then stopped."""
    for every, count in runs:
        _append(engine, every, count)


def _cadences(engine: Engine) -> list[tuple[int, int | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(AuditCheckpoint.seq, AuditCheckpoint.cadence).order_by(AuditCheckpoint.seq)
        )
        return [(seq, cadence) for seq, cadence in rows]


LEGITIMATE: list[tuple[str, list[tuple[int, int]]]] = [
    ("a short unsigned tail", [(5, 12)]),
    ("the interval raised between runs", [(3, 7), (10, 25)]),
    ("the interval lowered between runs", [(10, 13), (3, 11)]),
    ("intervals that do not divide each other", [(4, 6), (7, 9), (5, 12), (3, 4)]),
    ("checkpoints switched off, then on", [(5, 7), (0, 30), (4, 9)]),
    ("checkpoints off from the start", [(0, 40)]),
    ("one event per run, settings alternating", [(5, 1), (3, 1), (0, 1), (7, 1)] * 8),
]


@pytest.mark.parametrize("runs", [r for _, r in LEGITIMATE], ids=[n for n, _ in LEGITIMATE])
def test_a_legitimately_written_trail_has_no_missing_checkpoint(
    engine: Engine, runs: list[tuple[int, int]]
) -> None:
    _run(engine, runs)
    result = verify(engine)
    assert result.ok, result.problems


def test_an_appender_keeps_the_interval_the_latest_checkpoint_announced(engine: Engine) -> None:
    # Started at 5, restarted at 1000: the checkpoint due at 10 is still written, announcing
    # the new interval, after which the next is due at 1000.
    _run(engine, [(5, 7), (1000, 8)])
    assert _cadences(engine) == [(5, 5), (10, 1000)]
    # Restarted at 3 (16 to 18: 18 is due), then switched off: the checkpoint the last one
    # announced (21) is still written, announcing 0, and then none.
    _run(engine, [(3, 3), (0, 10)])
    assert _cadences(engine)[2:] == [(18, 3), (21, 0)]
    assert verify(engine).ok


def test_a_manual_checkpoint_carries_the_announced_interval_on(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(engine, [(5, 7)])
    # The IG officer's machine has another setting: it must not change what is announced.
    monkeypatch.setenv("JOINEDUP_AUDIT_CHECKPOINT_EVERY", "2")
    with session_scope(engine) as session:
        assert checkpoint_now(session) is not None
    assert _cadences(engine) == [(5, 5), (7, 5)]
    _run(engine, [(5, 6)])
    assert _cadences(engine)[-1] == (10, 5)
    assert verify(engine).ok


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.sampled_from([0, 1, 2, 3, 5, 7, 12]), st.integers(0, 9), st.booleans()),
        min_size=1,
        max_size=6,
    )
)
def test_any_history_of_settings_and_manual_checkpoints_verifies(
    engine: Engine, runs: list[tuple[int, int, bool]]
) -> None:
    # The trail grows across examples: still one legitimately written trail.
    for every, count, manual in runs:
        _append(engine, every, count)
        if manual:
            with session_scope(engine) as session:
                checkpoint_now(session)
    result = verify(engine)
    assert result.ok, result.problems


def test_threads_with_different_settings_leave_no_gap(engine: Engine) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def work(every: int) -> None:
        try:
            start.wait()
            _append(engine, every, 25)
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(every,)) for every in (3, 5, 0)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = verify(engine)
    assert result.ok, result.problems
    assert result.events == 75


_APPENDER = """
import sys
from joinedup.audit import append, audited_engine
from joinedup.store.db import make_engine, session_scope
from tests.integration.audit.helpers import event

url, count = sys.argv[1], int(sys.argv[2])
engine = audited_engine(make_engine(url))
for n in range(count):
    with session_scope(engine) as session:
        append(session, event(n))
"""


def test_worker_processes_configured_differently_leave_no_gap(db_url: str, engine: Engine) -> None:
    """A rolling restart that changes JOINEDUP_AUDIT_CHECKPOINT_EVERY: old and new workers
    append at once, each with its own setting."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _APPENDER, db_url, "20"],
            env={**env, "JOINEDUP_AUDIT_CHECKPOINT_EVERY": every},
        )
        for every in ("4", "7", "0")
    ]
    assert [child.wait(timeout=120) for child in children] == [0, 0, 0]
    result = verify(engine)
    assert result.ok, result.problems
    assert result.events == 60


def test_checkpoints_older_than_the_cadence_still_verify(engine: Engine) -> None:
    _append(engine, 0, 6)
    legacy_checkpoint(engine, 3)
    legacy_checkpoint(engine, 6)
    assert verify(engine).ok
    _append(engine, 4, 6)  # the first checkpoint to announce an interval comes at 8
    assert _cadences(engine) == [(3, None), (6, None), (8, 4), (12, 4)]
    assert verify(engine).ok


EVIDENCE = [
    # (description, delete checkpoints with seq in [lo, hi], rebuild from, expected first)
    ("the latest checkpoint deleted", (20, 20), None, (20, "checkpoint_missing")),
    ("the latest two deleted, the tail rebuilt", (15, 20), 12, (15, "checkpoint_missing")),
    ("a checkpoint between two others deleted", (10, 10), None, (10, "checkpoint_missing")),
    ("all but the first deleted, the rest rebuilt", (10, 20), 6, (10, "checkpoint_missing")),
]


@pytest.mark.parametrize(
    ("deleted", "rebuilt", "first"),
    [(d, r, f) for _, d, r, f in EVIDENCE],
    ids=[name for name, *_ in EVIDENCE],
)
def test_deleted_checkpoints_are_named(
    engine: Engine, deleted: tuple[int, int], rebuilt: int | None, first: tuple[int, str]
) -> None:
    _append(engine, 5, 23)  # checkpoints at 5, 10, 15, 20; 21 to 23 unsigned
    tamper(engine, f"DELETE FROM audit_checkpoints WHERE seq BETWEEN {deleted[0]} AND {deleted[1]}")
    if rebuilt is not None:
        rebuild_from(engine, rebuilt)
    result = verify(engine)
    assert result.first is not None, "deleted checkpoints went unseen"
    assert (result.first.seq, result.first.kind) == first, result.problems
    assert "where one is due" in result.first.message


def test_a_rebuilt_stretch_shorter_than_the_interval_is_not_seen_without_a_witness(
    engine: Engine,
) -> None:
    """The documented limit: delete the latest checkpoint and the events after the one before,
    then write fewer than N new ones — the database holds nothing that contradicts them."""
    _append(engine, 5, 12)
    tamper(
        engine,
        "DELETE FROM audit_checkpoints WHERE seq >= 10",
        "DELETE FROM audit_events WHERE seq > 7",
    )
    _append(engine, 0, 2)
    assert verify(engine).ok


@pytest.mark.parametrize(("seq", "cadence", "due"), [(0, 5, 5), (5, 5, 10), (7, 5, 10), (9, 3, 12)])
def test_next_due(seq: int, cadence: int, due: int) -> None:
    assert next_due(seq, cadence) == due
