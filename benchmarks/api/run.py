"""The API benchmark: the practitioner's person view over HTTP, governed and not, in one run.

    uv run --frozen python -m benchmarks.api.run [--quick] [--seconds S] [--persons N]
        [--backend sqlite|postgresql|both] [--clients 1,10,50] [--markdown FILE]

For each backend (a SQLite file; a throwaway PostgreSQL cluster, as the test fixture makes),
a synthetic borough is seeded (``seed.py``) and, for each mode — ``governed`` (the real service:
policy decides, the audit event is written in the same transaction) and ``ungoverned`` (the same
read with policy and audit switched off inside the benchmark's server process only, see
``server.py``) — uvicorn serves the app in a subprocess on loopback while 1, 10 and 50
concurrent clients ask for random people's views for ``--seconds`` each (60 by default, 5 with
``--quick``), the two modes taking turns in slices of 10 s so that both meet the same host.
Reported per cell: p50, p95, p99 latency, requests per second, errors; per governed
cell the ratio of its p50 and p95 to the ungoverned cell's. The governed runs must leave exactly
one ``person.view`` audit event per successful request (checked; a mismatch fails the run).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import func, select, text

from benchmarks.api import load, seed
from joinedup.cli.serve_cmd import default_workers
from joinedup.store.db import make_engine, upgrade
from joinedup.store.governance_tables import AuditEvent

TARGET_P95_MS = 50.0
TARGET_RATIO = 1.5
MODES = ("governed", "ungoverned")
#: Seconds of one mode before the other takes its turn (see ``bench_backend``).
SLICE_S = 10.0
# Server processes each backend was measured with (for the report's header).
WORKERS: dict[str, int] = {}
# The servers' own log (errors are logged by type and line, never with personal data).
LOG = Path(tempfile.gettempdir()) / "joinedup-bench-api-server.log"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def server_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds so far of process ``pid`` and every live descendant (uvicorn's
    worker processes), from Linux ``/proc``."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                children.setdefault(int(_stat(int(entry.name))[1]), []).append(int(entry.name))
            except (OSError, IndexError):
                continue  # ended meanwhile
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = _stat(current)
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
        todo.extend(children.get(current, ()))
    return total / os.sysconf("SC_CLK_TCK")


@contextmanager
def serving(
    url: str, *, ungoverned: bool, workers: int, env_extra: dict[str, str] | None = None
) -> Iterator[tuple[str, int]]:
    """uvicorn serving the app on a free loopback port in a subprocess (``workers`` processes);
    yields its base URL and process id."""
    port = _free_port()
    command = [sys.executable, "-m", "benchmarks.api.server", url, str(port)]
    command += ["--workers", str(workers)]
    if ungoverned:
        command.append("--ungoverned")
    env = {**os.environ, "PYTHONWARNINGS": "ignore", **(env_extra or {})}
    log = open(LOG, "a", encoding="utf-8")  # noqa: SIM115 - closed in finally
    process = subprocess.Popen(command, env=env, stderr=log, stdout=log, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"server exited: {process.stderr.read() if process.stderr else ''}"
                )
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start within 60 s")
            time.sleep(0.2)
        yield base, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _views(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            query = (
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "person.view")
            )
            return int(conn.execute(query).scalar_one())
    finally:
        engine.dispose()


def bench_backend(
    name: str,
    url: str,
    *,
    persons: int,
    clients: list[int],
    seconds: float,
    mismatches: list[str],
    workers: int | None,
    env_extra: dict[str, str] | None = None,
) -> dict[tuple[str, int], load.Cell]:
    """Seed ``url`` and measure every (mode, clients) cell on it.

    A cell whose audit events differ from its successful requests (one ``person.view`` each when
    governed, none when not) is added to ``mismatches``; the run goes on and fails at the end.
    """
    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    token = seed.seed(engine, persons)
    if engine.dialect.name == "postgresql":
        # Planner statistics, as autovacuum keeps them on a live hub: a table just bulk-loaded
        # has none, and the plans then differ from a deployment's.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()
    print(f"{name}: seeded {persons} persons in {time.perf_counter() - started:.1f} s", flush=True)
    ids = [seed.person_id(n) for n in range(persons)]
    workers = workers or default_workers(url)
    WORKERS[name] = workers
    cells: dict[tuple[str, int], load.Cell] = {}
    with ExitStack() as servers:
        # Both servers run throughout, the one not being driven idle: slices of the two modes
        # alternate, so a shared host's drift in speed (seen at ±20% within minutes) falls on
        # both alike instead of on whichever mode happened to run second.
        serving_at = {
            mode: servers.enter_context(
                serving(url, ungoverned=mode == "ungoverned", workers=workers, env_extra=env_extra)
            )
            for mode in MODES
        }
        for base, _pid in serving_at.values():
            # Every worker process fills its caches (agreements, pool) before timing.
            load.warm_up(base, token, ids, clients=workers)
        for n in clients:
            for mode in MODES:
                cells[(mode, n)] = load.Cell(n)
            for part in _slices(seconds):
                for mode in MODES:
                    base, pid = serving_at[mode]
                    before = _views(url)
                    cpu = server_cpu_seconds(pid)
                    piece = load.drive(base, token, ids, n, part)
                    piece.server_cpu_s = server_cpu_seconds(pid) - cpu
                    piece.load = os.getloadavg()[0]
                    piece.audited = _views(url) - before
                    cells[(mode, n)].merge(piece)
            for mode in MODES:
                cell = cells[(mode, n)]
                written = cell.audited
                expected = cell.ok if mode == "governed" else 0
                flag = "" if written == expected else f"  AUDIT MISMATCH: {written} events"
                print(
                    f"{name:10} {mode:10} {n:3} clients: p50 {cell.percentile(50):7.1f} ms  "
                    f"p95 {cell.percentile(95):7.1f} ms  p99 {cell.percentile(99):7.1f} ms  "
                    f"{cell.rps:7.1f} req/s  errors {cell.errors} {cell.statuses}  "
                    f"server CPU {cell.cpu_ms_per_request:.2f} ms/req  "
                    f"client CPU {cell.client_cpu_ms_per_request:.2f} ms/req  "
                    f"load {cell.load:.1f}{flag}",
                    flush=True,
                )
                if written != expected:
                    mismatches.append(
                        f"{name} {mode} {n} clients: {written} person.view events "
                        f"for {cell.ok} successful requests"
                    )
    return cells


def _slices(seconds: float) -> list[float]:
    """A cell's time in the alternating slices it is measured in (:data:`SLICE_S` at most)."""
    count = max(1, math.ceil(seconds / SLICE_S - 1e-9))
    return [seconds / count] * count


def table(results: dict[str, dict[tuple[str, int], load.Cell]], clients: list[int]) -> str:
    """The results as a Markdown table (governed rows carry the ratio to ungoverned)."""
    lines = [
        "| backend | mode | clients | p50 ms | p95 ms | p99 ms | req/s | errors | p50 ratio | "
        "p95 ratio | server CPU ms/req | client CPU ms/req | load |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for backend, cells in results.items():
        for mode in MODES:
            for n in clients:
                cell = cells[(mode, n)]
                ratio50 = ratio95 = ""
                if mode == "governed":
                    base = cells[("ungoverned", n)]
                    ratio50 = f"{cell.percentile(50) / base.percentile(50):.2f}"
                    ratio95 = f"{cell.percentile(95) / base.percentile(95):.2f}"
                lines.append(
                    f"| {backend} | {mode} | {n} | {cell.percentile(50):.1f} | "
                    f"{cell.percentile(95):.1f} | {cell.percentile(99):.1f} | {cell.rps:.0f} | "
                    f"{cell.errors} | {ratio50} | {ratio95} | {cell.cpu_ms_per_request:.2f} | "
                    f"{cell.client_cpu_ms_per_request:.2f} | {cell.load:.1f} |"
                )
    return "\n".join(lines)


def verdicts(results: dict[str, dict[tuple[str, int], load.Cell]], clients: list[int]) -> list[str]:
    """Plain sentences on each target met or missed."""
    out = []
    top = max(clients)
    for backend, cells in results.items():
        governed = cells[("governed", top)]
        p95 = governed.percentile(95)
        out.append(
            f"{backend}: p95 at {top} clients {p95:.1f} ms — "
            + ("meets" if p95 < TARGET_P95_MS else "MISSES")
            + f" the {TARGET_P95_MS:.0f} ms target"
        )
        for n in clients:
            ratio = governed_ratio(cells, n)
            if ratio >= TARGET_RATIO:
                out.append(
                    f"{backend}: p95 ratio at {n} clients {ratio:.2f} — MISSES < {TARGET_RATIO}"
                )
        errors = sum(c.errors for c in cells.values())
        out.append(f"{backend}: {errors} errors" + (" — MISSES zero errors" if errors else ""))
    return out


def governed_ratio(cells: dict[tuple[str, int], load.Cell], n: int) -> float:
    """p95 governed / p95 ungoverned at ``n`` clients."""
    return cells[("governed", n)].percentile(95) / cells[("ungoverned", n)].percentile(95)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 s per cell instead of 60")
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--persons", type=int, default=5_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--clients", default="1,10,50")
    parser.add_argument(
        "--concurrency", type=int, default=None, help="JOINEDUP_API_CONCURRENCY for the server"
    )
    parser.add_argument("--threads", type=int, default=None, help="JOINEDUP_API_THREADS")
    parser.add_argument("--pool-size", type=int, default=None, help="JOINEDUP_DB_POOL_SIZE")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="server processes (default: as joinedup serve, per backend)",
    )
    parser.add_argument("--markdown", type=Path, default=None, help="also write the table here")
    args = parser.parse_args(argv)
    seconds = args.seconds or (5.0 if args.quick else 60.0)
    clients = [int(n) for n in args.clients.split(",")]
    env_extra = {
        name: str(value)
        for name, value in (
            ("JOINEDUP_API_CONCURRENCY", args.concurrency),
            ("JOINEDUP_API_THREADS", args.threads),
            ("JOINEDUP_DB_POOL_SIZE", args.pool_size),
        )
        if value
    }
    results: dict[str, dict[tuple[str, int], load.Cell]] = {}
    mismatches: list[str] = []
    workdir = Path(tempfile.mkdtemp(prefix="joinedup-bench-api-"))
    try:
        if args.backend in ("sqlite", "both"):
            url = f"sqlite:///{workdir / 'bench.db'}"
            results["SQLite"] = bench_backend(
                "SQLite",
                url,
                persons=args.persons,
                clients=clients,
                seconds=seconds,
                mismatches=mismatches,
                workers=args.workers,
                env_extra=env_extra,
            )
        if args.backend in ("postgresql", "both"):
            from tests.fixtures.database import find_postgres_bin, start_postgres

            bin_dir = find_postgres_bin()
            if bin_dir is None:
                raise SystemExit(
                    "PostgreSQL server binaries not found (apt-get install postgresql)"
                )
            server = start_postgres(bin_dir)
            try:
                results["PostgreSQL"] = bench_backend(
                    "PostgreSQL",
                    server.url(),
                    persons=args.persons,
                    clients=clients,
                    seconds=seconds,
                    mismatches=mismatches,
                    workers=args.workers,
                    env_extra=env_extra,
                )
            finally:
                server.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    header = (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.platform()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}; {args.persons} persons, "
        f"{seconds:.0f} s per cell, uvicorn workers "
        + ", ".join(f"{name} {count}" for name, count in WORKERS.items())
        + "".join(f", {name}={value}" for name, value in env_extra.items())
        + ", clients on the same machine"
    )
    audit_lines = mismatches or ["audit events equal successful requests in every cell"]
    report = "\n".join(
        [header, "", table(results, clients), "", *verdicts(results, clients), *audit_lines]
    )
    print()
    print(report)
    if args.markdown:
        args.markdown.write_text(report + "\n", encoding="utf-8")
    if mismatches:
        raise SystemExit("AUDIT MISMATCH: " + "; ".join(mismatches))


if __name__ == "__main__":
    main()
