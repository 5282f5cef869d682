"""Alembic environment for joinedup: runs on a connection handed over by ``store.db.upgrade``.

Programmatic use (every ``joinedup`` command) passes an open connection in
``config.attributes["connection"]``. The ``alembic`` command line (for writing a migration)
has none, so it connects to ``JOINEDUP_DATABASE_URL`` the way the application does.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from joinedup.store.base import load_all_tables

config = context.config


def _run(connection: Connection, target_metadata: MetaData | None) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on the caller's connection, or on the configured database."""
    connection = config.attributes.get("connection")
    if connection is not None:
        # The migrations are hand-written and need no table classes: running them must not
        # depend on importing every table module of the current code.
        _run(connection, None)
        return

    from joinedup.store.db import make_engine

    # The command line is for writing migrations: autogenerate compares with every table.
    engine = make_engine(config.get_main_option("sqlalchemy.url") or None)
    try:
        with engine.begin() as conn:
            _run(conn, load_all_tables())
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("joinedup migrations run against a database; offline (--sql) mode is not used")
run_migrations_online()
