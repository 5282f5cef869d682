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

``--attach-only --rounds N`` measures only the attaches, on the index an earlier run left in
``DIR`` (``million-index.sqlite`` and its frame cache), restored from it before every round:
1 record in a fresh process, 1 record six times in one process (the first pays the imports;
the other five are what a long-lived ``joinedup link --watch`` pays), ``--batch`` records, and
1 record by ``joinedup link`` run from cold as a command (`cold_cli`).

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

import pyarrow as pa

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
    """Plain Splink's train and predict on the borough's records (reading not timed), DuckDB
    bounded and spilling as joinedup's own run is (unbounded it was killed at 19 GB here)."""
    from benchmarks.linkage.baselines import demo_tutorial_table, plain_splink

    table = demo_tutorial_table(_read(database))
    load = os.getloadavg()[0]
    cpu = time.process_time()
    _, steps = plain_splink("demo", [table], bounded=True)
    return {**steps, "records": len(table), "cpu_with_clustering": time.process_time() - cpu,
            "load": load}  # fmt: skip


def full(database: Path) -> dict[str, Any]:
    """``link --full`` (model trained on the data) over the whole store."""
    from joinedup.store.db import make_engine, upgrade

    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)  # a borough built by an older version, as `joinedup link` does
    result, seconds, stages = timed_link(engine, full=True)
    engine.dispose()
    return {"seconds": seconds, "stages": stages, "counts": result.counts}


def seed_index(database: Path) -> dict[str, Any]:
    """An index over every stored record without a full link: the fallback when ``link --full``
    does not fit in memory. Records agreeing on NHS number, or else on given name, family name
    and date of birth, form one person; the rest stand alone. A ``done`` full run with the
    shipped model is recorded and the frame cache is built by the real derivation, so the
    attach runs after it take exactly the incremental path ``joinedup link`` takes.
    """
    from sqlalchemy import text

    from joinedup.linkage import frame_cache, runs, thresholds
    from joinedup.linkage.frame import records_frame
    from joinedup.linkage.ids import new_person_id
    from joinedup.linkage.model import PersonModel
    from joinedup.store.bulk import BulkInsert
    from joinedup.store.db import make_engine, session_scope, upgrade
    from joinedup.store.linkage_tables import Person, PersonMember
    from joinedup.store.records import LINKAGE_COLUMNS, iter_current_chunks, record_key
    from joinedup.store.sources import adult_source_ids

    started, cpu = time.perf_counter(), time.process_time()
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)  # a borough built by an older version, as every command does
    parts = []
    members: list[tuple[str, str, int]] = []
    person_of_group: dict[tuple[Any, ...], str] = {}
    with session_scope(engine) as session:
        run_id = runs.start_run(session, "full", "duckdb").id
        adults = adult_source_ids(session)
        for chunk in iter_current_chunks(session, columns=LINKAGE_COLUMNS):
            rows = [dict(row) for row in chunk]
            versions = {}
            for r in rows:
                key = record_key(r["source_id"], r["record_id"])
                versions[key] = int(r["id"])
                names = (r.get("given_name"), r.get("family_name"), r.get("date_of_birth"))
                group = (
                    ("nhs", r["nhs_number"])
                    if r.get("nhs_number")
                    else ("names", *names)
                    if all(names)
                    else ("record", key)
                )
                person = person_of_group.setdefault(group, new_person_id())
                members.append((key, person, versions[key]))
            parts.append(
                frame_cache.with_versions(records_frame(rows, adult_sources=adults), versions)
            )
        persons = sorted(set(person_of_group.values()))
        BulkInsert(session, Person.__table__, ("person_id", "created_run", "status")).write(
            (p, run_id, "active") for p in persons
        )
        BulkInsert(
            session,
            PersonMember.__table__,
            ("record_key", "person_id", "from_run", "record_version"),
        ).write((k, p, run_id, v) for k, p, v in members)
        # The change feed (``linkage.feed``): every current version is in the index now.
        session.execute(
            text("UPDATE source_records SET linked_run = :run WHERE valid_to IS NULL"),
            {"run": run_id},
        )
        runs.finish_run(
            session,
            run_id,
            mode="full",
            model_json=PersonModel.default().to_json(),
            thresholds={"match_probability": thresholds.MATCH_PROBABILITY},
            counts={"records": len(members), "persons": len(persons)},
        )
    frame_cache.save(engine, run_id, pa.concat_tables(parts), adult_sources=adults)
    engine.dispose()
    return {
        "records": len(members),
        "persons": len(persons),
        "seconds": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
    }


def arrivals(database: Path, size: int, tag: str, seed: int) -> Any:
    """Store ``size`` copies of random records (a fifth with a typo); returns the engine."""
    from sqlalchemy import func, select

    from joinedup.store.db import make_engine, session_scope, upgrade
    from joinedup.store.records import LINKAGE_COLUMNS
    from joinedup.store.tables import SourceRecord

    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    records = SourceRecord.__table__
    # Sampled in SQL: a million records as Python dicts would cost more than the attach.
    query = (
        select(*[records.c[name] for name in LINKAGE_COLUMNS])
        .where(records.c.valid_to.is_(None))
        .order_by(func.random())
        .limit(size)
    )
    with session_scope(engine) as session:
        rows = [dict(row) for row in session.connection().execute(query).mappings()]
    add_copies(engine, rows, tag, random.Random(seed))
    return engine


def attach(database: Path, size: int, tag: str, seed: int) -> dict[str, Any]:
    """Store ``size`` new records (see `arrivals`) and link incrementally."""
    engine = arrivals(database, size, tag, seed)
    result, seconds, stages = timed_link(engine)
    engine.dispose()
    return {"seconds": seconds, "stages": stages, "counts": result.counts}


def cold_cli(database: Path, tag: str, seed: int) -> dict[str, float]:
    """One new record attached by ``joinedup link`` in a process of its own, as a cron job runs
    it: wall and CPU seconds of the whole process, interpreter start and imports included.
    Bytecode is cached (``PYTHONPYCACHEPREFIX``, as an installed package has it), and the
    timed run is the second, so the first has written it."""
    import resource
    import subprocess
    import sys

    cache = database.parent / "pycache"
    env = {**os.environ, "JOINEDUP_DATABASE_URL": f"sqlite:///{database}"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    command = [sys.executable, "-c", "from joinedup.cli import main; main()", "link", "--json"]
    figures: dict[str, float] = {}
    for attempt in range(2):
        arrivals(database, 1, f"{tag}{attempt}", seed + attempt).dispose()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        figures = {
            "seconds": time.perf_counter() - started,
            "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        }
    return figures


def attach_warm(database: Path, times: int, seed: int) -> list[dict[str, Any]]:
    """Attach one new record ``times + 1`` times in this one process, as a long-lived service
    would: the first attach pays the imports and records Splink's SQL (``linkage.replay``),
    the others are warm. Returns each attach's figures, the cold one first."""
    out = []
    for attempt in range(times + 1):
        out.append(attach(database, 1, f"warm{attempt}", seed + attempt))
    return out


def restored(workdir: Path) -> Path:
    """A fresh copy of the linked index in ``workdir`` and of its frame cache, as runs find it."""
    from joinedup.linkage.frame_cache import cache_directory
    from joinedup.store.db import make_engine

    source, copy = workdir / "million-index.sqlite", workdir / "attach-round.sqlite"
    if not source.exists():
        raise SystemExit(f"no linked index in {workdir}: run with --full-only first")
    for suffix in ("-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, copy)
    cache, cache_copy = (cache_directory(make_engine(f"sqlite:///{p}")) for p in (source, copy))
    shutil.rmtree(cache_copy, ignore_errors=True)
    if cache.exists():
        shutil.copytree(cache, cache_copy)
    return copy


def attach_rounds(workdir: Path, rounds: int, batch: int, seed: int) -> None:
    """Print, per round on a restored index, the attaches' wall and CPU seconds."""
    print("| round | attach | wall (s) | CPU (s) | load | peak MB | phases: wall (CPU) s |")
    print("|---:|---|---:|---:|---:|---:|---|")
    for number in range(1, rounds + 1):
        database = restored(workdir)
        one, _, one_peak = isolated(attach, database, 1, "one", seed)
        warm, _, warm_peak = isolated(attach_warm, database, 5, seed + 10)
        many, _, many_peak = isolated(attach, database, batch, "many", seed + 1)
        cold = cold_cli(database, "cli", seed + 2)
        rows = [("1 record, fresh process", one, one_peak)]
        rows += [(f"1 record, warm ({n + 1} of 6)", a, warm_peak) for n, a in enumerate(warm)]
        rows.append((f"{batch:,} records, fresh process", many, many_peak))
        for label, figures, peak in rows:
            stages = figures["stages"]
            print(
                f"| {number} | {label} | {figures['seconds']:.2f} | {stages['cpu']:.2f} | "
                f"{stages['load']:.1f} | {peak:,.0f} | {_phases(stages)} |",
                flush=True,
            )
        print(
            f"| {number} | 1 record, `joinedup link` from cold (the whole process) | "
            f"{cold['seconds']:.2f} | {cold['cpu']:.2f} | {os.getloadavg()[0]:.1f} | | |",
            flush=True,
        )


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
    f = figures.get("full")
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
    if f:
        lines.append(
            f"| joinedup `link --full` (trains) | {f['counts']['records']:,} | "
            f"{f['seconds']:.1f} | {f['stages']['cpu']:.1f} | {f['stages']['load']:.1f} | "
            f"{figures['full_peak']:,.0f} | {_phases(f['stages'])} "
            f"({f['counts']['pairs']:,} pairs) |"
        )
    if "seeded" in figures:
        z = figures["seeded"]
        lines.append(
            f"| index seeded, not linked (see `seed_index`) | {z['records']:,} | "
            f"{z['seconds']:.1f} | {z['cpu']:.1f} | | {figures['seeded_peak']:,.0f} | "
            f"{z['persons']:,} persons |"
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
    if p and f:
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
    parser.add_argument(
        "--seed-index",
        action="store_true",
        help="skip link --full: seed the index (see seed_index) and measure the attaches",
    )
    parser.add_argument(
        "--full-only",
        action="store_true",
        help="run link --full (on the seeded index with --seed-index) and stop: no attaches",
    )
    parser.add_argument(
        "--plain-only", action="store_true", help="run plain Splink's train and predict and stop"
    )
    parser.add_argument(
        "--attach-only",
        action="store_true",
        help="only the attaches, on the index an earlier --full-only run left in DIR",
    )
    parser.add_argument("--rounds", type=int, default=1, help="with --attach-only")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("JOINEDUP_DATA_DIR", str(args.workdir / "data"))
    if args.attach_only:
        attach_rounds(args.workdir, args.rounds, args.batch, args.seed)
        return 0
    built = build(args.workdir, args.people, args.seed)
    figures: dict[str, Any] = {}
    if not args.skip_plain:
        figures["plain"], _, figures["plain_peak"] = isolated(plain, built)
        print(figures["plain"], f"peak {figures['plain_peak']:,.0f} MB", flush=True)
    if args.plain_only:
        return 0
    database = args.workdir / "million-index.sqlite"
    shutil.copyfile(built, database)
    if args.seed_index:
        figures["seeded"], _, figures["seeded_peak"] = isolated(seed_index, database)
        print(figures["seeded"], flush=True)
    if args.full_only or not args.seed_index:
        figures["full"], _, figures["full_peak"] = isolated(full, database)
        print(figures["full"], f"peak {figures['full_peak']:,.0f} MB", flush=True)
    if args.full_only:
        return 0
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
