"""On SQLite, an ingest that commits while ``joinedup link`` runs no longer fails the run.

A link run reads the store in one snapshot, computes for a while (seconds to minutes), then
writes the index. An ingest committing meanwhile moved the database past that snapshot, and
SQLite refuses to turn a stale read into a write: the run failed at its final write with
"database is locked", all its work lost. The race is made deterministic here: the clustering
step (after every read, before any write) starts a writer, as an ingest would, and the run
must then save its results when the writer lets go.

Through the command, on a real SQLite file; PostgreSQL takes row locks and never refused.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from joinedup.cli import _register, app
from joinedup.linkage import index, runs
from joinedup.store import db
from joinedup.store.db import session_scope
from tests.integration.linkage.index_helpers import Store, amara_twice_and_tomasz, person

pytestmark = pytest.mark.slow


@pytest.fixture
def db_backend() -> str:
    """SQLite only: its single writer is what the race is about."""
    return "sqlite"


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", db_url)
    _register()
    return CliRunner()


@pytest.fixture
def store(engine: Engine) -> Store:
    return amara_twice_and_tomasz(engine)


class Writer:
    """Another process's write transaction on the same file: what an ingest holds while it
    stores a batch. ``start`` returns once it holds the write lock; it commits after ``hold``
    seconds."""

    def __init__(self, path: str, hold: float) -> None:
        self.hold = hold
        self.holding = threading.Event()
        self.connection = sqlite3.connect(
            path, isolation_level=None, timeout=60, check_same_thread=False
        )
        self.thread = threading.Thread(target=self._write, daemon=True)

    def _write(self) -> None:
        self.connection.execute("BEGIN IMMEDIATE")
        # A real change: the database moves past the link run's snapshot when it commits.
        self.connection.execute("UPDATE sources SET name = name || ' (renamed)'")
        self.holding.set()
        time.sleep(self.hold)
        self.connection.execute("COMMIT")

    def start(self) -> None:
        self.thread.start()
        assert self.holding.wait(30)

    def finish(self) -> None:
        self.thread.join(60)
        self.connection.close()


@pytest.fixture
def writer_during_clustering(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[float], Writer]]:
    """``start(hold)``: the next link run meets a writer that takes the lock while the run
    clusters (after it has read everything, before it writes) and commits ``hold`` s later."""
    made: list[Writer] = []

    def start(hold: float) -> Writer:
        writer = Writer(store.engine.url.database or "", hold)
        real = index.cluster

        def cluster(*args: Any, **kwargs: Any) -> Any:
            if not writer.thread.is_alive() and not writer.holding.is_set():
                writer.start()
            return real(*args, **kwargs)

        monkeypatch.setattr(index, "cluster", cluster)
        made.append(writer)
        return writer

    yield start
    for writer in made:
        writer.finish()


@pytest.mark.parametrize(
    "hold",
    [
        pytest.param(0.0, id="committed before the run writes"),
        pytest.param(1.5, id="still writing when the run writes"),
    ],
)
def test_a_link_run_saves_after_an_ingest_committed_during_it(
    cli: CliRunner,
    store: Store,
    writer_during_clustering: Callable[[float], Writer],
    hold: float,
) -> None:
    writer = writer_during_clustering(hold)
    result = cli.invoke(app, ["link", "--json"])
    writer.finish()
    assert result.exit_code == 0, result.output
    done = json.loads(result.stdout)
    assert done["counts"]["records"] == 4 and done["counts"]["persons"] == 3
    with session_scope(store.engine) as session:
        [run] = runs.list_runs(session)
        assert run.status == "done"
        names = session.execute(text("SELECT name FROM sources")).scalars().all()
    assert names and all(name.endswith("(renamed)") for name in names)  # the writer's stands
    assert len(set(store.persons().values())) == 3


def test_records_an_ingest_stored_during_a_run_are_linked_by_the_next(
    cli: CliRunner, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The ingest stores a new record and changes another while the run clusters: the run saves
    # what it computed from its snapshot, and the next run takes the new versions in.
    real = index.cluster

    def cluster(*args: Any, **kwargs: Any) -> Any:
        store.put(person("5", "Tomasz", "Nowak", "1975-05-06"), person("3", "Tom", "Nowak"))
        monkeypatch.setattr(index, "cluster", real)
        return real(*args, **kwargs)

    monkeypatch.setattr(index, "cluster", cluster)
    first = cli.invoke(app, ["link", "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["counts"]["records"] == 4
    assert "5" not in store.persons()
    second = cli.invoke(app, ["link", "--json"])
    assert second.exit_code == 0, second.output
    counts = json.loads(second.stdout)["counts"]
    assert (counts["new_records"], counts["changed_records"]) == (1, 1)
    assert "5" in store.persons()


def test_a_writer_that_never_lets_go_fails_the_run_saying_so_and_the_next_run_works(
    cli: CliRunner,
    store: Store,
    writer_during_clustering: Callable[[float], Writer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 200)
    monkeypatch.setattr(index, "SAVE_WAIT_SECONDS", 1.0)
    writer = writer_during_clustering(4.0)
    failed = cli.invoke(app, ["link", "--json"])
    assert failed.exit_code == 2
    assert failed.stdout == ""
    assert failed.stderr == (
        "Error: link run 1 could not save what it computed: another writer (an ingest, a "
        "review decision) held the database for longer than 1 s. Nothing was saved and the "
        "run is marked failed; run joinedup link again when the writer has finished.\n"
    )
    writer.finish()
    with session_scope(store.engine) as session:
        [run] = runs.list_runs(session)
        assert run.status == "failed"
    again = cli.invoke(app, ["link", "--json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["run_id"] == 2
