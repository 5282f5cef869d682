"""Engines, migrations and the one unit of work.

- :func:`make_engine` — a SQLite file under ``JOINEDUP_DATA_DIR`` by default, PostgreSQL when
  ``JOINEDUP_DATABASE_URL`` says so. Backend differences in connection set-up live here only.
- :func:`upgrade` — Alembic to head, programmatically; cheap when already there, so every
  command calls it.
- :func:`session_scope` — the only place a transaction is committed.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool, StaticPool

from joinedup.errors import JoinedupError, RecordedRefusal

if TYPE_CHECKING:
    from joinedup.config import Settings

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# A writer waits this long for another writer to finish before SQLite gives up ("database is
# locked"). Ingest holds the write lock for a whole batch, so be patient.
SQLITE_BUSY_TIMEOUT_MS = 60_000
SQLITE_CACHE_KIB = 64 * 1024

# Arbitrary but fixed: the key of the PostgreSQL advisory lock that serialises migrations, so
# that several workers starting at once do not race to create the same tables.
_PG_MIGRATION_LOCK = 7_271_805_001


class DatabaseUnavailable(JoinedupError):
    """The database cannot be reached or opened (wrong URL, server down, unwritable file)."""


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


def _normalise_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:  # ValueError: a port that is not a number
        raise JoinedupError(
            "JOINEDUP_DATABASE_URL is not a database URL; expected sqlite:///PATH or "
            "postgresql+psycopg://USER@HOST:PORT/DATABASE"
        ) from exc
    # psycopg 3 is the driver we ship; the bare and legacy spellings would ask for psycopg2.
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _is_memory_sqlite(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or "mode=memory" in str(url)


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
    parsed = _normalise_url(url)
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
    if _is_memory_sqlite(url):
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
    memory = _is_memory_sqlite(url)

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
        conn.info[_CHANGES_KEY] = _total_changes(conn)

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


def describe(engine: Engine) -> str:
    """The engine's URL with any password hidden: safe to show to a user or write to a log."""
    return _masked(engine.url)


def location(target: Engine | URL | str) -> str:
    """Where a database is, for an operator to read: a SQLite file's absolute path, ``SQLite in
    memory``, or any other URL with its passwords masked (``***``).

    Every command that writes says this, so that someone with two environments (a test hub and
    the live one) sees which one a run went to. A password is never shown, whether in the URL's
    authority (``user:secret@host``) or in a query parameter (``?password=…``, libpq's
    ``sslpassword``). Example: ``location("postgresql://hub:pw@db/hub")`` is
    ``"postgresql+psycopg://hub:***@db/hub"``.
    """
    if isinstance(target, Engine):
        url = target.url
    elif isinstance(target, URL):
        url = target
    else:
        url = _normalise_url(target)
    if url.get_backend_name() == "sqlite":
        if _is_memory_sqlite(url):
            return "SQLite in memory"
        # Absolute: a relative path means nothing in a cron mail.
        return str(Path(url.database or "").expanduser().absolute())
    return _masked(url)


def _masked(url: URL) -> str:
    """``url`` as text with the password of its authority and of its query hidden.

    SQLAlchemy's ``hide_password`` covers the authority only; libpq also takes ``password`` and
    ``sslpassword`` as parameters, so any parameter whose name holds "password" is masked too.
    """
    if not any("password" in key.lower() for key in url.query):
        return url.render_as_string(hide_password=True)
    from urllib.parse import quote

    pairs = []
    for key in sorted(url.query):
        values = url.query[key]
        for value in (values,) if isinstance(values, str) else values:
            shown = "***" if "password" in key.lower() else quote(value, safe="/:,")
            pairs.append(f"{quote(key)}={shown}")
    bare = url.set(query={}).render_as_string(hide_password=True)
    return f"{bare}?{'&'.join(pairs)}"


def _unavailable(engine: Engine, exc: BaseException) -> DatabaseUnavailable:
    reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else ""
    return DatabaseUnavailable(f"cannot open the database {describe(engine)}: {reason}")


def check_connection(engine: Engine) -> None:
    """Connect once and run ``SELECT 1``; raise :class:`DatabaseUnavailable` if that fails."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (OperationalError, DBAPIError) as exc:
        raise _unavailable(engine, exc) from exc


def _alembic_config(connection: Connection | None = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def _script() -> Any:
    # Reading the scripts imports every migration module; they do not change while the
    # process runs, and every command (and every database test) asks.
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config())


def head_revision() -> str | None:
    """The revision id of the newest migration shipped with this version of joinedup."""
    heads = _script().get_heads()
    if len(heads) > 1:
        raise RuntimeError(f"migrations have several heads {heads}; they must be linear")
    return heads[0] if heads else None


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (``None`` for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except (OperationalError, DBAPIError) as exc:
        raise _unavailable(engine, exc) from exc


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to ``revision`` (the newest by default); a no-op when already there.

    Runs Alembic programmatically with the migrations inside the installed package, in one
    transaction, holding a lock so that concurrent callers migrate once. Every command calls
    this before touching the database. Raises :class:`DatabaseUnavailable` when the database
    cannot be reached.
    """
    if revision == "head" and _at_shipped_head(engine):
        return
    current = current_revision(engine)
    if revision == "head" and current == head_revision():
        return
    if current is not None and not _known_revision(current):
        raise JoinedupError(
            f"the database {describe(engine)} is at schema revision {current}, which this "
            f"version of joinedup does not know (its newest is {head_revision()}); "
            "upgrade joinedup rather than the database"
        )
    _run_alembic(engine, "upgrade", revision)


_REVISION_FILE = re.compile(r"^(\d{4})_\w+\.py$")


@lru_cache(maxsize=1)
def _shipped_head() -> str | None:
    # The newest migration's id, from the file names alone (each file is named for its
    # revision: tests/integration/store/test_migrations.py holds that).
    names = (path.name for path in (MIGRATIONS_DIR / "versions").glob("*.py"))
    return max((m.group(1) for m in map(_REVISION_FILE.match, names) if m), default=None)


def _at_shipped_head(engine: Engine) -> bool:
    """Whether the database is at the newest migration, asked in plain SQL: importing Alembic
    and reading its scripts is a tenth of a second of every command, and nearly every command
    finds the database already there."""
    head = _shipped_head()
    try:
        conn = engine.connect()
    except DBAPIError as exc:
        raise _unavailable(engine, exc) from exc
    with conn:
        try:
            stored = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        except DBAPIError:
            return False  # no version table yet: Alembic's path creates it
    return head is not None and stored == [head]


def _known_revision(revision: str) -> bool:
    return any(rev.revision == revision for rev in _script().walk_revisions())


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate the database down to ``revision`` (``"base"`` empties it). For tests and repair."""
    _run_alembic(engine, "downgrade", revision)


def _run_alembic(engine: Engine, direction: str, revision: str) -> None:
    from alembic import command

    check_connection(engine)
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn = conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
                )
            config = _alembic_config(conn)
            if direction == "upgrade":
                command.upgrade(config, revision)
            else:
                command.downgrade(config, revision)
    log.info("database migrated %s to %s", direction, revision)


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
        written = connection.info.get(_CHANGES_KEY)
        if written is not None and written != _total_changes(connection):
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
_CHANGES_KEY = "joinedup_changes_at_begin"


def _total_changes(connection: Connection) -> int:
    return int(connection.connection.dbapi_connection.total_changes)  # type: ignore[union-attr]


def sqlite_file(engine: Engine) -> Path | None:
    """The database file of a SQLite ``engine``; ``None`` in memory or on another backend."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or _is_memory_sqlite(url):
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
