"""The store pass's rows, read and prepared in this process or in a second one.

Reading and standardising a row (:class:`joinedup.ingest.prepare.Preparer`) needs no database
and is most of an ingest's CPU; comparing with the stored versions and writing is the rest.
For a large file a second process reads and prepares while this one writes, so both cores
work. It is one process running the same reader over the whole file, so rows arrive in file
order with their line numbers, whatever the format. Messages are batches of :data:`BATCH`
prepared rows, pickled through a pipe: the reader blocks while the writer has a batch it has
not taken, so it runs at most one batch ahead and memory stays flat.

The process is a :class:`joinedup.worker.Worker` (a fresh interpreter). It starts before the
scan pass and imports while the scan runs; it learns which record ids repeat once the scan is
done. The ingesting process takes Ctrl-C, stops it and rolls back. An error in it (an
undecodable line in a CSV, say) is sent back and raised here, so a failure reads the same
whichever process met it; if it dies without a word (killed), that is an error too, never a
silent short count.
"""

from __future__ import annotations

import itertools
import multiprocessing.reduction
import types
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Any

from joinedup.ingest import collector
from joinedup.ingest.mapping import SourceMapping
from joinedup.ingest.prepare import Prepared, Preparer
from joinedup.ingest.readers import open_reader
from joinedup.worker import Worker, WorkerDied, idle_cores_now, pipes, program, sendable

#: Rows per message (and per progress report).
BATCH = 2_000
#: Preparing processes at most, however many cores are idle.
MAX_PROCESSES = 4
#: Files smaller than this are prepared in the ingesting process: starting a second
#: interpreter costs about a second of CPU, more than it saves on a small file.
PARALLEL_FROM_BYTES = 16 * 1024 * 1024
#: Batches between full garbage collections in the reading process.
COLLECT_EVERY = 50


def _mapping_proxy(proxy: types.MappingProxyType[Any, Any]) -> tuple[Any, ...]:
    return _read_only, (dict(proxy),)


def _read_only(values: dict[Any, Any]) -> types.MappingProxyType[Any, Any]:
    return types.MappingProxyType(values)


# A compiled mapping holds read-only dicts; multiprocessing's pickler (only) learns to copy them.
multiprocessing.reduction.ForkingPickler.register(types.MappingProxyType, _mapping_proxy)

# (prepared rows, bytes or rows read so far, the total in the same unit)
Batch = tuple[list[Prepared], int, int]


class ReaderProcessError(RuntimeError):
    """A preparing process failed in a way that is not the file's fault (a bug, a kill)."""


def preparing_processes(path: Path) -> int:
    """How many processes should prepare ``path`` beside the ingesting one (0: none).

    One per core left idle (``worker.idle_cores_now``: the one-minute load average, or where
    that says none, what other processes use over a quarter of a second; at most
    :data:`MAX_PROCESSES`), and none for a file under :data:`PARALLEL_FROM_BYTES`.
    """
    try:
        size = path.stat().st_size
    except OSError:  # no file: stay in one
        return 0
    if size < PARALLEL_FROM_BYTES:
        return 0
    return min(MAX_PROCESSES, idle_cores_now())


def use_second_process(path: Path) -> bool:
    """Whether :func:`preparing_processes` would start any for ``path``."""
    return preparing_processes(path) > 0


def prepared_batches(
    mapping: SourceMapping,
    path: Path,
    last_line: Mapping[str, int],
    today: date,
    size: int | None = None,
    part: int = 0,
    parts: int = 1,
    *,
    defer: bool = False,
    unchanged: bytearray | None = None,
) -> Iterator[Batch]:
    """The file's rows, prepared, in file order, in batches of ``size``.

    With ``parts`` > 1 only every ``parts``-th batch, from the ``part``-th, is prepared and
    yielded (the rows of the others are read, to keep the line numbers, and passed over):
    ``parts`` processes each take their share and the batches interleave back in order.
    ``defer=True`` leaves rows to keep unstandardised, as CHECK tuples
    (:class:`joinedup.ingest.prepare.Preparer`): only the ingesting process, which can look
    their records up, can tell which need standardising. ``unchanged`` is a bitmap of lines
    known unchanged already, which the reader yields unread (see ``Reader.unchanged``).
    """
    size = size or BATCH
    reader = open_reader(mapping, path)
    reader.unchanged = unchanged
    reader.lazy_hints = defer  # a deferred row may never be standardised
    prepare = Preparer(mapping, last_line, today, defer=defer)
    batch: list[Prepared] = []
    number = 0  # of the batch being filled, counting everyone's
    mine = parts == 1 or part == 0
    filled = 0
    for row in reader.rows():
        if mine:
            batch.append(prepare(row))
        filled += 1
        if filled >= size:
            if mine:
                yield batch, reader.position(), reader.total
                batch = []
            number += 1
            filled = 0
            mine = number % parts == part
    if mine and (batch or parts == 1):
        yield batch, reader.total, reader.total


class SecondProcess:
    """Interpreters that prepare one file's rows beside this one; see the module's docstring.

    ``processes`` of them each prepare every ``processes``-th batch. Use as a context
    manager: they start on entry; ``batches(last_line)`` once the scan is done. Leaving the
    ``with`` block stops them whatever happened.
    """

    def __init__(self, mapping: SourceMapping, path: Path, today: date, processes: int = 1) -> None:
        self._jobs = [(mapping, path, today, BATCH, part, processes) for part in range(processes)]
        self._workers = ExitStack()
        self._children: list[Worker] = []

    def __enter__(self) -> SecondProcess:
        with ExitStack() as starting:
            for job in self._jobs:
                child = starting.enter_context(Worker(_CHILD))
                self._children.append(child)
                self._send(child, job)
            self._workers = starting.pop_all()
        return self

    def __exit__(self, *_: object) -> None:
        self._workers.close()

    @staticmethod
    def _send(child: Worker, message: object) -> None:
        try:
            child.send(message)
        except WorkerDied as died:
            raise ReaderProcessError(_reading(died)) from None

    def batches(
        self, last_line: Mapping[str, int], unchanged: bytearray | None = None
    ) -> Iterator[Batch]:
        """Send the repeated ids (and the lines known unchanged, which are yielded unread),
        then yield the prepared batches in file order."""
        repeated = dict(last_line)
        for child in self._children:
            self._send(child, (repeated, unchanged))
        for number in itertools.count():
            try:
                message = self._children[number % len(self._children)].recv()
            except WorkerDied as died:
                raise ReaderProcessError(_reading(died)) from None
            if message is None:
                return  # the next batch in file order does not exist: the file is done
            if isinstance(message, BaseException):
                raise message
            yield message


def _reading(died: WorkerDied) -> str:
    return f"the process reading the file stopped unexpectedly (exit code {died.code})"


# The second interpreter's whole program: its two pipes are named on its command line.
_CHILD = program("joinedup.ingest.parallel", "child_main")


def child_main(arguments: list[str]) -> None:
    """The reading process: prepare every row of the file it is sent, and send them back."""
    inbox, outbox = pipes(arguments)
    try:
        mapping, path, today, size, part, parts = inbox.recv()
        last_line, unchanged = inbox.recv()
        with collector.bulk_collection():
            batches = prepared_batches(
                mapping, path, last_line, today, size, part, parts, unchanged=unchanged
            )
            for sent, batch in enumerate(batches, 1):
                outbox.send(batch)
                if sent % COLLECT_EVERY == 0:
                    collector.collect()
        outbox.send(None)
    except (EOFError, BrokenPipeError):
        return  # the ingesting process has gone: nobody to tell
    except Exception as exc:  # sent back, to be raised where the ingest runs
        outbox.send(
            sendable(exc, ReaderProcessError(f"reading the file failed: {type(exc).__name__}"))
        )
