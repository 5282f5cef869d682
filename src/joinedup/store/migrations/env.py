"""Alembic environment for joinedup: runs on a connection handed over by ``store.db.upgrade``.

Programmatic use (every ``joinedup`` command) passes an open connection in
``config.attributes["connection"]``. The ``alembic`` command line (for writing a migration)
has none, so it connects to ``JOINEDUP_DATABASE_URL`` the way the application does.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from joinedup.store.base import load_all_tables

config = context.config
target_metadata = load_all_tables()


def _run(connection: Connection) -> None:
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
        _run(connection)
        return

    from joinedup.store.db import make_engine

    engine = make_engine(config.get_main_option("sqlalchemy.url") or None)
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("joinedup migrations run against a database; offline (--sql) mode is not used")
run_migrations_online()
