"""What a full run costs after scoring, old way and new, on the same pairs: a replay.

``uv run --frozen python -m benchmarks.linkage.replay --workdir DIR`` takes the borough that
``benchmarks.linkage.million`` built in ``DIR`` (``--people``/``--seed`` as there), runs
``link --full`` on a copy once to keep its trained model and scored pairs (``DIR/replay-*``; kept
for re-runs), then replays ``index.link(full=True)`` on fresh copies with training and scoring
replaced by those pairs, alternating the variants ``--rounds`` times, each in a child process:

- ``before``: pairs keyed by strings, SQLite loads keeping their indexes (the code before
  2026-12-06's two changes);
- ``after``: pairs keyed by codes into the sorted keys (as `prediction_pairs.fetch_pairs` hands
  them over), bulk loads that dwarf their table building its indexes after (``store.bulk``).

Training and scoring, which neither change touches and which move by tens of seconds between
runs on a shared VM, are left out, so the stages after scoring can be compared like for like.
Prints per variant the CPU seconds of each stage, and a digest of the persons (as a partition of
record keys), the evidence and the review queue, which must agree across variants.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.linkage.incremental import borough_from_args, timed_link
from benchmarks.linkage.measure import isolated

VARIANTS = ("before", "after")


def _record(built: Path, workdir: Path) -> tuple[Path, Path]:
    """A real full run on a copy of ``built``: its model JSON and its pairs (as handed over)."""
    model_path, pairs_path = workdir / "replay-model.json", workdir / "replay-pairs.pickle"
    if model_path.exists() and pairs_path.exists():
        return model_path, pairs_path

    def run() -> None:
        from joinedup.linkage import model as model_module
        from joinedup.store.db import make_engine, upgrade

        original = model_module.PersonModel.predict

        def keep(self: Any, *args: Any, **kwargs: Any) -> pd.DataFrame:
            pairs = original(self, *args, **kwargs)
            pairs.to_pickle(pairs_path)
            model_path.write_text(self.to_json())
            return pairs

        model_module.PersonModel.predict = keep  # type: ignore[method-assign]
        database = workdir / "replay-record.sqlite"
        shutil.copyfile(built, database)
        engine = make_engine(f"sqlite:///{database}")
        upgrade(engine)
        timed_link(engine, full=True)
        engine.dispose()
        database.unlink()

    isolated(run)
    return model_path, pairs_path


def replay(built: Path, workdir: Path, variant: str, model_path: Path, pairs_path: Path) -> Any:
    """``index.link(full=True)`` with the saved model and pairs, as ``variant`` does it."""
    from joinedup.linkage import model as model_module
    from joinedup.store import bulk
    from joinedup.store.db import make_engine, upgrade

    pairs = pd.read_pickle(pairs_path)
    if variant == "before":
        for side in ("unique_id_l", "unique_id_r"):
            pairs[side] = pairs[side].astype(object)  # the keys as strings
        bulk.REBUILD_INDEXES_FROM = 1 << 62
    model = model_module.PersonModel.from_json(model_path.read_text())
    model_module.PersonModel.predict = lambda self, *a, **k: pairs  # type: ignore[method-assign]
    database = workdir / f"replay-{variant}.sqlite"
    shutil.copyfile(built, database)
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    _, seconds, stages = timed_link(engine, full=True, model=model)
    engine.dispose()
    return {"seconds": seconds, "stages": stages, "digest": digest(database)}


def digest(database: Path) -> str:
    """Persons as a partition of record keys, the evidence rows and the review queue (person
    ids, drawn at random, replaced by each person's first record key)."""
    connection = sqlite3.connect(database)
    groups: dict[str, list[str]] = {}
    for person, key in connection.execute(
        "SELECT person_id, record_key FROM match_evidence ORDER BY person_id, record_key"
    ):
        groups.setdefault(person, []).append(key)
    first = {person: keys[0] for person, keys in groups.items()}
    hashed = hashlib.sha256()
    for keys in sorted(groups.values()):
        hashed.update("|".join(keys).encode() + b"\n")
    for row in connection.execute(
        "SELECT record_key, matched_record_key, match_probability, match_weight, field_weights,"
        " basis FROM match_evidence ORDER BY record_key"
    ):
        hashed.update(repr(row).encode())
    for *row, person in connection.execute(
        "SELECT record_key_l, record_key_r, match_weight, match_probability, reason, risk,"
        " status, person_id FROM review_items ORDER BY record_key_l, record_key_r"
    ):
        hashed.update(repr((*row, first.get(person))).encode())
    connection.close()
    return hashed.hexdigest()[:16]


def main(argv: list[str] | None = None) -> int:
    args, built = borough_from_args(__doc__.splitlines()[0], argv)
    model_path, pairs_path = _record(built, args.workdir)
    rows = []
    for round_number in range(args.rounds):
        for variant in VARIANTS:
            figures, _, peak = isolated(
                replay, built, args.workdir, variant, model_path, pairs_path
            )
            stages = figures["stages"]
            rows.append((round_number + 1, variant, stages, peak, figures["digest"]))
            print(variant, {k: round(v, 1) for k, v in stages.items()}, figures["digest"])
    names = ["reading", "clustering", "saving", "updating"]
    print("\n| round | variant | " + " | ".join(f"{n} CPU s" for n in names) + " | load | digest |")
    print("|---:|---|" + "---:|" * len(names) + "---:|---|")
    for number, variant, stages, _, mark in rows:
        cells = " | ".join(f"{stages.get('cpu:' + n, float('nan')):.1f}" for n in names)
        print(f"| {number} | {variant} | {cells} | {stages['load']:.1f} | {mark} |")
    if len({mark for *_, mark in rows}) != 1:
        print("\nThe variants disagree: the digests differ.")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
