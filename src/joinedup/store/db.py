"""Engines, migrations and the one unit of work.

- :func:`make_engine` — a SQLite file under ``JOINEDUP_DATA_DIR`` by default, PostgreSQL when
  ``JOINEDUP_DATABASE_URL`` says so. Backend differences in connection set-up live here only.
- :func:`upgrade` — Alembic to head, programmatically; cheap when already there, so every
  command calls it.
- :func:`session_scope` — the only place a transaction is committed.

This module makes engines (and holds each backend's connection set-up) and units of work;
the rest is beside it and re-exported here, the store's one front door:
:mod:`joinedup.store.location` (a URL read and shown without passwords, a database reached),
:mod:`joinedup.store.migrate` (Alembic) and :mod:`joinedup.store.sqlite_writing` (SQLite's
one writer: turning a reading unit of work into a writing one, the writers' turn).
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import NoSuchModuleError
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool, StaticPool

from joinedup.errors import JoinedupError, RecordedRefusal
from joinedup.store.location import (
    DatabaseUnavailable,
    check_connection,
    describe,
    is_memory_sqlite,
    location,
    normalise_url,
)
from joinedup.store.migrate import (
    MIGRATIONS_DIR,
    current_revision,
    downgrade,
    head_revision,
    upgrade,
)
from joinedup.store.sqlite_writing import (
    CHANGES_KEY,
    begin_writing,
    sqlite_file,
    total_changes,
    writer_turn,
)

if TYPE_CHECKING:
    from joinedup.config import Settings

# Re-exported: the store's one front door for engines, migrations and units of work.
__all__ = [
    "MIGRATIONS_DIR",
    "SQLITE_BUSY_TIMEOUT_MS",
    "SQLITE_CACHE_KIB",
    "DatabaseUnavailable",
    "begin_writing",
    "check_connection",
    "current_revision",
    "describe",
    "downgrade",
    "head_revision",
    "location",
    "make_engine",
    "session_scope",
    "sqlite_file",
    "upgrade",
    "write_engine",
    "writer_turn",
]

# A writer waits this long for another writer to finish before SQLite gives up ("database is
# locked"). Ingest holds the write lock for a whole batch, so be patient.
SQLITE_BUSY_TIMEOUT_MS = 60_000
SQLITE_CACHE_KIB = 64 * 1024


# Compact, and names with diacritics kept readable in the stored text. One encoder for all
# calls: ``json.dumps`` with non-default options builds a new one each time.
_JSON_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# ``\u0000`` as an escape (preceded by an even number of backslashes), not as escaped text.
_NUL_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


def _json_dumps(value: Any) -> str:
    """Serialise JSON for both backends alike: PostgreSQL's ``jsonb`` rejects the NUL character,
    so every NUL (in keys and values) is stored as U+FFFD, on SQLite too."""
    # Most list columns of most records are empty: skip the encoder for them.
    if value.__class__ in (list, dict, tuple) and not value:
        return "{}" if value.__class__ is dict else "[]"
    text_ = _JSON_ENCODER.encode(value)
    if "\\u0000" in text_:
        text_ = _NUL_ESCAPE.sub(r"\1\\ufffd", text_)
    return text_


def _json_loads(text_: str | bytes) -> Any:
    """Parse JSON read back from SQLite, the empty list without the parser: most records' three
    list columns are ``[]``, and a full link run reads them for a million records. (Not orjson:
    it reads an integer beyond 64 bits as a float, where ``json`` keeps it exact.)"""
    if text_ == "[]":
        return []
    return json.loads(text_)


def make_engine(url: str | None = None, *, settings: Settings | None = None) -> Engine:
    """Create the engine for ``url``, or for the configured database when ``url`` is ``None``.

    ``None`` reads ``joinedup.config.Settings.from_env().database_url`` (a SQLite file under
    ``JOINEDUP_DATA_DIR`` unless ``JOINEDUP_DATABASE_URL`` is set) and creates the SQLite file's
    directory. SQLite connections get write-ahead logging, enforced foreign keys, a busy timeout
    and real transactions (``BEGIN`` on first use, so reads see one snapshot and DDL rolls back);
    ``postgresql://`` URLs use psycopg 3. The pool's size, overflow and timeout come from
    ``settings`` (the environment's ``JOINEDUP_DB_POOL_*`` when ``None``). Nothing connects
    until the engine is first used. Example: ``engine = make_engine("sqlite:///data/joinedup.db")``.
    """
    if settings is None:
        from joinedup.config import Settings

        settings = Settings.from_env()
    if url is None:
        url = settings.database_url
    parsed = normalise_url(url)
    pool = {
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_max_overflow,
        "pool_timeout": settings.db_pool_timeout,
    }
    try:
        if parsed.get_backend_name() == "sqlite":
            return _sqlite_engine(parsed, pool)
        return _postgresql_engine(
            create_engine(
                parsed, pool_pre_ping=True, json_serializer=_json_dumps, future=True, **pool
            )
        )
    except (NoSuchModuleError, ImportError) as exc:
        raise JoinedupError(
            f"unsupported database {parsed.drivername!r}: use sqlite:/// or postgresql+psycopg://"
        ) from exc


def _postgresql_engine(engine: Engine) -> Engine:
    """PostgreSQL connections with JIT compilation off.

    The hub's queries are short reads a person waits for. PostgreSQL compiles a query with LLVM
    when its *estimated* cost is high, and the audit search's estimates on a year's trail are:
    an IG officer's break-glass page ran in 6 ms after 541 ms of compiling (``benchmarks/audit``,
    ``EXPLAIN ANALYZE``). PostgreSQL's own advice is to leave JIT to long analytical queries.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Outside any transaction, so the setting holds for the connection's whole life.
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET jit = off")
        finally:
            dbapi_connection.autocommit = autocommit

    return engine


def _sqlite_engine(url: URL, pool: dict[str, Any]) -> Engine:
    kwargs: dict[str, Any] = {"json_serializer": _json_dumps, "json_deserializer": _json_loads}
    if is_memory_sqlite(url):
        # One shared connection, or every checkout would see a different empty database.
        kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        path = Path(url.database or "").expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except FileExistsError as exc:  # mkdir's word for "that is a file"
            raise DatabaseUnavailable(
                f"cannot use {path.parent} as the data directory: it is a file"
            ) from exc
        except OSError as exc:
            raise DatabaseUnavailable(
                f"cannot create the data directory {path.parent}: {exc.strerror}"
            ) from exc
        # Worker threads (the web server) use connections from the pool; each is used by
        # one thread at a time, which is what sqlite3 actually requires.
        kwargs["connect_args"] = {"check_same_thread": False}
        kwargs.update(poolclass=QueuePool, **pool)
    engine = create_engine(url, **kwargs)
    memory = is_memory_sqlite(url)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control from the sqlite3 module, which would otherwise BEGIN
        # only before DML: reads would see no consistent snapshot and DDL could not roll back.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            if not memory:
                _switch_to_wal(cursor)
                # With WAL, NORMAL is durable against application crashes and much faster.
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            # A bigger page cache (the default is 2 MiB) keeps the index pages of a large
            # source in memory during bulk ingest; it is only allocated as it is used.
            cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            cursor.execute("PRAGMA temp_store=MEMORY")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # ``sqlite_begin="IMMEDIATE"`` takes the write lock up front, for writers that first
        # read (migrations): upgrading a read lock later can fail at once instead of waiting.
        mode = conn.get_execution_options().get("sqlite_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())
        # So that begin_writing can tell a transaction that has only read.
        conn.info[CHANGES_KEY] = total_changes(conn)

    return engine


def _switch_to_wal(cursor: Any) -> None:
    """``PRAGMA journal_mode=WAL``, tried again while another connection holds the new file.

    Switching a file to WAL needs it to itself, and SQLite answers "database is locked" at once
    rather than wait in the busy handler (waiting there could deadlock). Several workers opening
    a new database together hit it: one in 50 such starts under load failed.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def write_engine(engine: Engine) -> Engine:
    """``engine`` for units of work that read and then write (an ingest, a link run).

    On SQLite their transactions begin ``IMMEDIATE``, taking the write lock at the start: a
    second writer then waits (up to the busy timeout) instead of failing with "database is
    locked" when it tries to write on a snapshot another writer has moved past. Elsewhere it is
    ``engine`` itself. Shares the engine's pool, so it is cheap to call.
    """
    if engine.dialect.name == "sqlite":
        return engine.execution_options(sqlite_begin="IMMEDIATE")
    return engine


@contextmanager
def session_scope(engine: Engine, *, write: bool = False) -> Iterator[Session]:
    """One unit of work: a ``Session`` that commits when the block ends and rolls back on error.

    This is the only place joinedup commits; repositories and services only add, flush and
    query. A :class:`~joinedup.errors.RecordedRefusal` commits what its raiser recorded, then
    propagates. Objects stay readable after the block (``expire_on_commit=False``). Pass
    ``write=True`` for a unit of work that reads and then writes, so that concurrent writers
    queue on SQLite (see :func:`write_engine`).
    Example: ``with session_scope(engine) as session: ensure_organisation(session, "lcc")``.
    """
    session = Session(write_engine(engine) if write else engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except RecordedRefusal:
        # The refusal's own record (its audit event) is kept; a failure to commit it is what
        # the caller sees instead (503 for an audit trail that cannot be written).
        session.commit()
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
