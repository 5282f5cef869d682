"""Checkpointing a SQLite database's write-ahead log in a thread of its own, not in a request.

SQLite copies the log back into the database file (a checkpoint) when a commit leaves the log
past ``wal_autocheckpoint`` pages, in the connection that committed, before its commit returns.
A served hub commits an audit event with every view of a person, about fourteen pages a view
with the event's indexes, so every seventieth view or so paid a checkpoint: about 10 ms, while
it held the write turn every other view waits for (measured in one process: p99 of a governed
view 8.6 ms with it, 2.7 ms without; the mean 0.16 ms less).

:class:`WalCheckpointer` gives a long-running process (``joinedup serve``) a thread that runs a
``PASSIVE`` checkpoint every :data:`INTERVAL` seconds on a connection of its own. A passive
checkpoint never waits for a lock and never blocks a reader or writer, and Python's ``sqlite3``
releases the GIL while it runs, so requests go on meanwhile. The process's own connections keep
an automatic checkpoint only as a backstop (:data:`BACKSTOP_PAGES`), for a log the thread has
not kept up with. Other processes (``ingest``, ``link``) keep SQLite's default.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from joinedup.store.db import sqlite_file

log = logging.getLogger(__name__)

#: Seconds between the thread's checkpoints.
INTERVAL = 0.5
#: The automatic checkpoint of the process's own connections while the thread runs, in pages
#: (SQLite's default is 1,000): about 40 MB of log at the default page size.
BACKSTOP_PAGES = 10_000
_TIMEOUT = 5.0


def applies_to(engine: Engine) -> bool:
    """Whether ``engine`` is a SQLite file (the only kind with a write-ahead log to keep)."""
    return sqlite_file(engine) is not None


class WalCheckpointer:
    """Checkpoint ``engine``'s SQLite log from a thread every ``interval`` seconds.

    ``start`` sets the backstop on the engine's connections (those opened from then on: the
    pool's idle ones are closed) and starts the thread; ``stop`` stops it after one last
    checkpoint and gives the engine's connections SQLite's default back. A no-op for an engine
    :func:`applies_to` rejects. Example::

        checkpoints = WalCheckpointer(engine).start()
        ...  # serve
        checkpoints.stop()
    """

    def __init__(
        self, engine: Engine, *, interval: float = INTERVAL, backstop: int = BACKSTOP_PAGES
    ) -> None:
        self.engine = engine
        self.interval = interval
        self.backstop = backstop
        self.checkpoints = 0  # completed, for tests and diagnostics
        self._last_failure: str | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> WalCheckpointer:
        if self._thread is not None or not applies_to(self.engine):
            return self
        event.listen(self.engine, "connect", self._on_connect)
        self.engine.pool.dispose()  # idle connections reopen with the backstop
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stopping.set()
        self._thread.join()
        self._thread = None
        event.remove(self.engine, "connect", self._on_connect)
        self.engine.pool.dispose()

    def _on_connect(self, dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA wal_autocheckpoint={int(self.backstop)}")
        finally:
            cursor.close()

    def _run(self) -> None:
        try:
            connection = sqlite3.connect(
                str(sqlite_file(self.engine)),
                timeout=_TIMEOUT,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            log.warning("WAL checkpoints stay in the committing connections: %s", exc)
            return
        try:
            while not self._stopping.wait(self.interval):
                self._checkpoint(connection)
            self._checkpoint(connection)
        finally:
            connection.close()

    def _checkpoint(self, connection: sqlite3.Connection) -> None:
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as exc:  # a busy or vanished file: the backstop still holds
            # Said once per kind of failure, not twice a second for as long as it lasts.
            if str(exc) != self._last_failure:
                self._last_failure = str(exc)
                log.warning("WAL checkpoint failed: %s", exc)
            return
        self._last_failure = None
        self.checkpoints += 1
