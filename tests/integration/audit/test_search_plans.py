"""The IG officer's and the resident's searches find their events through an index, not by
reading the trail from its newest event back.

A search is newest first (``ORDER BY seq DESC``), so the cheap-looking plan is to walk the
primary key backwards and filter. That is quick while matches are dense, and reads the whole
trail when they are rare — break-glass events, or an organisation whose remit holds few — which
on a year's trail of a borough (a million events, ``benchmarks/audit``) took seconds. The
statements each search sends are run here under ``EXPLAIN``; on PostgreSQL with sequential scans
off, as the tables are too small for the planner to prefer any index otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from joinedup.audit import append
from joinedup.audit.queries import search
from joinedup.services.ig_remit import Remit, audit_events_in
from joinedup.store.db import session_scope
from tests.integration.audit.helpers import event

POLICE = Remit("northbridge-police", ())


@contextmanager
def _statements(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def keep(_conn: object, _cursor: object, statement: str, params: Any, *_: object) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "audit_events" in statement:
            seen.append((statement, params))

    sa_event.listen(engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        sa_event.remove(engine, "before_cursor_execute", keep)


def _plans(engine: Engine, read: Callable[[Session], object]) -> list[str]:
    with session_scope(engine) as session:
        for n in range(1, 41):
            append(session, event(n, break_glass=n % 10 == 0))
    with _statements(engine) as seen, session_scope(engine) as session:
        read(session)
    assert seen
    plans = []
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")
            prefix = "EXPLAIN "
        else:
            prefix = "EXPLAIN QUERY PLAN "
        for statement, params in seen:
            rows = conn.exec_driver_sql(prefix + statement, params)
            plans.append(" / ".join(str(row[-1]) for row in rows))
    return plans


@pytest.mark.parametrize(
    ("read", "index"),
    [
        pytest.param(
            lambda s: search(s, break_glass=True, within=audit_events_in(POLICE)),
            "ix_audit_events_break_glass",
            id="break-glass within a remit",
        ),
        pytest.param(
            lambda s: search(s, break_glass=True, before_seq=30),
            "ix_audit_events_break_glass",
            id="break-glass, a deeper page",
        ),
    ],
)
def test_a_search_reads_its_events_through_their_index(
    engine: Engine, read: Callable[[Session], object], index: str
) -> None:
    plans = _plans(engine, read)
    assert all(index in plan for plan in plans), plans
