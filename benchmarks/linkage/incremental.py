"""Incremental linking benchmark: attach records to an index of N records, and id stability.

``uv run --frozen python -m benchmarks.linkage.incremental --people 20000`` generates the demo
borough (Northbridge) with that many residents, ingests its six extracts through the real
pipeline into a fresh SQLite database, runs ``link --full`` once, then measures, each through
``joinedup.linkage.index.link`` exactly as ``joinedup link`` runs it:

- attaching **1** new record, then **10k** new records (or a tenth of the index if smaller), by
  incremental runs — wall time, and where it went (read, score, cluster, save);
- **stability**: 1% of records edited (a new version with a changed phone, e-mail or street)
  and 1% new records (copies of existing records with a new id, some with a typo), then an
  incremental run and a ``--full`` run: the share of *untouched* persons (none of whose records
  was edited, and that no new record joined) that keep their id.

All runs use the shipped default model (``PersonModel.default()``), so the figures measure the
index, not training. ``--write`` puts the table into the "Master person index" section of
``docs/benchmarks.md``. ``--workdir`` keeps the generated borough and database for re-runs.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import random
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"
BEGIN = "<!-- index:begin -->"
END = "<!-- index:end -->"
BENCH_SOURCE = "bench_new"
EDITABLE = ("phones", "emails", "street")


class Stages:
    """Collects the stage messages ``link`` reports, with the wall and CPU time each started."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.cpu_start = time.process_time()
        self.marks: list[tuple[str, float, float]] = []

    def __call__(self, message: str) -> None:
        self.marks.append(
            (
                message.split(" ")[0],
                time.perf_counter() - self.start,
                time.process_time() - self.cpu_start,
            )
        )

    def durations(self, total: float) -> dict[str, float]:
        """Wall seconds per stage, and CPU seconds per stage under ``cpu:<stage>``."""
        cpu_total = time.process_time() - self.cpu_start
        out: dict[str, float] = {}
        ends = [*self.marks[1:], ("end", total, cpu_total)]
        for (name, at, cpu_at), nxt in zip(self.marks, ends, strict=True):
            out[name] = out.get(name, 0.0) + nxt[1] - at
            out[f"cpu:{name}"] = out.get(f"cpu:{name}", 0.0) + nxt[2] - cpu_at
        return out


def borough_from_args(description: str, argv: list[str] | None) -> tuple[argparse.Namespace, Path]:
    """The million-record benchmarks' common arguments (``--people``, ``--seed``, ``--workdir``,
    ``--rounds``), parsed; linkage spills under the work directory; the borough built once."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--people", type=int, default=614_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("JOINEDUP_DATA_DIR", str(args.workdir / "data"))
    return args, build(args.workdir, args.people, args.seed)


def build(workdir: Path, people: int, seed: int) -> Path:
    """Generate and ingest the borough once; returns the path of the ingested database."""
    from joinedup.demo.generate import generate_borough
    from joinedup.demo.load import load_borough
    from joinedup.store.db import make_engine, upgrade

    database = workdir / f"borough-{people}-{seed}.sqlite"
    if database.exists():
        return database
    started = time.perf_counter()
    manifest = generate_borough(workdir / f"borough-{people}-{seed}", people=people, seed=seed)
    engine = make_engine(f"sqlite:///{database}.partial")
    upgrade(engine)
    for _ in load_borough(engine, manifest):
        pass
    engine.dispose()
    Path(f"{database}.partial").rename(database)
    print(f"built the borough in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return database


def timed_link(engine: Any, **kwargs: Any) -> tuple[Any, float, dict[str, float]]:
    """One ``link`` run: its result, wall seconds, and the wall seconds of each stage; the CPU
    seconds (every thread of the process, DuckDB's included) go in the stages as ``cpu``, the
    1-minute load average at the start as ``load``."""
    from joinedup.linkage.index import link

    stages = Stages()
    load = os.getloadavg()[0]
    started, cpu = time.perf_counter(), time.process_time()
    result = link(engine, progress=stages, **kwargs)
    total = time.perf_counter() - started
    durations = stages.durations(total)
    durations["cpu"] = time.process_time() - cpu
    durations["load"] = load
    return result, total, durations


def _current_rows(engine: Any) -> list[dict[str, Any]]:
    from joinedup.store.db import session_scope
    from joinedup.store.records import LINKAGE_COLUMNS, iter_current

    with session_scope(engine) as session:
        return [dict(row) for row in iter_current(session, columns=LINKAGE_COLUMNS)]


def _person_fields(row: dict[str, Any]) -> dict[str, Any]:
    from joinedup.store.tables import PERSON_FIELDS

    return {name: row[name] for name in PERSON_FIELDS}


def add_copies(engine: Any, rows: list[dict[str, Any]], tag: str, rng: random.Random) -> None:
    """Store copies of ``rows`` as new records of the benchmark source (a few with a typo)."""
    from joinedup.store import batches, records, sources
    from joinedup.store.db import session_scope

    with session_scope(engine) as session:
        sources.ensure_organisation(session, "bench", "Benchmark")
        sources.ensure_source(
            session,
            source_id=BENCH_SOURCE,
            organisation_id="bench",
            name="Benchmark arrivals",
            format="csv",
            category=None,
            mapping_text="",
            mapping_sha256="0" * 64,
        )
        batch = batches.start_batch(
            session, source_id=BENCH_SOURCE, file_name=tag, file_sha256="0" * 64, full=False
        )
        out = []
        for number, row in enumerate(rows):
            fields = _person_fields(row)
            given = fields.get("given_name")
            if given and len(given) > 3 and rng.random() < 0.2:
                cut = rng.randrange(1, len(given) - 1)
                fields["given_name"] = given[:cut] + given[cut + 1 :]
            out.append(
                {
                    **fields,
                    "source_id": BENCH_SOURCE,
                    "record_id": f"{tag}-{number}",
                    "version": 1,
                    "batch_id": batch.id,
                    "content_hash": hashlib.sha256(f"{tag}-{number}".encode()).hexdigest(),
                    "raw": {},
                }
            )
        records.insert_versions(session, out)


def edit(engine: Any, rows: list[dict[str, Any]], rng: random.Random) -> None:
    """Store a new version of each row with a changed phone, e-mail or street."""
    from joinedup.store import batches, records
    from joinedup.store.base import utcnow
    from joinedup.store.db import session_scope

    by_source: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_source.setdefault(row["source_id"], []).append(row)
    with session_scope(engine) as session:
        for source_id, group in by_source.items():
            batch = batches.start_batch(
                session, source_id=source_id, file_name="edits", file_sha256="0" * 64, full=False
            )
            records.end_versions(session, [r["id"] for r in group], utcnow(), batch_id=batch.id)
            out = []
            for row in group:
                fields = _person_fields(row)
                what = rng.choice(EDITABLE)
                if what == "phones":
                    fields["phones"] = [f"+447700{rng.randrange(900000, 999999)}"]
                elif what == "emails":
                    fields["emails"] = [f"new{rng.randrange(10**6)}@example.org"]
                else:
                    fields["street"] = (fields.get("street") or "High Street") + " North"
                out.append(next_version(row, fields, source_id, batch.id))
            records.insert_versions(session, out)


def next_version(
    row: dict[str, Any], fields: dict[str, Any], source_id: str, batch_id: int
) -> dict[str, Any]:
    """The next version of stored ``row`` holding ``fields``, as ``records.insert_versions``
    takes it."""
    return {
        **fields,
        "source_id": source_id,
        "record_id": row["record_id"],
        "version": row["version"] + 1,
        "batch_id": batch_id,
        "content_hash": hashlib.sha256(repr(fields).encode()).hexdigest(),
        "raw": {},
    }


def membership(engine: Any) -> dict[str, str]:
    from joinedup.linkage.persons import current_membership
    from joinedup.store.db import session_scope

    with session_scope(engine) as session:
        return {key: linked.person_id for key, linked in current_membership(session).items()}


def stability(before: dict[str, str], after: dict[str, str], edited: set[str]) -> tuple[int, int]:
    """(untouched persons, those keeping their id): a person is untouched when none of its
    records was edited and no new record joined it; it keeps its id when all its records
    still carry it and no other record does."""
    members: dict[str, set[str]] = {}
    for key, pid in before.items():
        members.setdefault(pid, set()).add(key)
    joined = {after[k] for k in after if k not in before}
    untouched = kept = 0
    for pid, keys in members.items():
        new_ids = {after.get(k) for k in keys}
        if keys & edited or new_ids & joined:
            continue  # edited, or a new record joined it: touched
        untouched += 1
        if new_ids == {pid}:
            kept += 1
    return untouched, kept


def run(people: int, seed: int, workdir: Path, batch: int) -> dict[str, Any]:
    """Every measurement on one borough; returns the figures for the table."""
    from joinedup.linkage.model import PersonModel
    from joinedup.store.db import make_engine, upgrade

    built = build(workdir, people, seed)
    database = workdir / "index.sqlite"
    shutil.copyfile(built, database)
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)  # a borough built by an older version, as every command does
    model = PersonModel.default()
    rng = random.Random(seed)
    figures: dict[str, Any] = {"people": people}

    result, seconds, stages = timed_link(engine, full=True, model=model)
    figures["records"] = result.counts["records"]
    figures["full"] = (seconds, stages, result.counts["persons"])

    rows = _current_rows(engine)
    add_copies(engine, rng.sample(rows, 1), "one", rng)
    result, seconds, stages = timed_link(engine)
    figures["one"] = (seconds, stages, result.counts)

    size = min(batch, max(1, len(rows) // 10))
    add_copies(engine, rng.sample(rows, size), "many", rng)
    result, seconds, stages = timed_link(engine)
    figures["many"] = (size, seconds, stages, result.counts)

    before = membership(engine)
    rows = _current_rows(engine)
    share = max(1, len(rows) // 100)
    picked = rng.sample(rows, 2 * share)
    edited_rows, copied_rows = picked[:share], picked[share:]
    edited = {f"{r['source_id']}|{r['record_id']}" for r in edited_rows}
    edit(engine, edited_rows, rng)
    add_copies(engine, copied_rows, "stability", rng)
    result, seconds, stages = timed_link(engine)
    after_incremental = membership(engine)
    figures["stable_incremental"] = (*stability(before, after_incremental, edited), seconds)
    figures["inc_stages"] = stages
    result, seconds, stages = timed_link(engine, full=True, model=model)
    after_full = membership(engine)
    figures["stable_full"] = (*stability(before, after_full, edited), seconds)
    figures["refull_stages"] = stages
    again, seconds, _ = timed_link(engine, full=True, model=model)
    unchanged = membership(engine) == after_full
    figures["full_again"] = (unchanged, again.counts["created"], again.counts["merges"], seconds)
    engine.dispose()
    figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def _stages(stages: dict[str, float]) -> str:
    names = {
        "reading": "read",
        "scoring": "score",
        "re-scoring": "re-score",
        "clustering": "cluster",
        "saving": "save",
        "updating": "review queue",
        "caching": "cache",
    }
    parts = [
        f"{label} {stages[name]:.2f} ({stages.get('cpu:' + name, 0.0):.2f})"
        for name, label in names.items()
        if name in stages
    ]
    return ", ".join(parts)


def _cpu(stages: dict[str, float]) -> str:
    return f"{stages['cpu']:.2f} | {stages['load']:.1f}"


def table(figures: dict[str, Any], command: str) -> str:
    """The results as Markdown for ``docs/benchmarks.md``."""
    full_s, full_stages, persons = figures["full"]
    one_s, one_stages, _ = figures["one"]
    size, many_s, many_stages, _ = figures["many"]
    inc_untouched, inc_kept, inc_s = figures["stable_incremental"]
    full_untouched, full_kept, refull_s = figures["stable_full"]
    unchanged, created, merges, again_s = figures["full_again"]
    machine = f"{os.cpu_count()} cores, Python {platform.python_version()}"
    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine}, SQLite, DuckDB, the "
        f"shipped default model; demo borough of {figures['people']:,} residents = "
        f"**{figures['records']:,} records** in the index ({persons:,} persons).",
        "",
        f"Command: `{command}`",
        "",
        "| step | wall time (s) | CPU time (s) | load | where the time went: wall (CPU) s |",
        "|---|---:|---:|---:|---|",
        f"| `link --full`, whole index | {full_s:.1f} | {_cpu(full_stages)} | "
        f"{_stages(full_stages)} |",
        f"| attach 1 new record (incremental) | {one_s:.2f} | {_cpu(one_stages)} | "
        f"{_stages(one_stages)} |",
        f"| attach {size:,} new records (incremental) | {many_s:.1f} | {_cpu(many_stages)} | "
        f"{_stages(many_stages)} |",
        f"| 1% edits + 1% new, incremental | {inc_s:.1f} | {_cpu(figures['inc_stages'])} | "
        f"{_stages(figures['inc_stages'])} |",
        f"| the same, then `link --full` | {refull_s:.1f} | {_cpu(figures['refull_stages'])} | "
        f"{_stages(figures['refull_stages'])} |",
        "",
        "| stability | untouched persons | kept their id | share |",
        "|---|---:|---:|---:|",
        f"| after 1% edits + 1% new, incremental | {inc_untouched:,} | {inc_kept:,} | "
        f"{inc_kept / max(inc_untouched, 1):.4%} |",
        f"| the same, then `link --full` | {full_untouched:,} | {full_kept:,} | "
        f"{full_kept / max(full_untouched, 1):.4%} |",
        "",
        f"`link --full` again on unchanged data: person ids unchanged = **{unchanged}** "
        f"({created} created, {merges} merges; {again_s:.1f} s).",
        "",
        f"Peak memory of the benchmark process: {figures['peak_mb']:,.0f} MB. CPU time is the "
        "process's (every thread, DuckDB's included); load is the 1-minute load average when "
        "the step started, on 2 cores shared with other work.",
    ]
    return "\n".join(lines)


def write_docs(text: str, docs: Path = DOCS) -> None:
    """Replace this benchmark's section of ``docs/benchmarks.md`` (added if missing)."""
    block = f"{BEGIN}\n{text}\n{END}"
    current = docs.read_text(encoding="utf-8") if docs.exists() else "# Benchmarks\n"
    if BEGIN in current and END in current:
        head, rest = current.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        updated = f"{head}{block}{tail}"
    else:
        updated = (
            current.rstrip("\n")
            + "\n\n## Master person index: incremental linking and id stability\n\n"
            + block
            + "\n"
        )
    docs.write_text(updated, encoding="utf-8")


def main(argv: list[str] | None = None, *, out: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--batch", type=int, default=10_000, help="records in the big attach")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="joinedup-index-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    command = (
        "uv run --frozen python -m benchmarks.linkage.incremental "
        f"--people {args.people} --seed {args.seed} --batch {args.batch}"
    )
    figures = run(args.people, args.seed, workdir, args.batch)
    text = table(figures, command.strip())
    out(text)
    if args.write:
        write_docs(text)
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
