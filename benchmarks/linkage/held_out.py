"""Accuracy of an incremental run: hold back part of the borough, link the rest, attach it.

``uv run --frozen python -m benchmarks.linkage.held_out --people 20000`` builds the demo borough
as ``benchmarks.linkage.incremental`` does (``--workdir`` keeps it), ends a share of its records
(``--share``, default a tenth, drawn with ``--draw``), runs ``link --full`` with the shipped
model, stores the same records again and attaches them by an incremental run, then runs
``link --full`` once more. It prints pairwise precision, recall and wrong pairs against the
ground truth after the incremental run and after the full one: the incremental run should find
what the full run finds, and make no more wrong links.
"""

from __future__ import annotations

import argparse
import collections
import csv
import random
import shutil
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.linkage import incremental as inc


def _hold_back(engine: Any, rows: list[dict[str, Any]], file_name: str) -> None:
    from joinedup.store import batches, records
    from joinedup.store.base import utcnow
    from joinedup.store.db import session_scope

    by_source: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for row in rows:
        by_source[row["source_id"]].append(row)
    with session_scope(engine) as session:
        for source_id, group in by_source.items():
            batch = batches.start_batch(
                session, source_id=source_id, file_name=file_name, file_sha256="0" * 64, full=False
            )
            records.end_versions(session, [r["id"] for r in group], utcnow(), batch_id=batch.id)


def _store_again(engine: Any, rows: list[dict[str, Any]]) -> None:
    from joinedup.store import batches, records
    from joinedup.store.db import session_scope

    by_source: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for row in rows:
        by_source[row["source_id"]].append(row)
    with session_scope(engine) as session:
        for source_id, group in by_source.items():
            batch = batches.start_batch(
                session, source_id=source_id, file_name="back", file_sha256="0" * 64, full=False
            )
            out = [
                inc.next_version(row, inc._person_fields(row), source_id, batch.id) for row in group
            ]
            records.insert_versions(session, out)


def pairwise(membership: dict[str, str], truth: dict[str, str]) -> tuple[float, float, int]:
    """(precision, recall, wrong pairs) of ``membership`` against ``truth``, pair by pair."""
    groups: dict[str, list[str]] = collections.defaultdict(list)
    for key, person in membership.items():
        if key in truth:
            groups[person].append(key)
    right = wrong = 0
    for keys in groups.values():
        for i, a in enumerate(keys):
            for b in keys[i + 1 :]:
                if truth[a] == truth[b]:
                    right += 1
                else:
                    wrong += 1
    sizes = collections.Counter(truth[k] for k in membership if k in truth)
    true_pairs = sum(n * (n - 1) // 2 for n in sizes.values())
    precision = right / (right + wrong) if right + wrong else 1.0
    recall = right / true_pairs if true_pairs else 1.0
    return precision, recall, wrong


def run(people: int, seed: int, share: float, draw: int, workdir: Path) -> dict[str, Any]:
    from joinedup.linkage.model import PersonModel
    from joinedup.store.db import make_engine, upgrade

    built = inc.build(workdir, people, seed)
    database = workdir / "held-out.sqlite"
    shutil.copyfile(built, database)
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    model = PersonModel.default()
    rows = inc._current_rows(engine)
    held = random.Random(draw).sample(rows, int(len(rows) * share))
    _hold_back(engine, held, "hold")
    inc.timed_link(engine, full=True, model=model)
    _store_again(engine, held)
    inc.timed_link(engine)
    after_incremental = inc.membership(engine)
    inc.timed_link(engine, full=True, model=model)
    after_full = inc.membership(engine)
    engine.dispose()
    truth_file = workdir / f"borough-{people}-{seed}" / "ground_truth.csv"
    with truth_file.open(encoding="utf-8") as handle:
        truth = {
            f"{r['source']}|{r['source_record_id']}": r["person_id"] for r in csv.DictReader(handle)
        }
    return {
        "records": len(rows),
        "held": len(held),
        "incremental": pairwise(after_incremental, truth),
        "full": pairwise(after_full, truth),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--share", type=float, default=0.1)
    parser.add_argument("--draw", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    if not 0.0 < args.share < 1.0:
        parser.error("--share must be between 0 and 1")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="joinedup-held-out-"))
    workdir.mkdir(parents=True, exist_ok=True)
    figures = run(args.people, args.seed, args.share, args.draw, workdir)
    print(
        f"{figures['held']:,} of {figures['records']:,} records held back and attached "
        f"(borough of {args.people:,}, seed {args.seed})\n"
    )
    print("| after | precision | recall | wrong pairs |")
    print("|---|---:|---:|---:|")
    for step in ("incremental", "full"):
        precision, recall, wrong = figures[step]
        label = "the incremental run" if step == "incremental" else "then `link --full`"
        print(f"| {label} | {precision:.5f} | {recall:.5f} | {wrong} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
