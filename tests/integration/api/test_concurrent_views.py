"""Many governed views at once, through a real server: all served, each audited, none a 500.

The regression this guards: with more requests in flight than pooled connections, FastAPI's
worker threads all blocked waiting for a connection (or SQLite's write lock) held by requests
that were waiting for a thread, until the pool timed out with 500s. Requests now wait for a
turn on the event loop (``api.gate``), so the server is run with a pool far smaller than the
number of clients and must still answer every one.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import replace
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from joinedup.api.app import create_app
from joinedup.api.errors import ServiceBusy
from joinedup.api.gate import UnitOfWorkGate, gate_for
from joinedup.audit import verify
from joinedup.config import Settings
from joinedup.store.db import make_engine, session_scope
from joinedup.store.governance_tables import AuditEvent
from tests.integration.api.practitioner_hub import ANNE, PractitionerHub, make_practitioner_hub

CLIENTS = 50
T = TypeVar("T")


def _settings(engine: Engine, **pool: object) -> Settings:
    base = Settings.from_env()
    return replace(
        base,
        database_url=engine.url.render_as_string(hide_password=False),
        secret_key="test secret key, not for production",
        **pool,  # type: ignore[arg-type]
    )


@pytest.fixture
def hub(engine: Engine) -> Iterator[PractitionerHub]:
    yield make_practitioner_hub(engine)


@pytest.fixture
def small_pool(engine: Engine, hub: PractitionerHub) -> Iterator[Engine]:
    settings = _settings(engine, db_pool_size=3, db_max_overflow=0, db_pool_timeout=60.0)
    small = make_engine(settings.database_url, settings=settings)
    yield small
    small.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(small_pool: Engine) -> Iterator[str]:
    settings = _settings(small_pool, db_pool_size=3, db_max_overflow=0, db_pool_timeout=60.0)
    port = _free_port()
    config = uvicorn.Config(
        create_app(settings, small_pool),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
    )
    served = uvicorn.Server(config)
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not served.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    served.should_exit = True
    thread.join(timeout=30)


def _run(coroutine: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run ``coroutine`` on an event loop of its own thread: a browser test earlier in this
    worker may have left Playwright's loop running in the main thread."""
    out: list[T] = []
    failed: list[BaseException] = []

    def target() -> None:
        try:
            out.append(asyncio.run(coroutine()))
        except BaseException as exc:  # re-raised in the test's thread
            failed.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if failed:
        raise failed[0]
    return out[0]


def _views(engine: Engine) -> int:
    with session_scope(engine) as session:
        query = (
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "person.view")
        )
        return int(session.scalar(query) or 0)


async def _many(base: str, headers: dict[str, str]) -> list[int]:
    limits = httpx.Limits(max_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=120) as c:
        responses = await asyncio.gather(
            *(c.get(f"/api/v1/persons/{ANNE}") for _ in range(CLIENTS))
        )
    return [response.status_code for response in responses]


def test_fifty_concurrent_views_through_a_three_connection_pool_all_succeed(
    hub: PractitionerHub, server: str
) -> None:
    before = _views(hub.engine)
    headers = hub.bearer("gp", "direct_care")
    statuses = _run(lambda: _many(server, headers))
    assert statuses == [200] * CLIENTS
    assert _views(hub.engine) - before == CLIENTS
    result = verify(hub.engine)
    assert result.ok, result.problems


def test_a_pool_timeout_is_a_503_not_a_500(engine: Engine, hub: PractitionerHub) -> None:
    settings = _settings(engine, db_pool_size=1, db_max_overflow=0, db_pool_timeout=0.2)
    tiny = make_engine(settings.database_url, settings=settings)
    client = hub.client.__class__(create_app(settings, tiny), raise_server_exceptions=False)
    try:
        with tiny.connect():  # the pool's only connection, held elsewhere
            response = client.get(f"/api/v1/persons/{ANNE}", headers=hub.bearer("gp"))
        assert response.status_code == 503, response.text
        assert response.headers["Retry-After"]
        assert "busy" in response.json()["detail"]
        assert "Walker" not in response.text
    finally:
        tiny.dispose()


def test_a_request_that_waits_too_long_for_its_turn_is_told_the_service_is_busy() -> None:
    gate = UnitOfWorkGate(slots=1, threads=4, timeout=0.1)

    async def scenario() -> None:
        await gate.acquire()
        try:
            with pytest.raises(ServiceBusy):
                await gate.acquire()
        finally:
            gate.release()
        await gate.acquire()  # free again once released
        gate.release()

    _run(scenario)


def test_settings_that_could_deadlock_are_refused_at_start(engine: Engine) -> None:
    settings = _settings(engine, db_pool_size=2, db_max_overflow=0, api_concurrency=5)
    small = make_engine(settings.database_url, settings=settings)
    try:
        with pytest.raises(ValueError, match="more than the database pool holds"):
            gate_for(small, settings)
        with pytest.raises(ValueError, match="fewer than"):
            gate_for(small, replace(settings, api_concurrency=2, api_threads=1))
        gate = gate_for(small, replace(settings, api_concurrency=None))
        # PostgreSQL: one per connection. SQLite: one unit of work holding the single writer and
        # one queued on its thread for the writer's turn.
        assert gate.slots == 2
        assert gate.threads >= gate.slots
    finally:
        small.dispose()


def test_a_database_that_fails_at_commit_is_a_503_not_a_500(
    hub: PractitionerHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    def locked(_session: Session) -> None:
        raise OperationalError("COMMIT", {}, Exception("database is locked"))

    before = _views(hub.engine)
    monkeypatch.setattr(Session, "commit", locked)
    response = hub.client.get(f"/api/v1/persons/{ANNE}", headers=hub.bearer("gp", "direct_care"))
    monkeypatch.undo()
    assert response.status_code == 503, response.text
    assert "Walker" not in response.text
    assert _views(hub.engine) == before


def test_the_writers_turn_is_one_thread_at_a_time_and_a_long_wait_is_busy() -> None:
    gate = UnitOfWorkGate(slots=2, threads=4, timeout=0.2, one_writer=True)
    outcome: list[str] = []

    def second() -> None:
        try:
            with gate.writer():
                outcome.append("entered")
        except ServiceBusy:
            outcome.append("busy")

    with gate.writer():
        waiter = threading.Thread(target=second)
        waiter.start()
        waiter.join()
    assert outcome == ["busy"]
    waiter = threading.Thread(target=second)
    waiter.start()
    waiter.join()
    assert outcome == ["busy", "entered"]
    # Where the database takes many writers, there is no turn to wait for.
    many = UnitOfWorkGate(slots=2, threads=4, timeout=0.2)
    with many.writer(), many.writer():
        pass
