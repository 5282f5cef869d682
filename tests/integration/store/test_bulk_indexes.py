"""A large SQLite load drops its table's plain indexes and builds them again after: the rows,
the indexes and what they refuse are the same as a load that kept them; on PostgreSQL
nothing of the kind happens."""

from __future__ import annotations

from typing import Any, cast

import pytest
from sqlalchemy import Engine, Table, text
from sqlalchemy.exc import IntegrityError

from joinedup.store import bulk
from joinedup.store.base import utcnow
from joinedup.store.bulk import BulkInsert
from joinedup.store.db import session_scope
from joinedup.store.linkage_tables import LinkRun, Person, PersonMember

_PERSONS = cast(Table, Person.__table__)
_MEMBERS = cast(Table, PersonMember.__table__)


def _indexes(engine: Engine, table: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            query = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t"
        else:
            query = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :t"
        return sorted(tuple(row) for row in connection.execute(text(query), {"t": table}))


def _statements(engine: Engine) -> list[str]:
    """Every SQL statement SQLite runs on a new connection, as it runs them."""
    seen: list[str] = []
    if engine.dialect.name == "sqlite":
        from sqlalchemy import event

        @event.listens_for(engine, "connect")
        def trace(dbapi_connection: Any, _: Any) -> None:
            dbapi_connection.set_trace_callback(seen.append)

    return seen


def _run(session: Any) -> int:
    run = LinkRun(mode="full", engine="duckdb", status="running", started_at=utcnow())
    session.add(run)
    session.flush()
    return int(run.id)


@pytest.fixture
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "REBUILD_INDEXES_FROM", 10)


def test_a_large_load_into_an_empty_table_keeps_rows_and_indexes(
    engine: Engine, small_threshold: None
) -> None:
    before = _indexes(engine, "person_members")
    engine.dispose()
    statements = _statements(engine)
    with session_scope(engine) as session:
        run_id = _run(session)
        BulkInsert(session, _PERSONS, ("person_id", "created_run", "status")).write(
            [(f"p{i:03d}", run_id, "active") for i in range(40)]
        )
        BulkInsert(session, _MEMBERS, ("record_key", "person_id", "from_run")).write(
            [(f"src|{i}", f"p{i % 40:03d}", run_id) for i in range(100)]
        )
    assert _indexes(engine, "person_members") == before
    with engine.connect() as connection:
        got = connection.execute(
            text("SELECT count(*) FROM person_members WHERE person_id = 'p007'")
        ).scalar_one()
    assert got == 3  # 7, 47, 87
    if engine.dialect.name == "sqlite":
        dropped = {s.removeprefix("DROP INDEX ") for s in statements if s.startswith("DROP")}
        assert {name for name, _ in before} <= dropped  # the members' three, and others'
        assert not any("pk_" in name or "autoindex" in name for name in dropped)
    else:
        assert statements == []


def test_a_load_smaller_than_the_table_keeps_its_indexes(
    engine: Engine, small_threshold: None
) -> None:
    with session_scope(engine) as session:
        run_id = _run(session)
        BulkInsert(session, _PERSONS, ("person_id", "created_run", "status")).write(
            [(f"p{i:03d}", run_id, "active") for i in range(40)]
        )
    engine.dispose()
    statements = _statements(engine)
    with session_scope(engine) as session:
        BulkInsert(session, _PERSONS, ("person_id", "created_run", "status")).write(
            [(f"q{i:03d}", run_id, "active") for i in range(20)]
        )
    assert not [s for s in statements if s.startswith("DROP INDEX")]


def test_a_failed_load_leaves_the_indexes_for_a_caller_that_carries_on(
    engine: Engine, small_threshold: None
) -> None:
    before = _indexes(engine, "persons")
    with session_scope(engine) as session:
        run_id = _run(session)
        duplicate = [(f"p{i:03d}", run_id, "active") for i in range(30)] + [("p001", run_id, "x")]
        with pytest.raises(IntegrityError):
            BulkInsert(session, _PERSONS, ("person_id", "created_run", "status")).write(duplicate)
        if engine.dialect.name == "sqlite":  # PostgreSQL's transaction is aborted by then
            assert _indexes_in(session, "persons") == before
        session.rollback()
    assert _indexes(engine, "persons") == before


def _indexes_in(session: Any, table: str) -> list[tuple[Any, ...]]:
    query = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t"
    return sorted(tuple(row) for row in session.execute(text(query), {"t": table}))
