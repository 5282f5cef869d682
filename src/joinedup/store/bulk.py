"""Bulk inserts through the driver: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

SQLAlchemy's per-row parameter handling costs more than the database itself when a batch holds
hundreds of thousands of rows. Here each column's bind processor (JSON serialisation, UTC
timestamps) is looked up once and applied to plain tuples, which go straight to the driver:
``cursor.executemany`` on SQLite and psycopg's ``COPY … FROM STDIN`` on PostgreSQL. Values are
stored exactly as SQLAlchemy would store them, so reads through the ORM see no difference.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.orm import Session

# SQLAlchemy is imported where it is used, not here: the process that prepares rows for an
# ingest (joinedup.ingest.parallel) needs only JsonText, and starts a second sooner without it.

Processor = Callable[[Any], Any] | None


class JsonText(str):
    """A value for a JSON column that is JSON text already, written as it is.

    For a row read from JSON (a JSON Lines or NDJSON line), the text as read is a faithful
    serialisation of the parsed value: parsing it back gives the same value, and storing it
    saves encoding the whole row again. The caller vouches that it is valid JSON, free of NUL
    escapes (PostgreSQL's ``jsonb`` rejects them) and of non-standard numbers (NaN, Infinity).
    """

    __slots__ = ()


class BulkInsert:
    """Writes rows (tuples in ``columns`` order, plain Python values) into ``table``.

    Runs on the session's connection, so the rows commit or roll back with the unit of work.
    ``json_text=True`` says every ``str`` given for a JSON column is JSON text already, as a
    :class:`JsonText` is (a caller whose JSON columns never hold a bare JSON string, and whose
    rows cross a process boundary, where a plain ``str`` pickles faster).
    Example: ``BulkInsert(session, table, ("a", "b")).write([(1, "x"), (2, "y")])``.
    """

    def __init__(
        self, session: Session, table: Table, columns: Sequence[str], *, json_text: bool = False
    ) -> None:
        from sqlalchemy import JSON

        self._connection = session.connection()
        self._table = table
        self.columns = tuple(columns)
        self._json_text = json_text
        self._json_columns: set[int] = set()
        dialect = self._connection.dialect
        self._processors: list[tuple[int, Callable[[Any], Any]]] = []
        for index, name in enumerate(self.columns):
            column_type = table.c[name].type.dialect_impl(dialect)
            processor: Callable[[Any], Any] | None = column_type.bind_processor(dialect)
            if processor is None:
                continue
            if _is_datetime(table.c[name].type):
                processor = _last_value_memo(processor)
            elif isinstance(column_type, JSON):
                processor = _json_text_as_is(processor, json_text)
                self._json_columns.add(index)
            self._processors.append((index, processor))
        quote = dialect.identifier_preparer.quote
        names = ", ".join(quote(name) for name in self.columns)
        self._mode = (
            "copy"
            if dialect.name == "postgresql" and dialect.driver == "psycopg"
            else "executemany"
            if dialect.name == "sqlite"
            else "core"
        )
        if self._mode == "copy":
            self._sql = f"COPY {quote(table.name)} ({names}) FROM STDIN"
        else:
            marks = ", ".join("?" for _ in self.columns)
            self._sql = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})"

    def _process(self, row: Sequence[Any]) -> tuple[Any, ...]:
        if not self._processors:
            return tuple(row)
        values = list(row)
        text_as_is = self._json_text
        json_columns = self._json_columns
        for index, processor in self._processors:
            value = values[index]
            # JSON text given as a plain str is written as it is (what the processor would
            # return): most of an ingest's JSON values, spared a call each.
            if value is not None and not (
                text_as_is and type(value) is str and index in json_columns
            ):
                values[index] = processor(value)
        return tuple(values)

    def write(self, rows: Iterable[Sequence[Any]]) -> int:
        """Insert ``rows``; returns how many were written."""
        if self._mode == "core":
            from sqlalchemy import insert

            batch = [
                {
                    c: json.loads(v) if self._is_text(i, v) else v
                    for i, (c, v) in enumerate(zip(self.columns, row, strict=True))
                }
                for row in rows
            ]
            if batch:
                self._connection.execute(insert(self._table), batch)
            return len(batch)
        processed = [self._process(row) for row in rows]
        if not processed:
            return 0
        if self._mode == "executemany":
            with _indexes_rebuilt_for(self._connection, self._table.name, len(processed)):
                self._connection.exec_driver_sql(self._sql, processed)
        else:
            self._copy(processed)
        return len(processed)

    def _is_text(self, index: int, value: Any) -> bool:
        if type(value) is JsonText:
            return True
        return self._json_text and type(value) is str and index in self._json_columns

    def _copy(self, processed: list[tuple[Any, ...]]) -> None:
        from sqlalchemy.exc import DBAPIError

        dialect = self._connection.dialect
        driver_connection: Any = self._connection.connection.driver_connection
        try:
            with driver_connection.cursor() as cursor, cursor.copy(self._sql) as copy:
                for values in processed:
                    copy.write_row(values)
        except dialect.loaded_dbapi.Error as exc:
            # Raise what SQLAlchemy would (IntegrityError, DataError …), so callers catch one
            # family of errors whichever path wrote the rows.
            raise DBAPIError.instance(
                self._sql, None, exc, dialect.loaded_dbapi.Error, hide_parameters=True
            ) from exc


#: A SQLite load at least this large, and at least as large as its table, drops the table's
#: plain indexes and builds them again after it (`_indexes_rebuilt_for`).
REBUILD_INDEXES_FROM = 50_000


@contextmanager
def _indexes_rebuilt_for(connection: Any, table: str, rows: int) -> Iterator[None]:
    """On SQLite, for a load of ``rows`` that dwarfs what ``table`` holds, drop its plain
    (non-unique) indexes for the length of the load and create them again after it.

    A million rows inserted in the order they come put each entry of an index on a random key
    (a person id, say) into a random page: at a million records a full run's person, member
    and evidence rows cost ~2.5 times more CPU with their indexes kept than loaded bare and
    indexed after, which sorts each index once. It is all one transaction, so a failure puts
    the indexes back with the rows, and other connections never see the table without them
    (WAL readers keep their snapshot). Unique indexes stay: they refuse a duplicate row as it
    comes. The indexes are back before the next statement, which may need them.
    """
    if rows < REBUILD_INDEXES_FROM:
        yield
        return
    quote = connection.dialect.identifier_preparer.quote
    held = connection.exec_driver_sql(f"SELECT count(*) FROM {quote(table)}").scalar_one()
    listed = connection.exec_driver_sql(
        'SELECT m.name, m.sql, l."unique" FROM sqlite_master AS m'
        " JOIN pragma_index_list(?) AS l ON l.name = m.name"
        " WHERE m.type = 'index' AND m.sql IS NOT NULL",
        (table,),
    ).all()
    indexes = [(name, sql) for name, sql, unique in listed if not unique]
    if held > rows or not indexes:
        yield
        return
    for name, _ in indexes:
        connection.exec_driver_sql(f"DROP INDEX {quote(name)}")
    try:
        yield
    finally:  # also after a failed load whose caller carries on with the transaction
        for _, sql in indexes:
            connection.exec_driver_sql(sql)


def _is_datetime(column_type: Any) -> bool:
    from sqlalchemy import Date, DateTime
    from sqlalchemy.types import TypeDecorator

    base = column_type.impl if isinstance(column_type, TypeDecorator) else column_type
    return isinstance(base, Date | DateTime)


def _json_text_as_is(processor: Callable[[Any], Any], plain: bool) -> Callable[[Any], Any]:
    if plain:

        def process_plain(value: Any) -> Any:
            kind = type(value)
            if kind is str:
                return value
            return str(value) if kind is JsonText else processor(value)

        return process_plain

    def process(value: Any) -> Any:
        # A plain str: the drivers adapt exact types only.
        return str(value) if type(value) is JsonText else processor(value)

    return process


def _last_value_memo(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Reuse the last result while the same (immutable) value repeats, as a batch's timestamps
    do: converting one ``datetime`` costs more than the rest of a row's parameters."""
    last: list[Any] = [None, None]

    def process(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, processor(value)
        return last[1]

    return process
