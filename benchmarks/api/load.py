"""The client side of the API benchmark: N concurrent clients for a fixed time, latencies kept.

Each client is an asyncio task with its own keep-alive connection, asking for the person view of
a random person (``GET /api/v1/persons/{id}``) with the social worker's token and a stated
purpose, one request after another, until the time is up. Latency is measured from sending to
the whole body read.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

import httpx

# Long enough that a request the server completes (and audits) is never abandoned by the client
# on an overloaded machine: the audit count is compared with the successes the clients saw.
TIMEOUT_S = 300.0


@dataclass
class Cell:
    """What one (backend, mode, clients) run measured."""

    clients: int
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    ok: int = 0
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    # CPU seconds the server process used during the cell, and the 1-minute load average at
    # its end: the machine is shared, so wall-clock latency alone says little.
    server_cpu_s: float = 0.0
    load: float = 0.0

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

    @property
    def cpu_ms_per_request(self) -> float:
        """Server CPU time per request answered (any status), in milliseconds."""
        answered = self.ok + self.errors
        return self.server_cpu_s * 1000 / answered if answered else float("nan")


async def _client(
    base: str, headers: dict[str, str], ids: list[str], until: float, cell: Cell, seed: int
) -> None:
    rng = random.Random(seed)
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(
        base_url=base, headers=headers, limits=limits, timeout=TIMEOUT_S
    ) as http:
        while time.perf_counter() < until:
            person = rng.choice(ids)
            started = time.perf_counter()
            try:
                response = await http.get(f"/api/v1/persons/{person}")
                status = response.status_code
            except httpx.HTTPError:
                status = 0
            elapsed = (time.perf_counter() - started) * 1000
            cell.statuses[status] = cell.statuses.get(status, 0) + 1
            if status == 200:
                cell.ok += 1
                cell.latencies_ms.append(elapsed)
            else:
                cell.errors += 1


async def _drive(base: str, token: str, ids: list[str], clients: int, seconds: float) -> Cell:
    headers = {
        "Authorization": f"Bearer {token}",
        "Joinedup-Purpose": "safeguarding",
        "Joinedup-Case-Reference": "BENCH-1",
    }
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
    return asyncio.run(_drive(base, token, ids, clients, seconds))


def warm_up(base: str, token: str, ids: list[str], requests: int = 20) -> None:
    """A few sequential requests so that caches (agreements, pools) are filled before timing."""
    drive(base, token, ids[: max(1, requests)], 1, 1.0)
