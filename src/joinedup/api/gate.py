"""Admission to a unit of work: how many requests may hold a database session at once.

A request that is admitted holds one pooled connection and needs a worker thread for each sync
step (dependency, route, teardown). If more requests were in flight than the pool has
connections, every worker thread could end up blocked in a pool checkout (or, on SQLite, in
``BEGIN IMMEDIATE``) while the requests holding the connections — and the write lock — wait for
a thread: a deadlock that only the pool timeout breaks. So requests wait *here*, on the event
loop, holding neither a thread nor a connection, until one of :attr:`UnitOfWorkGate.slots`
turns is free. The sizes are made consistent once, in :func:`gate_for`:

    slots <= connections in the pool        (so an admitted request never waits for one)
    slots <= worker threads                 (so an admitted request always finds a thread)

On SQLite the default is two slots: every API unit of work begins ``IMMEDIATE`` (SQLite has one
writer, and a read-then-write transaction cannot upgrade once another writer has committed),
so only one runs at a time whatever the number. The second waits on its thread for the writer's
turn (a lock file beside the database, taken before the transaction begins), not in SQLite's
busy handler, and starts as soon as the first ends, without a trip through the event loop.
More would only queue more threads on that lock; an in-memory database (one shared
connection) gets one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from weakref import WeakKeyDictionary

import anyio
import anyio.to_thread
from anyio.lowlevel import RunVar
from sqlalchemy.engine import Engine

from joinedup.api.errors import ServiceBusy
from joinedup.config import Settings
from joinedup.errors import JoinedupError

# anyio's default; more threads than this are only added when the slots need them.
DEFAULT_THREADS = 40
# Threads beyond the slots, for sync work that holds no unit of work (static files, pages).
SPARE_THREADS = 8

# Semaphores belong to one event loop (a test client runs its own); one per gate per loop.
_SEMAPHORES: RunVar[WeakKeyDictionary[UnitOfWorkGate, anyio.Semaphore]] = RunVar(
    "joinedup_unit_of_work_semaphores"
)


class CapacityMisconfigured(JoinedupError, ValueError):
    """Pool, concurrency and thread settings that could deadlock: refused at start, shown as a
    message (not a traceback) by ``joinedup serve``."""


class UnitOfWorkGate:
    """At most ``slots`` units of work at once; a wait longer than ``timeout`` seconds is a 503."""

    def __init__(
        self, slots: int, threads: int, timeout: float, *, one_writer: bool = False
    ) -> None:
        self.slots = slots
        self.threads = threads
        self.timeout = timeout
        self._writer = threading.Lock() if one_writer else None

    @contextmanager
    def writer(self) -> Iterator[None]:
        """On a database with one writer (SQLite), this process's turn at it; elsewhere nothing.

        Taken on the unit of work's thread before the cross-process writer's turn
        (:func:`joinedup.store.db.writer_turn`): a thread lock wakes the next unit of work the
        moment the previous one lets go, where the lock file is polled with pauses of up to
        5 ms. :class:`ServiceBusy` (503) after the timeout, as any wait for a turn.
        """
        lock = self._writer
        if lock is None:
            yield
            return
        if not lock.acquire(timeout=self.timeout):
            raise ServiceBusy()
        try:
            yield
        finally:
            lock.release()

    def _semaphore(self) -> anyio.Semaphore:
        by_gate = _SEMAPHORES.get(None)
        if by_gate is None:
            by_gate = WeakKeyDictionary()
            _SEMAPHORES.set(by_gate)
        semaphore = by_gate.get(self)
        if semaphore is None:
            limiter = anyio.to_thread.current_default_thread_limiter()
            limiter.total_tokens = max(int(limiter.total_tokens), self.threads)
            semaphore = by_gate[self] = anyio.Semaphore(self.slots)
        return semaphore

    async def acquire(self) -> None:
        """Wait for a turn (first come, first served); :class:`ServiceBusy` after the timeout."""
        semaphore = self._semaphore()
        try:
            with anyio.fail_after(self.timeout):
                await semaphore.acquire()
        except TimeoutError:
            raise ServiceBusy() from None

    def release(self) -> None:
        """Give the turn to the next request waiting."""
        self._semaphore().release()


def _pool_capacity(engine: Engine) -> int | None:
    size = getattr(engine.pool, "size", None)
    return int(size()) if callable(size) else None


def _sqlite_slots(capacity: int | None) -> int:
    # Two: one unit of work holding SQLite's writer, the next already on its thread and queued
    # for the writer's turn (joinedup.store.db.writer_turn), so the hand-over happens between
    # threads, not through the event loop, which is busy with other requests' HTTP. Measured
    # at 50 clients, one worker, two runs each at load 4-6: 182 and 212 -> 288 and 236 views/s,
    # p95 419 and 364 -> 239 and 326 ms. A database without a pool of its own (in memory: one
    # shared connection) can run only one.
    return 2 if capacity is not None and capacity >= 2 else 1


def gate_for(engine: Engine, settings: Settings) -> UnitOfWorkGate:
    """The gate for an app on ``engine``: slots, threads and timeout from ``settings``.

    Raises :class:`CapacityMisconfigured` when the settings contradict each other (more units
    of work than connections, or fewer threads than units of work): a configuration that can
    deadlock is refused at start, not discovered under load.
    """
    capacity = _pool_capacity(engine)
    sqlite = engine.dialect.name == "sqlite"
    slots = settings.api_concurrency or (
        _sqlite_slots(capacity) if sqlite else (capacity or settings.db_pool_size)
    )
    if capacity is not None and slots > capacity:
        raise CapacityMisconfigured(
            f"JOINEDUP_API_CONCURRENCY ({slots}) is more than the database pool holds "
            f"(JOINEDUP_DB_POOL_SIZE {capacity}): raise the pool size or lower the concurrency"
        )
    threads = settings.api_threads or max(DEFAULT_THREADS, slots + SPARE_THREADS)
    if threads < slots:
        raise CapacityMisconfigured(
            f"JOINEDUP_API_THREADS ({threads}) is fewer than JOINEDUP_API_CONCURRENCY ({slots}): "
            "an admitted request could wait for a thread for ever"
        )
    return UnitOfWorkGate(slots, threads, settings.db_pool_timeout, one_writer=sqlite)
