"""Governed views through ``joinedup serve --workers 2``: one audit chain across processes.

Each worker process has its own pool, gate and threads; what keeps the hash chain one chain is
the database's lock taken by every append (PostgreSQL's advisory lock, SQLite's write lock,
queued by ``store.db.writer_turn``). Many views at once through two workers must all be
answered, leave exactly one ``person.view`` event each, and a chain ``joinedup audit verify``
accepts.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from joinedup.cli import _register, app
from joinedup.store.db import session_scope
from joinedup.store.governance_tables import AuditEvent
from tests.integration.api.live_server import serving
from tests.integration.api.practitioner_hub import ANNE, BOB, PractitionerHub, make_practitioner_hub

VIEWS = 40
WORKERS = 2


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.fixture
def hub(engine: Engine) -> Iterator[PractitionerHub]:
    yield make_practitioner_hub(engine)


@pytest.fixture
def served(hub: PractitionerHub, tmp_path: Path) -> Iterator[tuple[str, int]]:
    """``joinedup serve --workers 2`` on the hub's database, in a process of its own."""
    with serving(hub.engine, tmp_path / "serve.log", workers=WORKERS) as served_at:
        yield served_at


def _views(engine: Engine) -> int:
    with session_scope(engine) as session:
        query = (
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "person.view")
        )
        return int(session.scalar(query) or 0)


def test_views_through_two_workers_leave_one_verified_chain(
    hub: PractitionerHub, served: tuple[str, int]
) -> None:
    base, pid = served
    assert len(_children(pid)) >= WORKERS  # the supervisor's worker processes
    headers = hub.bearer("gp", "direct_care")
    before = _views(hub.engine)

    def view(n: int) -> int:
        person = ANNE if n % 2 else BOB
        with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
            return client.get(f"/api/v1/persons/{person}").status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(view, range(VIEWS)))
    assert statuses == [200] * VIEWS
    assert _views(hub.engine) - before == VIEWS
    _register()
    result = CliRunner().invoke(
        app,
        ["audit", "verify"],
        env={"JOINEDUP_DATABASE_URL": hub.engine.url.render_as_string(hide_password=False)},
    )
    assert result.exit_code == 0, result.output
