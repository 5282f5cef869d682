"""Store throughput: bulk insert, current versions, streaming — on SQLite and PostgreSQL.

    uv run --frozen python -m benchmarks.store.run [--rows N] [--backend sqlite|postgresql|both]

Writes N synthetic GP-like record versions through ``records.insert_versions`` in one unit of
work, then times ``current_versions`` (what ingest loads before each batch) and a full
``iter_current`` pass with the linkage columns (what linkage reads), with peak Python memory
of each read. PostgreSQL uses a throwaway cluster as the test fixtures do.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import random
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from joinedup.store import batches, records, sources
from joinedup.store.db import make_engine, session_scope, upgrade

GIVEN = ["Amelia", "Oliver", "Zoë", "Muhammad", "Aisha", "Łukasz", "Siobhan", "Kwame", "Priya"]
FAMILY = ["Smith", "Khan", "O'Neill", "Kowalski", "Patel", "Okafor", "Jones", "Begum", "Nguyen"]


def synthetic_rows(n: int, batch_id: int, seed: int = 1) -> Iterator[dict[str, Any]]:
    rnd = random.Random(seed)
    for i in range(n):
        given, family = rnd.choice(GIVEN), rnd.choice(FAMILY)
        dob = f"{rnd.randint(1930, 2020)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
        raw = {"id": f"P{i:07d}", "forename": given, "surname": family, "dob": dob}
        yield {
            "source_id": "gp",
            "record_id": raw["id"],
            "version": 1,
            "batch_id": batch_id,
            "content_hash": hashlib.sha256(repr(raw).encode()).hexdigest(),
            "raw": raw,
            "attributes": {"practice": f"B{rnd.randint(80000, 89999)}"},
            "given_name": given,
            "family_name": family,
            "date_of_birth": dob,
            "year_of_birth": int(dob[:4]),
            "sex": rnd.choice(["male", "female"]),
            "nhs_number": f"{rnd.randint(0, 9_999_999_999):010d}",
            "house_number": str(rnd.randint(1, 200)),
            "street": "Harehills Lane",
            "town": "Leeds",
            "postcode": f"LS{rnd.randint(1, 28)} {rnd.randint(1, 9)}AB",
            "phones": [f"+4477009{rnd.randint(0, 99999):05d}"],
        }


def timed(label: str, func: Callable[[], Any], rows: int, *, memory: bool = True) -> Any:
    """Run ``func`` and print wall time, rows/s, this process's CPU time and peak memory.

    The CPU time is the client's share (Python, SQLAlchemy, the SQLite library; not the
    PostgreSQL server): on a busy shared machine it is the steadier figure.
    """
    gc.collect()
    if memory:
        tracemalloc.start()
    started, cpu_started = time.perf_counter(), time.process_time()
    result = func()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak = tracemalloc.get_traced_memory()[1] if memory else 0
    if memory:
        tracemalloc.stop()
    rate = rows / seconds
    line = f"  {label:<32} {seconds:7.2f} s {rate:10,.0f} rows/s  cpu {cpu:6.2f} s"
    print(line + (f"  peak {peak / 2**20:6.1f} MiB" if memory else ""))
    return result


def bench(url: str, n: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine) as session:
        sources.ensure_organisation(session, "nhs")
        sources.ensure_source(
            session,
            source_id="gp",
            organisation_id="nhs",
            name="GP",
            format="csv",
            category="health.gp",
            mapping_text="",
            mapping_sha256="0" * 64,
        )
        batch_id = batches.start_batch(
            session, source_id="gp", file_name="gp.csv", file_sha256="0" * 64, full=False
        ).id

    def insert() -> int:
        with session_scope(engine) as session:
            return records.insert_versions(session, synthetic_rows(n, batch_id))

    def current() -> int:
        with session_scope(engine) as session:
            return len(records.current_versions(session, "gp"))

    def stream() -> int:
        count = 0
        with session_scope(engine) as session:
            for _ in records.iter_current(session, columns=records.LINKAGE_COLUMNS):
                count += 1
        return count

    timed("(making the rows alone)", lambda: sum(1 for _ in synthetic_rows(n, 0)), n, memory=False)
    assert timed("insert_versions", insert, n, memory=False) == n
    # tracemalloc slows allocation-heavy code severalfold: time first, then measure memory.
    for label, func in (("current_versions", current), ("iter_current (linkage cols)", stream)):
        assert timed(label, func, n, memory=False) == n
        assert timed("  again, for peak memory", func, n) == n
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        if args.backend in ("sqlite", "both"):
            print(f"SQLite, {args.rows:,} rows")
            bench(f"sqlite:///{Path(tmp) / 'bench.db'}", args.rows)
        if args.backend in ("postgresql", "both"):
            from tests.fixtures.database import find_postgres_bin, start_postgres

            bin_dir = find_postgres_bin()
            if bin_dir is None:
                print("PostgreSQL: server binaries not found; skipped")
                return
            server = start_postgres(bin_dir)
            try:
                print(f"PostgreSQL, {args.rows:,} rows")
                bench(server.create_database("bench"), args.rows)
            finally:
                server.stop()


if __name__ == "__main__":
    main()
