"""Reading the trail as stored, for verification, even where a stored value cannot be decoded.

A DBA editing SQLite's text columns can leave an event whose time is not a time or whose
categories are not JSON. SQLAlchemy decodes each row as it is fetched, so one such row stopped
``verify`` with a traceback before it named anything. The normal read is tried first (it is the
fast one); only when it fails are the rows read again with the decoded columns as raw values and
decoded one row at a time, so an unreadable row becomes an event ``verify`` names as edited.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Column, Connection, Table, Text, inspect, select, type_coerce

from joinedup.store.governance_tables import AuditCheckpoint, AuditEvent

# What decoding a stored value raises: a bad time (ValueError), bad JSON (JSONDecodeError is a
# ValueError), a value of the wrong type (TypeError).
DECODE_ERRORS = (ValueError, TypeError)
# The columns whose stored form needs decoding (the rest are plain text, numbers and booleans).
_DECODED = ("at", "categories", "agreements", "withheld")


def present_columns(conn: Connection, table: Table) -> list[Column[Any]]:
    """The columns of ``table`` that the database has: a trail (a backup, say) from before a
    migration that added one still verifies, its events having been hashed without it."""
    stored = {column["name"] for column in inspect(conn).get_columns(table.name)}
    return [column for column in table.columns if column.name in stored]


def _tolerant_select(conn: Connection, table: Table) -> Any:
    columns = [
        type_coerce(column, Text).label(column.name) if column.name in _DECODED else column
        for column in present_columns(conn, table)
    ]
    return select(*columns).order_by(table.c.seq)


def _decoders(conn: Connection, table: Table) -> dict[str, Callable[[Any], Any]]:
    dialect = conn.dialect
    found: dict[str, Callable[[Any], Any]] = {}
    for name in _DECODED:
        if name in table.c:
            column: Column[Any] = table.c[name]
            process = column.type.dialect_impl(dialect).result_processor(dialect, None)
            found[name] = process if process is not None else (lambda value: value)
    return found


def tolerant_rows(conn: Connection, table: Table) -> Iterator[tuple[dict[str, Any], str | None]]:
    """Each row of ``table`` in ``seq`` order as a dict, with why it could not be decoded.

    A value that cannot be decoded is left as stored and the reason names its column; the row
    then cannot hash to its recorded hash (or verify a signature), which is what reports it.
    """
    decoders = _decoders(conn, table)
    for row in conn.execute(_tolerant_select(conn, table)):
        fields = dict(row._mapping)
        problem = None
        for name, decode in decoders.items():
            try:
                fields[name] = decode(fields[name])
            except DECODE_ERRORS:
                problem = problem or f"{name} cannot be decoded"
                fields[name] = None
        yield fields, problem


def event_table() -> Table:
    return AuditEvent.__table__  # type: ignore[return-value]


def checkpoint_table() -> Table:
    return AuditCheckpoint.__table__  # type: ignore[return-value]
