"""The store pass's rows, read and prepared in this process or in a second one.

Reading and standardising a row (:class:`joinedup.ingest.prepare.Preparer`) needs no database
and is most of an ingest's CPU; comparing with the stored versions and writing is the rest.
For a large file a second process reads and prepares while this one writes, so both cores
work. It is one process running the same reader over the whole file, so rows arrive in file
order with their line numbers, whatever the format. Messages are batches of :data:`BATCH`
prepared rows, pickled through a pipe: the reader blocks while the writer has a batch it has
not taken, so it runs at most one batch ahead and memory stays flat.

The process is a fresh interpreter (``python -c``), neither forked nor started through
``multiprocessing``: an ingest may run inside a threaded server, where forking is unsafe, and
``multiprocessing``'s spawn re-runs the caller's main script, which breaks any script that
lacks a ``__main__`` guard. It starts before the scan pass and imports while the scan runs;
it learns which record ids repeat once the scan is done. It ignores Ctrl-C: the ingesting
process takes the interrupt, stops it and rolls back. An error in it (an undecodable line in
a CSV, say) is sent back and raised here, so a failure reads the same whichever process met
it; if it dies without a word (killed), that is an error too, never a silent short count.
"""

from __future__ import annotations

import multiprocessing.reduction
import os
import pickle
import signal
import subprocess
import sys
import types
from collections.abc import Iterator, Mapping
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from joinedup.errors import JoinedupError
from joinedup.ingest import collector
from joinedup.ingest.mapping import SourceMapping
from joinedup.ingest.prepare import Prepared, Preparer
from joinedup.ingest.readers import open_reader

#: Rows per message (and per progress report).
BATCH = 2_000
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
    """The reading process failed in a way that is not the file's fault (a bug, a kill)."""


def use_second_process(path: Path) -> bool:
    """Whether ``path`` is large enough, and the machine has a core to spare right now.

    A second process only helps when a core would otherwise idle: on a machine already busy
    with other work the two processes take turns on the same cores, and the pickling between
    them is pure cost (measured on a 2-core machine at load 5-10: a re-ingest took 10-30 %
    longer). So the one-minute load average must leave a core free.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    try:
        size = path.stat().st_size
        load = os.getloadavg()[0]
    except OSError:
        return False
    return cores >= 2 and load <= cores - 1 and size >= PARALLEL_FROM_BYTES


def prepared_batches(
    mapping: SourceMapping,
    path: Path,
    last_line: Mapping[str, int],
    today: date,
    size: int | None = None,
) -> Iterator[Batch]:
    """The file's rows, prepared, in file order, in batches of ``size`` (this process)."""
    size = size or BATCH
    reader = open_reader(mapping, path)
    prepare = Preparer(mapping, last_line, today)
    batch: list[Prepared] = []
    for row in reader.rows():
        batch.append(prepare(row))
        if len(batch) >= size:
            yield batch, reader.position(), reader.total
            batch = []
    yield batch, reader.total, reader.total


class SecondProcess:
    """A second interpreter that prepares one file's rows; see the module's docstring.

    Use as a context manager: it starts on entry; ``batches(last_line)`` once the scan is done.
    Leaving the ``with`` block stops it whatever happened.
    """

    def __init__(self, mapping: SourceMapping, path: Path, today: date) -> None:
        self._job = (mapping, path, today, BATCH)
        self._process: subprocess.Popen[bytes] | None = None
        self._to_child: Connection | None = None
        self._from_child: Connection | None = None

    def __enter__(self) -> SecondProcess:
        job_read, job_write = os.pipe()
        out_read, out_write = os.pipe()
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-P", "-c", _CHILD, str(job_read), str(out_write)],
                pass_fds=(job_read, out_write),
                stdin=subprocess.DEVNULL,
            )
        finally:
            os.close(job_read)
            os.close(out_write)
        self._to_child = Connection(job_write, readable=False)
        self._from_child = Connection(out_read, writable=False)
        self._to_child.send(self._job)
        return self

    def __exit__(self, *_: object) -> None:
        for channel in (self._to_child, self._from_child):
            if channel is not None:
                channel.close()
        if self._process is not None:
            if self._process.poll() is None:
                self._process.terminate()
            self._process.wait()

    def batches(self, last_line: Mapping[str, int]) -> Iterator[Batch]:
        """Send the repeated ids, then yield the prepared batches as they arrive."""
        assert self._to_child is not None and self._from_child is not None
        self._to_child.send(dict(last_line))
        while True:
            try:
                message = self._from_child.recv()
            except EOFError:
                code = self._process.wait() if self._process is not None else None
                raise ReaderProcessError(
                    f"the process reading the file stopped unexpectedly (exit code {code})"
                ) from None
            if message is None:
                return
            if isinstance(message, BaseException):
                raise message
            yield message


# The second interpreter's whole program: its two pipes are named on its command line.
_CHILD = "import sys; from joinedup.ingest.parallel import child_main; child_main(sys.argv[1:])"


def child_main(arguments: list[str]) -> None:
    """The reading process: prepare every row of the file it is sent, and send them back."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the ingesting process handles Ctrl-C
    inbox = Connection(int(arguments[0]), writable=False)
    outbox = Connection(int(arguments[1]), readable=False)
    try:
        mapping, path, today, size = inbox.recv()
        last_line = inbox.recv()
        with collector.bulk_collection():
            batches = prepared_batches(mapping, path, last_line, today, size)
            for sent, batch in enumerate(batches, 1):
                outbox.send(batch)
                if sent % COLLECT_EVERY == 0:
                    collector.collect()
        outbox.send(None)
    except (EOFError, BrokenPipeError):
        return  # the ingesting process has gone: nobody to tell
    except Exception as exc:  # sent back, to be raised where the ingest runs
        outbox.send(_sendable(exc))


def _sendable(exc: Exception) -> Exception:
    # Our own errors carry messages written for users (no personal values); others, which
    # may quote a row, are named by kind only.
    if isinstance(exc, JoinedupError):
        try:
            pickle.loads(pickle.dumps(exc))
            return exc
        except Exception:
            return JoinedupError(str(exc))
    return ReaderProcessError(f"reading the file failed: {type(exc).__name__}")
