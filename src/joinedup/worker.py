"""A second Python interpreter working beside this one, over two pipes.

Some stages are pure Python CPU on one core while the machine's other cores idle: preparing an
ingest's rows (``ingest.parallel``) and deriving the link frame from stored records
(``linkage.derive``). Such a stage hands part of its work to a :class:`Worker`.

The worker is a fresh interpreter (``python -P -c``), neither forked nor started through
``multiprocessing``: the work may run inside a threaded server, where forking is unsafe, and
``multiprocessing``'s spawn re-runs the caller's main script, which breaks any script that lacks
a ``__main__`` guard. It ignores Ctrl-C: the process that started it takes the interrupt and
stops it. Messages are pickled objects on the pipes (``multiprocessing.connection``).
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from joinedup.errors import JoinedupError


@dataclass(frozen=True)
class CpuReading:
    """The machine's busy CPU seconds (every core) and this process's own, at one moment."""

    at: float
    machine: float
    own: float


#: A window shorter than this says too little about the machine to act on.
MIN_WINDOW = 0.25
_STAT = "/proc/stat"
_COUNTED = 8  # the first line's user nice system idle iowait irq softirq steal (guest is in user)
_IDLE, _IOWAIT = 3, 4


def cpu_reading() -> CpuReading | None:
    """Now's :class:`CpuReading`, or ``None`` where the kernel does not say (not Linux)."""
    try:
        with open(_STAT, "rb") as stat:
            fields = stat.readline().split()[1:]
        ticks = [int(value) for value in fields[:_COUNTED]]
        busy = sum(ticks) - ticks[_IDLE] - ticks[_IOWAIT]
        hertz = os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None
    return CpuReading(time.monotonic(), busy / hertz, time.process_time())


def _usable_cores() -> int:
    """This process's cores, or 0 where a worker cannot help or start."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    # Embedded interpreters (a server's own binary as sys.executable) cannot be re-run; on one
    # core the worker would only take turns with this process.
    if cores < 2 or not os.path.basename(sys.executable or "").startswith("python"):
        return 0
    return cores


def idle_cores(since: CpuReading | None = None) -> int:
    """Cores left idle; 0 where a worker cannot help or start.

    A worker only helps on a core that would otherwise idle: on a busy machine it takes turns
    with everyone else, and pickling between processes is pure cost (measured on a 2-core
    machine at load 5-10: an ingest took 10-30 % longer with one).

    With ``since`` (a :func:`cpu_reading` taken while this process worked), what other
    processes used since then: this process holds one core, and a core counts as idle when
    others left at least half of one. The kernel's counters are the whole machine's; in a
    container pinned to some of a host's cores the other cores' work counts too, so it errs
    towards no worker. Without it, the one-minute load average, which lags: a
    step that starts just after another ended (``joinedup link --full`` after an ingest) sees
    the ended step's load for a minute.
    """
    cores = _usable_cores()
    if cores == 0:
        return 0
    now = cpu_reading() if since is not None else None
    if since is not None and now is not None and now.at - since.at >= MIN_WINDOW:
        used = (now.machine - since.machine) - (now.own - since.own)
        others = max(0.0, used) / (now.at - since.at)
        return max(0, int(cores - 1 - others + 0.5))
    try:
        load = os.getloadavg()[0]
    except (OSError, AttributeError):  # no load average (Windows): stay in one process
        return 0
    return max(0, int(cores - load))


def idle_cores_now() -> int:
    """:func:`idle_cores` for a step about to start, with no window of its own behind it.

    The load average, unless it says no core is idle: it still counts a step that ended under a
    minute ago (the previous file of a run of ingests), so the machine is then watched for
    :data:`MIN_WINDOW` seconds, this process waiting, and what others used decides.
    """
    idle = idle_cores()
    if idle or not _usable_cores():
        return idle
    since = cpu_reading()
    if since is None:  # no counters to watch: the load average stands
        return 0
    time.sleep(MIN_WINDOW)
    return idle_cores(since)


class WorkerDied(RuntimeError):
    """The worker ended without answering (killed, or crashed outside its own handling)."""

    def __init__(self, code: int | None) -> None:
        super().__init__(f"a worker process stopped unexpectedly (exit code {code})")
        self.code = code


class Worker:
    """One worker interpreter running ``program`` (Python source, see :func:`program`), which
    finds its ends of the pipes with :func:`pipes`. Use as a context manager: it starts on entry
    and is stopped on exit, whatever happened."""

    def __init__(self, program: str) -> None:
        self._program = program
        self._process: subprocess.Popen[bytes] | None = None
        self._to: Connection | None = None
        self._from: Connection | None = None

    def __enter__(self) -> Worker:
        job_read, job_write = os.pipe()
        out_read, out_write = os.pipe()
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-P", "-c", self._program, str(job_read), str(out_write)],
                pass_fds=(job_read, out_write),
                stdin=subprocess.DEVNULL,
            )
        except BaseException:
            os.close(job_write)
            os.close(out_read)
            raise
        finally:
            os.close(job_read)
            os.close(out_write)
        self._to = Connection(job_write, readable=False)
        self._from = Connection(out_read, writable=False)
        return self

    def __exit__(self, *_: object) -> None:
        for channel in (self._to, self._from):
            if channel is not None:
                channel.close()
        if self._process is not None:
            if self._process.poll() is None:
                self._process.terminate()
            self._process.wait()

    def send(self, message: object) -> None:
        """Send ``message``; blocks until the pipe takes it (the worker reads as it goes)."""
        assert self._to is not None, "use the worker as a context manager"
        # A worker that died before reading shows as a broken pipe here, or as the end of its
        # output later, depending on timing: both are the same failure to the caller.
        try:
            self._to.send(message)
        except BrokenPipeError:
            raise self._died() from None

    def recv(self) -> Any:
        """The worker's next message; waits for it."""
        assert self._from is not None, "use the worker as a context manager"
        try:
            return self._from.recv()
        except EOFError:
            raise self._died() from None

    def _died(self) -> WorkerDied:
        return WorkerDied(self._process.wait() if self._process is not None else None)


def sendable(exc: Exception, other: Exception) -> Exception:
    """What a worker sends back for ``exc``: our own errors as they are (their messages are
    written for users and name no personal values), ``other`` for anything else, which may quote
    a row."""
    if isinstance(exc, JoinedupError):
        try:
            pickle.loads(pickle.dumps(exc))
            return exc
        except Exception:
            return JoinedupError(str(exc))
    return other


def program(module: str, function: str) -> str:
    """The source of a worker that calls ``module.function(sys.argv[1:])``."""
    return f"import sys; from {module} import {function}; {function}(sys.argv[1:])"


def pipes(arguments: list[str]) -> tuple[Connection, Connection]:
    """In the worker: its inbox and outbox, from the arguments ``Worker`` started it with."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the starting process handles Ctrl-C
    return Connection(int(arguments[0]), writable=False), Connection(
        int(arguments[1]), readable=False
    )
