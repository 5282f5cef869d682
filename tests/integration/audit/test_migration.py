"""Migration 0003 goes down and up again cleanly, triggers included, on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from joinedup.store.db import downgrade, make_engine, upgrade
from tests.integration.audit.helpers import fill


def test_down_and_up_again(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    try:
        upgrade(engine)
        downgrade(engine, "0002")
        assert "audit_events" not in inspect(engine).get_table_names()
        upgrade(engine)
        tables = set(inspect(engine).get_table_names())
        assert {"audit_events", "audit_checkpoints", "resident_choices", "alerts"} <= tables
        fill(engine, 1)
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_events"))
    finally:
        engine.dispose()
