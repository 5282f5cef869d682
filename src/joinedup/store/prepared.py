"""Core statements compiled once per dialect and run straight on the unit of work's cursor.

The hot path of the API (the person view, the search, the credential check) runs ten or so
small statements a request. Through ``Session.execute`` each costs 20-250 µs of Python in
SQLAlchemy — the session's bookkeeping, the compiled cache's keying, the execution context,
the result's metadata — where SQLite answers all of a view's reads in under 0.1 ms (measured:
~1 ms of SQLAlchemy for ~0.08 ms of SQLite). A :class:`Prepared` statement does the same work
once: SQLAlchemy compiles it for the dialect, and for each shape of its expanding ``IN`` lists
it keeps the SQL text, the order of the driver's parameters with their bind processors, and
the result columns' processors. A run is then a cursor ``execute`` and a loop.

What stays as SQLAlchemy does it: the SQL text and the parameter and result conversions are
SQLAlchemy's own (compiled by it, the same processors — ``UTCDateTime``, JSON, booleans), the
statement runs on the session's connection inside its transaction (opened as ``Session``
opens it: ``BEGIN IMMEDIATE`` on an audited SQLite engine), and a driver error is handled by
the connection as its own would be (wrapped as ``sqlalchemy.exc.OperationalError`` & co, a
lost connection invalidated). When anything listens to the engine's statement events (tests
capture SQL that way), the statement goes through ``Connection.execute`` instead, so the
listeners see it.
"""

from __future__ import annotations

import threading
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import Executable

_Processor = Callable[[Any], Any] | None


class _Shape:
    """One dialect's SQL text for one set of ``IN`` list lengths, and how to fill it."""

    __slots__ = ("names", "positional", "slots", "sql")

    def __init__(
        self,
        sql: str,
        slots: list[tuple[str | None, Any, _Processor]],
        names: list[str],
        positional: bool,
    ) -> None:
        self.sql = sql
        # Per driver parameter: the caller's name, the index in its list (expanding) or None,
        # and the bind processor; a value fixed in the statement (a literal) has no name and
        # its value in place of the index.
        self.slots = slots
        self.names = names
        self.positional = positional

    def parameters(self, values: Mapping[str, Any]) -> Any:
        out = []
        for name, index, processor in self.slots:
            if name is None:
                value = index
            else:
                value = values[name] if index is None else values[name][index]
            out.append(processor(value) if processor is not None else value)
        return tuple(out) if self.positional else dict(zip(self.names, out, strict=True))


class _Plan:
    """A statement compiled for one dialect: its shapes, result processors and row type."""

    __slots__ = ("compiled", "expanding", "lock", "processors", "row", "shapes")

    def __init__(self, statement: Any, dialect: Dialect, keys: Sequence[str]) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys) or None)
        assert isinstance(compiled, SQLCompiler)
        if getattr(compiled, "insert_prefetch", None) or getattr(compiled, "update_prefetch", None):
            # Python-side column defaults would be left out: not a statement for this path.
            raise ValueError("a prepared statement must be given every column it writes")
        self.compiled = compiled
        self.expanding = sorted({name for name, bind in compiled.binds.items() if bind.expanding})
        self.shapes: dict[tuple[int, ...], _Shape] = {}
        columns = compiled._result_columns
        self.processors: list[_Processor] = [
            column[3]._cached_result_processor(dialect, None) for column in columns
        ]
        self.row: Any = namedtuple(  # type: ignore[misc]
            "PreparedRow", [column[0] for column in columns], rename=True
        )
        self.lock = threading.Lock()

    def shape(self, values: Mapping[str, Any]) -> _Shape:
        key = tuple(len(values[name]) for name in self.expanding)
        found = self.shapes.get(key)
        if found is None:
            with self.lock:
                found = self.shapes[key] = self._build(values)
        return found

    def _build(self, values: Mapping[str, Any]) -> _Shape:
        expanded = self.compiled.construct_expanded_state(dict(values), escape_names=False)
        origin: dict[str, tuple[str, int | None]] = {}
        index: int | None
        for name, parts in expanded.parameter_expansion.items():
            for index, part in enumerate(parts):
                origin[part] = (name, index)
        order = expanded.positiontup
        names = list(order) if order is not None else list(expanded.parameters)
        # As the execution context flattens them: the statement's, then the expanded ones'.
        processors: dict[str, Any] = {**self.compiled._bind_processors, **expanded.processors}
        slots: list[tuple[str | None, Any, _Processor]] = []
        for name in names:
            source, index = origin.get(name, (name, None))
            processor: _Processor = processors.get(name)
            if index is None and source not in values:
                slots.append((None, expanded.parameters[name], processor))
            else:
                slots.append((source, index, processor))
        return _Shape(expanded.statement, slots, names, order is not None)


def _observed(connection: Connection) -> bool:
    """Whether anything listens to this connection's statements (the engine's or its own)."""
    if not (connection._has_events or connection.engine._has_events):
        return False
    dispatch = connection.dispatch
    return bool(
        dispatch.before_execute
        or dispatch.after_execute
        or dispatch.before_cursor_execute
        or dispatch.after_cursor_execute
    )


class Prepared:
    """A Core ``statement`` to run many times on sessions of any engine.

    ``keys`` names the columns an INSERT or UPDATE sets (as the parameter dictionaries do).
    Example::

        _STATUS = Prepared(select(t.c.status).where(t.c.id == bindparam("id")))
        rows = _STATUS.all(session, {"id": "P7K2M9QX4TB1A"})   # named tuples
    """

    __slots__ = ("_plans", "keys", "statement")

    def __init__(self, statement: Executable, *, keys: Sequence[str] = ()) -> None:
        self.statement = statement
        self.keys = tuple(keys)
        self._plans: dict[tuple[Any, ...], _Plan] = {}

    def _plan(self, dialect: Dialect) -> _Plan:
        # Every engine of one kind (backend, driver, parameter style, server) compiles alike.
        key = (dialect.name, dialect.driver, dialect.paramstyle, dialect.server_version_info)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = _Plan(self.statement, dialect, self.keys)
        return plan

    def all(self, session: Session, values: Mapping[str, Any] | None = None) -> list[Any]:
        """Every row of the statement with ``values`` bound, as named tuples."""
        connection = session.connection()
        values = values or {}
        if _observed(connection):
            return list(connection.execute(self.statement, dict(values)))
        plan = self._plan(connection.dialect)
        shape = plan.shape(values)
        cursor = self._run(connection, shape.sql, shape.parameters(values))
        try:
            fetched = cursor.fetchall() if cursor.description is not None else []
        finally:
            cursor.close()
        processors = plan.processors
        make = plan.row._make
        if not any(processors):
            return [make(row) for row in fetched]
        return [
            make([p(v) if p is not None else v for p, v in zip(processors, row, strict=True)])
            for row in fetched
        ]

    def first(self, session: Session, values: Mapping[str, Any] | None = None) -> Any | None:
        """The first row, or ``None``."""
        rows = self.all(session, values)
        return rows[0] if rows else None

    def for_driver(self, dialect: Dialect, values: Mapping[str, Any]) -> tuple[str, Any]:
        """The SQL text and the driver's parameters for ``values``, for a caller that sends the
        statement itself (in a psycopg pipeline, say): the same text and conversions a run
        through :meth:`all` would use."""
        shape = self._plan(dialect).shape(values)
        return shape.sql, shape.parameters(values)

    def execute_many(self, session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run a statement that returns nothing once per parameter set (an INSERT of rows)."""
        if not rows:
            return
        connection = session.connection()
        if _observed(connection):
            connection.execute(self.statement, [dict(row) for row in rows])
            return
        shape = self._plan(connection.dialect).shape(rows[0])
        parameters = [shape.parameters(row) for row in rows]
        cursor = connection.connection.cursor()
        try:
            cursor.executemany(shape.sql, parameters)
        except connection.dialect.loaded_dbapi.Error as exc:
            connection._handle_dbapi_exception(exc, shape.sql, parameters, cursor, None)
        finally:
            cursor.close()

    @staticmethod
    def _run(connection: Connection, sql: str, parameters: Any) -> Any:
        cursor = connection.connection.cursor()
        try:
            cursor.execute(sql, parameters)
        except connection.dialect.loaded_dbapi.Error as exc:
            cursor.close()
            connection._handle_dbapi_exception(exc, sql, parameters, cursor, None)
        return cursor
