"""Reading the store into the model frame, in one process and with a worker beside it.

``uv run --frozen python -m benchmarks.linkage.read --workdir DIR`` takes the borough that
``benchmarks.linkage.million`` built in ``DIR`` (``--people``/``--seed`` as there) and reads it
with ``frame_cache.from_store`` — what a run without the frame cache does first — alone, then
helped by a worker (``linkage.derive``; forced on, whatever the load average says), alternating
``--rounds`` times in one process. Prints wall time and this process's CPU time (the worker's
is not in it) per read, and fails if any read's table differs from the first's.
"""

from __future__ import annotations

import os
import time

from benchmarks.linkage.incremental import borough_from_args


def main(argv: list[str] | None = None) -> int:
    args, built = borough_from_args(__doc__.splitlines()[0], argv)
    from joinedup.linkage import derive, frame_cache
    from joinedup.store import sources
    from joinedup.store.db import make_engine, session_scope

    derive.idle_cores = lambda *_: 1  # measure the worker, whatever the load average says
    engine = make_engine(f"sqlite:///{built}")
    first = None
    print("| round | read | rows | wall s | CPU s (this process) | load | table |")
    print("|---:|---|---:|---:|---:|---:|---|")
    for number in range(1, args.rounds + 1):
        for helped in (False, True):
            with session_scope(engine) as session:
                adults = sources.adult_source_ids(session)
                load = os.getloadavg()[0]
                wall, cpu = time.perf_counter(), time.process_time()
                table, _ = frame_cache.from_store(session, adult_sources=adults, helped=helped)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            same = "first" if first is None else ("same" if table.equals(first) else "DIFFERS")
            first = table if first is None else first
            mode = "with a worker" if helped else "alone"
            print(
                f"| {number} | {mode} | {table.num_rows:,} | {wall:.1f} | {cpu:.1f} | {load:.1f} "
                f"| {same} |",
                flush=True,
            )
            if same == "DIFFERS":
                return 1
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
