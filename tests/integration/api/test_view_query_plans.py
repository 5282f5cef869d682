"""The joined view's record lookups search indexes on SQLite, rather than scan every record.

``tuple_(source_id, record_id).in_()`` becomes a row-value ``IN (VALUES ...)`` on SQLite, which
its planner answers with a scan of the whole ``source_records`` table: a view then costs time in
proportion to the borough. The view's queries are run here under ``EXPLAIN QUERY PLAN``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from joinedup.audit import audited_engine
from joinedup.services.actor import Actor
from joinedup.services.joined_view import joined_view
from joinedup.store.db import session_scope
from tests.integration.api.practitioner_hub import ANNE, COUNCIL, build_borough


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[tuple[str, object]]]:
    if engine.dialect.name != "sqlite":
        pytest.skip("the row-value scan is SQLite's planner")
    build_borough(engine)
    seen: list[tuple[str, object]] = []

    def keep(_conn: object, _cursor: object, statement: str, params: object, *_: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", keep)
    yield seen
    event.remove(engine, "before_cursor_execute", keep)


def test_no_query_of_a_view_scans_the_records(
    engine: Engine, statements: list[tuple[str, object]]
) -> None:
    actor = Actor(
        user="sw@example.org",
        organisation=COUNCIL,
        role="social_worker",
        purpose="safeguarding",
        case_reference="CASE-1",
    )
    with session_scope(audited_engine(engine)) as session:
        view = joined_view(session, actor, ANNE)
    assert view.household, "the borough's household should be read too"
    plans = []
    with engine.connect() as conn:
        for statement, params in statements:
            if "source_records" in statement:
                plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)
                plans.append(" / ".join(str(row[-1]) for row in plan))
    assert plans
    assert not [p for p in plans if "SCAN source_records" in p], plans
