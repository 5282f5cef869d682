"""Ingest throughput and peak memory for the demo's GP extract, on SQLite and PostgreSQL.

    uv run --frozen python -m benchmarks.ingest.run [--rows 100000 1000000]
        [--backends sqlite postgresql] [--cache DIR] [--no-reingest] [--parallel auto|N]

For each size: the demo's GP extract (FHIR R4 Patients, NDJSON; see ``benchmarks.ingest.data``)
is generated once into ``--cache``; the floor is timed (the file read and each line parsed with
``json``, and read with ``csv`` alone); then for each backend a fresh database is ingested into
(first ingest: every record new) and the same file ingested again (re-ingest: every record
unchanged). Each step reports rows per second of wall time and of this process's CPU time —
the steadier figure on a shared machine — and its peak resident memory above what the process
held before it. PostgreSQL is a throwaway cluster started as the test fixtures start one
(``fsync=off``, as in the tests).
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import psutil

from benchmarks.ingest.data import gp_extract, mapping_text
from benchmarks.ingest.measure import Measured, csv_floor, measure, read_floor
from joinedup.ingest.mapping import load_mapping
from joinedup.ingest.parallel import preparing_processes
from joinedup.ingest.pipeline import ingest_file
from joinedup.store.db import make_engine, upgrade

MIB = 1024 * 1024


@contextmanager
def database(backend: str, tmp: Path) -> Iterator[str]:
    """A fresh, migrated database URL on ``backend``; PostgreSQL's server stops afterwards."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp / f'bench_{os.getpid()}_{len(list(tmp.iterdir()))}.db'}"
        upgrade(make_engine(url))
        yield url
        return
    from tests.fixtures.database import find_postgres_bin, start_postgres

    bin_dir = find_postgres_bin()
    if bin_dir is None:
        raise SystemExit("PostgreSQL server binaries not found (initdb, pg_ctl, postgres)")
    server = start_postgres(bin_dir)
    try:
        url = server.create_database("bench")
        upgrade(make_engine(url))
        yield url
    finally:
        server.stop()


def bench_backend(
    backend: str,
    extract: Path,
    rows: int,
    tmp: Path,
    *,
    reingest: bool,
    parallel: int | None = None,
) -> list[Measured]:
    """First ingest and re-ingest of ``extract`` into a fresh database on ``backend``.

    ``parallel`` is how many preparing processes run beside the ingest (0: none); ``None``
    lets ingest decide (one per idle core for a large file). The label says how many ran.
    """
    mapping_path = tmp / "gp_registrations.mapping.yaml"
    mapping_path.write_text(mapping_text(), encoding="utf-8")
    mapping = load_mapping(mapping_path)
    out: list[Measured] = []
    with database(backend, tmp) as url:
        engine = make_engine(url)
        try:

            def step() -> Any:
                return ingest_file(engine, mapping, extract, parallel=parallel)

            first = measure(f"{backend}: first ingest{_how(extract, parallel)}", rows, step)
            out.append(first)
            _show(first)
            if reingest:
                again = measure(f"{backend}: re-ingest{_how(extract, parallel)}", rows, step)
                out.append(again)
                _show(again)
        finally:
            engine.dispose()
    return out


def _how(extract: Path, parallel: int | None) -> str:
    helpers = preparing_processes(extract) if parallel is None else parallel
    return f" (+{helpers} proc)" if helpers else ""


def _show(m: Measured) -> None:
    counts = ""
    if m.result is not None and hasattr(m.result, "stored"):
        r = m.result
        counts = (
            f"  [read {r.read:,} = stored {r.stored:,} + updated {r.updated:,} + unchanged "
            f"{r.unchanged:,} + quarantined {r.quarantined:,} + skipped {r.skipped:,}]"
        )
    print(
        f"| {m.rows:>9,} | {m.label:<33} | {m.rows_per_second:>9,.0f} | {m.seconds:>8.1f} "
        f"| {m.rows_per_cpu_second:>9,.0f} | {m.cpu_seconds:>8.1f} "
        f"| {m.rss_growth / MIB:>7.1f} | {m.rss_peak / MIB:>7.1f} |{counts}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000])
    parser.add_argument(
        "--backends", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite"]
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "joinedup-bench-ingest",
        help="where generated extracts are kept between runs",
    )
    parser.add_argument("--no-reingest", action="store_true", help="skip the second ingest")
    parser.add_argument(
        "--parallel",
        default="auto",
        help="processes reading and standardising beside the ingest: auto (ingest decides) or N",
    )
    args = parser.parse_args()
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.python_implementation()} "
        f"{platform.python_version()}, {psutil.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / MIB / 1024:.0f} GB, load average {load}"
    )
    print(
        "|      rows | step                     |  rows/s   |  wall s  | rows/CPU s |  CPU s  "
        "| +MiB    | peak MiB |"
    )
    for rows in args.rows:
        extract = gp_extract(args.cache, rows)
        size = extract.stat().st_size / MIB
        print(f"extract: {extract} ({size:,.0f} MiB)", flush=True)
        _show(measure("read floor (json)", rows, partial(read_floor, extract)))
        _show(measure("read floor (orjson)", rows, partial(read_floor, extract, fast=True)))
        _show(measure("read floor (csv only)", rows, partial(csv_floor, extract)))
        for backend in args.backends:
            with tempfile.TemporaryDirectory() as tmp:
                bench_backend(
                    backend,
                    extract,
                    rows,
                    Path(tmp),
                    reingest=not args.no_reingest,
                    parallel=None if args.parallel == "auto" else int(args.parallel),
                )


if __name__ == "__main__":
    main()
