"""SQLite's one writer: a unit of work that turns from reading to writing, and the turn that
queues the writers of several processes.

Only SQLite needs these (PostgreSQL's writers do not block one another this way); on another
backend each is a no-op. The ``begin`` event that notes what a transaction had written is set
up with the engine (:mod:`joinedup.store.db`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from joinedup.store.location import is_memory_sqlite


def begin_writing(
    session: Session, *, wait: float, waiting: Callable[[], None] | None = None
) -> None:
    """Turn a unit of work that has only read so far into one that writes, for a long unit of
    work whose reads must not block writers (a link run reads the store, computes for minutes,
    then writes the index).

    On SQLite, reads see one snapshot, and a transaction cannot write once another writer has
    committed past its snapshot ("database is locked" at once: waiting cannot help it). So the
    read transaction is ended here — it has written nothing, which is checked — and a new one
    begins ``IMMEDIATE``, taking the write lock: it waits for a writer that holds it (an ingest
    storing a batch) beyond SQLite's busy timeout, trying again until ``wait`` seconds have
    passed (``waiting`` is called before each further try), then lets SQLite's error through.
    What the caller computed from its reads stays valid when the unit of work only writes rows
    that those writers do not (the index, for a link run). Elsewhere (PostgreSQL): nothing.
    """
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("begin_writing: the session has unflushed changes to lose")
    if session.in_transaction():
        connection = session.connection()
        written = connection.info.get(CHANGES_KEY)
        if written is not None and written != total_changes(connection):
            raise RuntimeError("begin_writing: this transaction has written; it would be lost")
        session.rollback()
    deadline = time.monotonic() + wait
    while True:
        try:
            session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            return
        except OperationalError as exc:
            session.rollback()
            if "locked" not in str(exc.orig) or time.monotonic() >= deadline:
                raise
            if waiting is not None:
                waiting()


#: Where the ``begin`` event notes how many rows the connection had changed (SQLite).
CHANGES_KEY = "joinedup_changes_at_begin"


def total_changes(connection: Connection) -> int:
    return int(connection.connection.dbapi_connection.total_changes)  # type: ignore[union-attr]


def sqlite_file(engine: Engine) -> Path | None:
    """The database file of a SQLite ``engine``; ``None`` in memory or on another backend."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or is_memory_sqlite(url):
        return None
    return Path(url.database or "").expanduser()


def _turn_file(engine: Engine) -> str | None:
    path = sqlite_file(engine)
    return None if path is None else f"{path}-joinedup-turn"


@contextmanager
def writer_turn(engine: Engine, timeout: float | None = None) -> Iterator[None]:
    """On a SQLite file, wait (blocking this thread) until no other unit of work of any process
    that also asks holds the turn; elsewhere, nothing. With ``timeout``, a wait longer than that
    many seconds raises SQLAlchemy's pool ``TimeoutError`` — what a request waiting too long for
    a connection gets, and answered the same way (503) — so a stuck unit of work in one worker
    cannot hold the others' requests without end.

    Why: SQLite has one writer, and a connection that finds the write lock taken sleeps in
    SQLite's busy handler — 1, 2, 5, 10 … 100 ms at a time — and retries, so with several
    server processes a waiting request keeps missing the moments the lock is free and can wait
    far longer than the work ahead of it. An exclusive ``flock`` on a file beside the database
    queues them instead: the kernel wakes a waiter as soon as the holder lets go, and a process
    that dies lets go at once. Writers that do not ask (an ingest, a link run) still meet
    SQLite's own lock, which stays the one that guarantees correctness.
    """
    path = _turn_file(engine)
    if path is None:
        yield
        return
    import fcntl

    # A descriptor per turn, not per process: flock on one shared descriptor would let a second
    # thread of the same process straight through.
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if timeout is None:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        else:
            _flock_within(descriptor, timeout)
        yield
    finally:
        os.close(descriptor)  # closing the descriptor releases the lock


def _flock_within(descriptor: int, timeout: float) -> None:
    import fcntl
    import time

    from sqlalchemy.exc import TimeoutError as PoolTimeout

    deadline = time.monotonic() + timeout
    pause = 0.0005
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise PoolTimeout(f"waited {timeout:g} s for the database writer's turn") from None
            # Short pauses: the holder's unit of work takes milliseconds, and the kernel's own
            # queue (a blocking flock) cannot be given a deadline from a thread.
            time.sleep(pause)
            pause = min(pause * 2, 0.005)
