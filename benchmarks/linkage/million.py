"""The master person index at a million records: ``link --full`` beside plain Splink, then attach.

``uv run --frozen python -m benchmarks.linkage.million --people 614000 --workdir DIR`` builds
the demo borough with that many residents (614,000 give about a million records) through the
ingest pipeline once (``incremental.build``; kept in ``DIR`` for re-runs), then, each step in a
child process of its own so that its peak memory is its own (``measure.isolated``):

1. plain Splink 5 with its tutorials' settings (``baselines.plain_splink``, the demo recipe)
   trains and predicts on the same records — the yardstick for ``link --full``;
2. ``joinedup.linkage.index.link(full=True)``, training the model on the data as
   ``joinedup link --full`` does, on a copy of the database: wall and CPU time per phase;
3. attaching 1 new record, then ``--batch`` new records, by incremental runs on that index.

CPU time is the child's (every thread, DuckDB's included). The machine is shared: the load
average at each step's start is printed beside it. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import time
from pathlib import Path
from typing import Any

from benchmarks.linkage.incremental import add_copies, build, timed_link
from benchmarks.linkage.measure import isolated


def _read(database: Path) -> list[dict[str, Any]]:
    from joinedup.store.db import make_engine, session_scope
    from joinedup.store.records import LINKAGE_COLUMNS, iter_current

    engine = make_engine(f"sqlite:///{database}")
    with session_scope(engine) as session:
        rows = [dict(row) for row in iter_current(session, columns=LINKAGE_COLUMNS)]
    engine.dispose()
    return rows


def plain(database: Path) -> dict[str, Any]:
    """Plain Splink's train and predict on the borough's records (reading not timed)."""
    from benchmarks.linkage.baselines import demo_tutorial_table, plain_splink

    table = demo_tutorial_table(_read(database))
    load = os.getloadavg()[0]
    cpu = time.process_time()
    _, steps = plain_splink("demo", [table])
    return {**steps, "records": len(table), "cpu_with_clustering": time.process_time() - cpu,
            "load": load}  # fmt: skip


def full(database: Path) -> dict[str, Any]:
    """``link --full`` (model trained on the data) over the whole store."""
    from joinedup.store.db import make_engine

    engine = make_engine(f"sqlite:///{database}")
    result, seconds, stages = timed_link(engine, full=True)
    engine.dispose()
    return {"seconds": seconds, "stages": stages, "counts": result.counts}


def attach(database: Path, size: int, tag: str, seed: int) -> dict[str, Any]:
    """Store ``size`` copies of random records (a fifth with a typo) and link incrementally."""
    from benchmarks.linkage.incremental import _current_rows
    from joinedup.store.db import make_engine

    engine = make_engine(f"sqlite:///{database}")
    rng = random.Random(seed)
    rows = rng.sample(_current_rows(engine), size)
    add_copies(engine, rows, tag, rng)
    result, seconds, stages = timed_link(engine)
    engine.dispose()
    return {"seconds": seconds, "stages": stages, "counts": result.counts}


def _phases(stages: dict[str, float]) -> str:
    from benchmarks.linkage.incremental import _stages

    names = {"training": "train", "loading": "model"}
    extra = [
        f"{label} {stages[name]:.1f} ({stages.get('cpu:' + name, 0.0):.1f})"
        for name, label in names.items()
        if name in stages
    ]
    return ", ".join([_stages(stages), *extra])


def table(figures: dict[str, Any], command: str) -> str:
    """The results as Markdown."""
    p = figures.get("plain")
    f = figures["full"]
    lines = [f"Command: `{command}`", ""]
    lines += [
        "| step | records | wall (s) | CPU (s) | load | peak memory (MB) | phases: wall (CPU) s |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    if p:
        lines.append(
            f"| plain Splink 5, tutorial settings: train + predict | {p['records']:,} | "
            f"{p['link_seconds']:.1f} | {p['cpu_with_clustering']:.1f}* | {p['load']:.1f} | "
            f"{figures['plain_peak']:,.0f} | train {p['train']:.1f}, predict {p['predict']:.1f} "
            f"({p['pairs']:,} pairs) |"
        )
    lines.append(
        f"| joinedup `link --full` (trains) | {f['counts']['records']:,} | {f['seconds']:.1f} | "
        f"{f['stages']['cpu']:.1f} | {f['stages']['load']:.1f} | {figures['full_peak']:,.0f} | "
        f"{_phases(f['stages'])} ({f['counts']['pairs']:,} pairs) |"
    )
    for name in ("one", "many"):
        if name not in figures:
            continue
        a = figures[name]
        lines.append(
            f"| attach {a['counts']['new_records']:,} new (incremental) | "
            f"{a['counts']['records']:,} | {a['seconds']:.2f} | {a['stages']['cpu']:.2f} | "
            f"{a['stages']['load']:.1f} | {figures[name + '_peak']:,.0f} | "
            f"{_phases(a['stages'])} |"
        )
    if p:
        lines += [
            "",
            f"`link --full` / plain Splink train + predict = "
            f"**{f['seconds'] / p['link_seconds']:.2f}×** (target ≤ 2×; wall). "
            "*plain Splink's CPU includes its clustering.",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=614_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--skip-plain", action="store_true")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("JOINEDUP_DATA_DIR", str(args.workdir / "data"))
    built = build(args.workdir, args.people, args.seed)
    figures: dict[str, Any] = {}
    if not args.skip_plain:
        figures["plain"], _, figures["plain_peak"] = isolated(plain, built)
        print(figures["plain"], flush=True)
    database = args.workdir / "million-index.sqlite"
    shutil.copyfile(built, database)
    figures["full"], _, figures["full_peak"] = isolated(full, database)
    print(figures["full"], flush=True)
    figures["one"], _, figures["one_peak"] = isolated(attach, database, 1, "one", args.seed)
    print(figures["one"], flush=True)
    figures["many"], _, figures["many_peak"] = isolated(
        attach, database, args.batch, "many", args.seed + 1
    )
    print(figures["many"], flush=True)
    command = (
        "uv run --frozen python -m benchmarks.linkage.million "
        f"--people {args.people} --seed {args.seed} --batch {args.batch} --workdir DIR"
    )
    print(table(figures, command))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
