"""Migrations: the schema brought to the newest revision shipped, with Alembic.

:func:`upgrade` is cheap when the database is already there (one plain query), so every
command calls it; several processes starting at once migrate once (an advisory lock on
PostgreSQL, an ``IMMEDIATE`` transaction on SQLite).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from joinedup.errors import JoinedupError
from joinedup.store.location import check_connection, describe, unavailable

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Arbitrary but fixed: the key of the PostgreSQL advisory lock that serialises migrations, so
# that several workers starting at once do not race to create the same tables.
_PG_MIGRATION_LOCK = 7_271_805_001


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
        raise unavailable(engine, exc) from exc


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
        raise unavailable(engine, exc) from exc
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
