"""The append-only tables joinedup declares are exactly those its migrations guard with triggers.

``store.db_roles.APPEND_ONLY_TABLES`` is what ``joinedup serve``'s role check covers; a
migration that makes another table append-only without adding it there would leave that table
out of the check. Read from a database migrated to head, on both backends.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine

from joinedup.store.db_roles import APPEND_ONLY_TABLES, REFUSING_FUNCTION

_SQLITE = text(
    "SELECT DISTINCT tbl_name FROM sqlite_master "
    "WHERE type = 'trigger' AND sql LIKE '%is append-only:%refused%'"
)
_POSTGRESQL = text(
    "SELECT DISTINCT c.relname FROM pg_trigger AS t "
    "JOIN pg_class AS c ON c.oid = t.tgrelid JOIN pg_proc AS p ON p.oid = t.tgfoid "
    "WHERE p.proname = :function AND NOT t.tgisinternal"
)


def test_every_table_with_refusing_triggers_is_declared_append_only(engine: Engine) -> None:
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            found = connection.execute(_POSTGRESQL, {"function": REFUSING_FUNCTION}).scalars()
        else:
            found = connection.execute(_SQLITE).scalars()
        guarded = set(found)
    assert guarded == set(APPEND_ONLY_TABLES)
