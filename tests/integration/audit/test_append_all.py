"""A batch of events (a view and its household) is consecutive links of the one chain."""

from __future__ import annotations

from itertools import pairwise

from sqlalchemy import select
from sqlalchemy.engine import Engine

from joinedup.audit import verify
from joinedup.audit.log import append_all
from joinedup.store.db import session_scope
from joinedup.store.governance_tables import AuditCheckpoint, AuditEvent
from tests.integration.audit.helpers import event, fill


def test_a_batch_links_in_order_after_the_head_and_checkpoints_inside_it(engine: Engine) -> None:
    fill(engine, 2)
    with session_scope(engine) as session:
        rows = append_all(session, [event(n) for n in range(3, 8)], checkpoint_every=4)
    assert [row.seq for row in rows] == [3, 4, 5, 6, 7]
    assert [row.request_id for row in rows] == [f"req-{n}" for n in range(3, 8)]
    assert all(later.prev_hash == earlier.hash for earlier, later in pairwise(rows))
    with session_scope(engine) as session:
        assert list(session.scalars(select(AuditCheckpoint.seq))) == [4]
        assert session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == 2)) == (
            rows[0].prev_hash
        )
    result = verify(engine)
    assert result.ok, result.problems
    assert (result.events, result.checkpoints) == (7, 1)


def test_an_empty_batch_writes_nothing(engine: Engine) -> None:
    with session_scope(engine) as session:
        assert append_all(session, []) == []
    assert verify(engine).events == 0
