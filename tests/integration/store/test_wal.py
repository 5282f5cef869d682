"""A served SQLite hub's write-ahead log is checkpointed by a thread, not by a request's commit."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from joinedup.api.app import create_app
from joinedup.store.db import make_engine
from joinedup.store.wal import BACKSTOP_PAGES, WalCheckpointer, applies_to


@pytest.fixture
def file_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (n INTEGER PRIMARY KEY, body TEXT)"))
    with engine.connect() as connection:  # the empty table in the database file itself
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    yield engine
    engine.dispose()


def _in_database_file(engine: Engine) -> int:
    # ``immutable=1`` reads the database file alone, without the log: what a checkpoint has
    # copied back, and nothing else.
    path = Path(str(engine.url.database))
    connection = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return int(connection.execute("SELECT count(*) FROM notes").fetchone()[0])
    finally:
        connection.close()


def _write(engine: Engine, rows: int) -> None:
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO notes (body) VALUES (:body)"), [{"body": "x" * 100}] * rows
        )


def _autocheckpoint(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one())


def _eventually(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///{tmp}/hub.db", True),
        ("sqlite://", False),
        ("sqlite:///:memory:", False),
        ("postgresql+psycopg://u@localhost/hub", False),
    ],
)
def test_applies_only_to_a_sqlite_file(tmp_path: Path, url: str, expected: bool) -> None:
    engine = make_engine(url.format(tmp=tmp_path))
    try:
        assert applies_to(engine) is expected
    finally:
        engine.dispose()


def test_the_thread_copies_commits_back_and_connections_keep_a_backstop(
    file_engine: Engine,
) -> None:
    assert _autocheckpoint(file_engine) == 1000  # SQLite's default
    checkpoints = WalCheckpointer(file_engine, interval=0.05).start()
    try:
        assert checkpoints.running
        assert _autocheckpoint(file_engine) == BACKSTOP_PAGES
        _write(file_engine, 50)
        assert _eventually(lambda: _in_database_file(file_engine) == 50)
        _write(file_engine, 25)
        assert _eventually(lambda: _in_database_file(file_engine) == 75)
    finally:
        checkpoints.stop()
    assert not checkpoints.running
    assert checkpoints.checkpoints >= 2
    assert _autocheckpoint(file_engine) == 1000  # given back on stop


def test_without_the_thread_a_small_commit_stays_in_the_log(file_engine: Engine) -> None:
    # The contrast that makes the test above mean something: below the automatic checkpoint's
    # threshold, nothing reaches the database file by itself.
    _write(file_engine, 50)
    time.sleep(0.2)
    assert _in_database_file(file_engine) == 0


def test_stop_checkpoints_what_is_left(file_engine: Engine) -> None:
    checkpoints = WalCheckpointer(file_engine, interval=60).start()
    _write(file_engine, 10)
    checkpoints.stop()
    assert _in_database_file(file_engine) == 10


def test_a_memory_database_gets_no_thread() -> None:
    engine = make_engine("sqlite://")
    checkpoints = WalCheckpointer(engine).start()
    assert not checkpoints.running
    checkpoints.stop()
    engine.dispose()


def test_the_served_app_runs_the_thread_while_it_serves(file_engine: Engine) -> None:
    app = create_app(engine=file_engine)
    with TestClient(app) as client:
        assert client.get("/api/v1/health").status_code == 200
        assert app.state.wal_checkpointer.running
        _write(file_engine, 5)
        assert _eventually(lambda: _in_database_file(file_engine) == 5)
    assert not app.state.wal_checkpointer.running
