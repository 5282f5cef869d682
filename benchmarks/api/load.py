"""The client side of the API benchmark: N concurrent clients for a fixed time, latencies kept.

Each client is an asyncio task with its own keep-alive connection, asking for the person view of
a random person (``GET /api/v1/persons/{id}``) with the social worker's token and a stated
purpose, one request after another, until the time is up. Latency is measured from sending to
the whole body read.

The client shares the machine's cores with the server it measures, so it is kept lean: HTTP/1.1
written and read on a raw stream (on uvloop), the status line and ``Content-Length`` parsed and
the body read whole — exactly what a real client must read — but not decoded. A real client
would also decode the JSON; that is the client's cost, not the server's, and is left out so
that the load generator takes as little as possible of the CPU the server needs. Its own CPU
time per request is reported beside the server's.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import uvloop

# Long enough that a request the server completes (and audits) is never abandoned by the client
# on an overloaded machine: the audit count is compared with the successes the clients saw.
TIMEOUT_S = 300.0
PATH = "/api/v1/persons/"


@dataclass
class Cell:
    """What one (backend, mode, clients) run measured."""

    clients: int
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    ok: int = 0
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    # CPU seconds the server's processes used during the cell, the load generator's own, and
    # the 1-minute load average at its end: the machine is shared, so wall-clock latency alone
    # says little.
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    load: float = 0.0
    # person.view audit events written while the cell ran (the run compares them with ``ok``).
    audited: int = 0

    def merge(self, part: Cell) -> None:
        """Add ``part`` (a slice of the same cell, measured later) to this cell."""
        self.seconds += part.seconds
        self.latencies_ms.extend(part.latencies_ms)
        self.ok += part.ok
        self.errors += part.errors
        for status, count in part.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count
        self.server_cpu_s += part.server_cpu_s
        self.client_cpu_s += part.client_cpu_s
        self.audited += part.audited
        self.load = part.load

    def percentile(self, p: float) -> float:
        """The ``p``-th percentile latency (nearest rank), in milliseconds."""
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
        return ordered[rank]

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def _per_request(self, seconds: float) -> float:
        answered = self.ok + self.errors
        return seconds * 1000 / answered if answered else float("nan")

    @property
    def cpu_ms_per_request(self) -> float:
        """Server CPU time (all its processes) per request answered (any status), in ms."""
        return self._per_request(self.server_cpu_s)

    @property
    def client_cpu_ms_per_request(self) -> float:
        """The load generator's CPU time per request, in milliseconds."""
        return self._per_request(self.client_cpu_s)


class _Connection:
    """One keep-alive HTTP/1.1 connection; reopened when the server closes it."""

    def __init__(self, host: str, port: int, headers: bytes) -> None:
        self.host, self.port, self.headers = host, port, headers
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, person: str) -> int:
        """The status of ``GET /api/v1/persons/{person}``, once its whole body is read."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.reader, self.writer
        assert reader is not None
        writer.write(b"GET " + PATH.encode() + person.encode() + b" HTTP/1.1\r\n" + self.headers)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lower = head.lower()
        at = lower.find(b"\r\ncontent-length:")
        if at >= 0:
            end = lower.index(b"\r\n", at + 2)
            await reader.readexactly(int(lower[at + 17 : end]))
        elif b"\r\ntransfer-encoding: chunked" in lower:
            await _read_chunked(reader)
        if b"\r\nconnection: close" in lower:
            await self.close()
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


async def _read_chunked(reader: asyncio.StreamReader) -> None:
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        await reader.readexactly(size + 2)
        if size == 0:
            return


async def _client(
    base: str, headers: bytes, ids: list[str], until: float, cell: Cell, seed: int
) -> None:
    rng = random.Random(seed)
    url = urlsplit(base)
    connection = _Connection(url.hostname or "127.0.0.1", url.port or 80, headers)
    clock = time.perf_counter
    try:
        while clock() < until:
            person = rng.choice(ids)
            started = clock()
            try:
                async with asyncio.timeout(TIMEOUT_S):
                    status = await connection.get(person)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
                status = 0
                await connection.close()
            elapsed = (clock() - started) * 1000
            cell.statuses[status] = cell.statuses.get(status, 0) + 1
            if status == 200:
                cell.ok += 1
                cell.latencies_ms.append(elapsed)
            else:
                cell.errors += 1
    finally:
        await connection.close()


def request_headers(base: str, token: str) -> bytes:
    """The headers every request carries, as a real API client sends them."""
    host = urlsplit(base).netloc
    lines = (
        f"Host: {host}",
        f"Authorization: Bearer {token}",
        "Joinedup-Purpose: safeguarding",
        "Joinedup-Case-Reference: BENCH-1",
        "Accept: application/json",
        "User-Agent: joinedup-bench",
    )
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _drive(base: str, token: str, ids: list[str], clients: int, seconds: float) -> Cell:
    headers = request_headers(base, token)
    cell = Cell(clients)
    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(
        *(_client(base, headers, ids, until, cell, seed) for seed in range(clients))
    )
    cell.seconds = time.perf_counter() - started
    return cell


def drive(base: str, token: str, ids: list[str], clients: int, seconds: float) -> Cell:
    """Run ``clients`` concurrent clients against ``base`` for ``seconds``."""
    cpu = time.process_time()
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        cell = runner.run(_drive(base, token, ids, clients, seconds))
    cell.client_cpu_s = time.process_time() - cpu
    return cell


def warm_up(base: str, token: str, ids: list[str], *, clients: int = 1) -> None:
    """Two seconds of requests from ``clients`` clients, so that every worker process has its
    caches (agreements, pool, compiled statements) filled before timing."""
    drive(base, token, ids[:200], max(1, clients), 2.0)
