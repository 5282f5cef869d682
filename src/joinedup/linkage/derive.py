"""Stored records to frame rows as Arrow, chunk by chunk, in this process and a worker beside it.

A run without the frame cache (the first on a store, or after the derivation changed) reads
every current record and derives its frame row: at a million records about 5 s of fetching
(the list columns left as stored, parsed here by :func:`derive_rows`) and 20 s of deriving,
all on one core. With a core to spare
(``worker.idle_cores``) a :class:`joinedup.worker.Worker` derives chunks while this process
fetches the next ones; this process derives a chunk itself whenever the worker already has one
waiting, so neither side idles. The chunks come back in the order they were read, each derived
by :func:`derive_rows` from the same rows, so the table is the same whoever derived what.

Two threads of this process carry chunks to the worker and results back: a send blocks until
the worker reads, and a result the worker cannot hand over would stall it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from joinedup.errors import JoinedupError
from joinedup.linkage.engines import arrow_schema, to_arrow
from joinedup.linkage.frame import FRAME_COLUMNS, records_frame
from joinedup.linkage.gc_pause import cycle_collection_paused
from joinedup.store.records import LINKAGE_COLUMNS, stored_list
from joinedup.store.tables import PERSON_LIST_FIELDS
from joinedup.worker import (
    Worker,
    WorkerDied,
    cpu_reading,
    idle_cores,
    pipes,
    program,
    sendable,
)

VERSION_COLUMN = "record_version"

#: The worker starts with this chunk: a store of a few chunks is derived sooner than a second
#: interpreter imports pandas.
WORKER_FROM_CHUNK = 3
#: Chunks waiting for the worker beyond the one it is deriving.
AHEAD = 1

_LIST_COLUMNS = [name for name in LINKAGE_COLUMNS if name in PERSON_LIST_FIELDS]
_PROGRAM = program("joinedup.linkage.derive", "worker_main")
_DONE = None


def derive_rows(rows: Sequence[tuple[Any, ...]], adult_sources: Collection[str]) -> pa.Table:
    """The frame rows (``FRAME_COLUMNS`` and ``VERSION_COLUMN``) of stored rows of
    ``LINKAGE_COLUMNS``, in their order; list columns as lists or as stored (JSON text)."""
    raw = pd.DataFrame.from_records(list(rows), columns=list(LINKAGE_COLUMNS))
    for name in _LIST_COLUMNS:
        raw[name] = [stored_list(value) for value in raw[name]]
    frame = records_frame(raw, adult_sources=adult_sources)
    return with_numbers(as_table(frame), raw["id"].to_numpy(dtype=np.int64))


def as_table(frame: pd.DataFrame) -> pa.Table:
    """``frame``'s columns as Arrow in the engines' schema."""
    # pyarrow's own conversion is several times faster than the model's value-by-value one;
    # fall back to that for a frame it cannot take (a stray non-string value).
    try:
        return pa.Table.from_pandas(
            frame[list(FRAME_COLUMNS)], schema=arrow_schema(), preserve_index=False
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return to_arrow(frame)


def with_numbers(table: pa.Table, numbers: np.ndarray) -> pa.Table:
    """``table``'s frame columns with the versions appended, row for row."""
    return table.select(list(FRAME_COLUMNS)).append_column(
        VERSION_COLUMN, pa.array(numbers, pa.int64())
    )


class ChunkDeriver:
    """Derive chunks of stored rows (``add``), then take the tables in order (``tables``).

    Use as a context manager; a worker is started at chunk :data:`WORKER_FROM_CHUNK` when
    ``helped`` and a core is idle, and stopped on exit whatever happened.
    """

    def __init__(self, adult_sources: Collection[str], *, helped: bool = True) -> None:
        self._adults = frozenset(adult_sources)
        self._helped = helped
        self._parts: list[pa.Table | None] = []
        self._owed: list[int] = []  # positions the worker derives, in the order sent
        self._worker: Worker | None = None
        self._outbox: queue.Queue[list[Any] | None] = queue.Queue(maxsize=AHEAD)
        self._results: queue.Queue[Any] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._stopping = False
        # Whether a core is idle is judged by what the machine did while the first chunks were
        # derived here, not by the lagging load average.
        self._since = cpu_reading()

    def __enter__(self) -> ChunkDeriver:
        return self

    def __exit__(self, *_: object) -> None:
        if self._worker is not None:
            self._worker.__exit__()  # closes the pipes: no send or receive waits any more
            self._stop_sending()
            for thread in self._threads:
                thread.join()

    def add(self, rows: list[Any]) -> None:
        if len(self._parts) == WORKER_FROM_CHUNK and self._helped and idle_cores(self._since) > 0:
            self._start()
        if self._worker is not None:
            try:
                self._outbox.put_nowait(rows)
            except queue.Full:
                pass
            else:
                self._owed.append(len(self._parts))
                self._parts.append(None)
                return
        with cycle_collection_paused():
            self._parts.append(derive_rows(rows, self._adults))

    def tables(self) -> list[pa.Table]:
        """Every chunk's table, in the order added (waits for the worker's)."""
        if self._worker is not None:
            self._stop_sending()
            for position in self._owed:
                result = self._results.get()
                if isinstance(result, BaseException):
                    raise result
                self._parts[position] = result
            self._owed = []
        return [part for part in self._parts if part is not None]

    def _stop_sending(self) -> None:
        if not self._stopping:
            self._stopping = True
            self._outbox.put(_DONE)

    def _start(self) -> None:
        try:
            worker = Worker(_PROGRAM).__enter__()
        except OSError:  # no interpreter to start: derive everything here
            return
        try:
            worker.send(self._adults)
        except WorkerDied:
            worker.__exit__()
            return  # derive everything here, as without a spare core
        self._worker = worker
        self._threads = [
            threading.Thread(target=self._carry_out, name="derive-send", daemon=True),
            threading.Thread(target=self._carry_back, name="derive-receive", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _carry_out(self) -> None:
        assert self._worker is not None
        alive = True
        while True:
            rows = self._outbox.get()
            if alive:
                try:
                    self._worker.send(rows)
                except Exception:  # ended, or its pipe closed under this thread on exit
                    # The receiving thread reports the worker's end; taking what is still put
                    # here keeps this process from waiting on a full queue.
                    alive = False
            if rows is _DONE:
                return

    def _carry_back(self) -> None:
        assert self._worker is not None
        while True:
            try:
                result = self._worker.recv()
            except Exception as exc:  # ended, or its pipe closed under this thread on exit
                self._results.put(exc if isinstance(exc, WorkerDied) else WorkerDied(None))
                return
            if result is _DONE:
                return
            self._results.put(result)


def worker_main(arguments: list[str]) -> None:
    """The worker: derive each chunk of rows it is sent and send the table back."""
    inbox, outbox = pipes(arguments)
    try:
        adults = inbox.recv()
        with cycle_collection_paused():
            while (rows := inbox.recv()) is not _DONE:
                outbox.send(derive_rows(rows, adults))
        outbox.send(_DONE)
    except (EOFError, BrokenPipeError):
        return  # the starting process has gone: nobody to tell
    except Exception as exc:
        outbox.send(
            sendable(exc, JoinedupError(f"deriving the frame failed: {type(exc).__name__}"))
        )
