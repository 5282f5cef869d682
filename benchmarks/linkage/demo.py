"""The demo borough as a benchmark: generated, ingested through the real pipeline, read back.

`borough(people)` runs `joinedup.demo.generate.generate_borough`, ingests every extract with
`joinedup.ingest.pipeline.ingest_file` into a temporary SQLite database and reads the current
records back with `joinedup.store.records.iter_current` — so the model sees exactly what
`joinedup link` sees. Ingested boroughs are cached (as a pickle of the records) under
``$JOINEDUP_BENCH_CACHE`` (default ``/tmp/joinedup-bench``) so reruns skip the ingest.

Hard cases come from ``people.csv`` (every label of each person, and their household):
twins, father–son pairs and siblings are pairs of *different* people in one household who
both carry the label; "merged" is the share of such pairs whose records share a person.
Married-name and moved people are "recovered" when all their records form one person.
"""

from __future__ import annotations

import csv
import os
import pickle
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path
from typing import Any

from benchmarks.linkage.febrl import Dataset

SEED = 1
HARD_CASE_COLUMNS = (
    "twins merged",
    "father–son merged",
    "siblings merged",
    "married name recovered",
    "moved recovered",
)
_SEPARATE = {
    "twin": "twins merged",
    "father_son": "father–son merged",
    "sibling": "siblings merged",
}
_RECOVER = {"married_name": "married name recovered", "moved": "moved recovered"}


class BoroughUnavailable(Exception):
    """The demo generator or the ingest pipeline cannot be used here."""


def _cache_dir() -> Path:
    path = Path(os.environ.get("JOINEDUP_BENCH_CACHE", "/tmp/joinedup-bench"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _ingest(out_dir: Path, people: int, seed: int) -> list[dict[str, Any]]:
    try:
        from joinedup.demo.generate import generate_borough
        from joinedup.demo.load import load_borough
        from joinedup.store.db import make_engine, session_scope, upgrade
        from joinedup.store.records import LINKAGE_COLUMNS, iter_current
    except ImportError as exc:
        raise BoroughUnavailable(f"demo pipeline not importable: {exc}") from exc
    manifest = generate_borough(out_dir, people=people, seed=seed)
    engine = make_engine(f"sqlite:///{out_dir / 'hub.sqlite'}")
    upgrade(engine)
    for _ in load_borough(engine, manifest):
        pass
    with session_scope(engine) as session:
        records = [dict(row) for row in iter_current(session, columns=LINKAGE_COLUMNS)]
    engine.dispose()
    return records


def _records(people: int, seed: int) -> tuple[list[dict[str, Any]], Path]:
    # Keyed by the standardisers' version too: a borough ingested by older standardisers
    # would measure the model on records the hub no longer stores.
    from joinedup.ingest.standardise import STANDARDISERS_VERSION

    cache = _cache_dir() / f"borough-{people}-{seed}-s{STANDARDISERS_VERSION}"
    pickled = cache / "records.pickle"
    if pickled.exists():
        with pickled.open("rb") as handle:
            return pickle.load(handle), cache
    cache.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    records = _ingest(cache, people, seed)
    print(
        f"  ingested {len(records):,} records of {people:,} people in "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    with pickled.open("wb") as handle:
        pickle.dump(records, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return records, cache


def _hard_pairs(
    out_dir: Path, person_records: dict[str, list[str]]
) -> dict[str, list[tuple[str, str]]]:
    households: dict[tuple[str, str], list[str]] = defaultdict(list)
    labelled: dict[str, list[str]] = defaultdict(list)
    with (out_dir / "people.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            for label in filter(None, row["hard_cases"].split(";")):
                households[(label, row["household_id"])].append(row["person_id"])
                labelled[label].append(row["person_id"])
    hard: dict[str, list[tuple[str, str]]] = {name: [] for name in HARD_CASE_COLUMNS}
    for (label, _), persons in households.items():
        if label not in _SEPARATE:
            continue
        for p, q in combinations(persons, 2):
            for a in person_records.get(p, [])[:1]:
                for b in person_records.get(q, [])[:1]:
                    hard[_SEPARATE[label]].append((a, b))
    for label, column in _RECOVER.items():
        for p in labelled[label]:
            records = person_records.get(p, [])
            # A person counts as recovered when every record joins the first one.
            hard[column].extend((records[0], other) for other in records[1:])
            if len(records) > 1:
                hard.setdefault(f"_{column}_people", []).append((records[0], p))
    return hard


def borough(people: int, seed: int = SEED) -> Dataset:
    """The demo borough of ``people`` residents as a benchmark data set.

    The default model's work was done on the borough of seed 1; another seed is a borough the
    generator draws afresh (other households, names, errors), a check that the model fits the
    kind of data rather than one draw of it.
    """
    records, out_dir = _records(people, seed)
    truth: dict[str, str] = {}
    with (out_dir / "ground_truth.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            truth[f"{row['source']}|{row['source_record_id']}"] = row["person_id"]
    stored = {f"{r['source_id']}|{r['record_id']}" for r in records}
    missing = len(truth.keys() - stored)
    if missing:
        print(f"  note: {missing} ground-truth records were not stored by ingest", flush=True)
    truth = {k: v for k, v in truth.items() if k in stored}
    person_records: dict[str, list[str]] = defaultdict(list)
    for uid, person in truth.items():
        person_records[person].append(uid)
    from benchmarks.linkage.baselines import demo_tutorial_table

    return Dataset(
        name=f"demo borough {people // 1000}k people ({len(records) // 1000}k records)"
        + ("" if seed == SEED else f", seed {seed}"),
        records=records,
        truth=truth,
        tutorial="demo",
        tutorial_tables=[demo_tutorial_table(records)],
        hard_pairs={
            k: v for k, v in _hard_pairs(out_dir, person_records).items() if not k.startswith("_")
        },
        adult_sources=_adult_sources(),
    )


def _adult_sources() -> frozenset[str]:
    """The demo sources whose mappings say adults_only (from the code: a cached borough's
    files may predate the flag)."""
    import yaml

    from joinedup.demo.generate import SOURCES

    documents = [yaml.safe_load(module.MAPPING) for module in SOURCES]
    return frozenset(doc["source"] for doc in documents if doc.get("adults_only"))


def speed_summary(name: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The speed comparison from one data set's rows: joinedup beside plain Splink."""
    by_method = {row["method"]: row for row in rows}
    ours, plain = by_method["joinedup default"], by_method["plain Splink (tutorial)"]
    return {
        "name": name,
        "joinedup": {**ours["steps"], "peak_mb": ours["peak_mb"]},
        "plain": {**plain["steps"], "peak_mb": plain["peak_mb"]},
    }


def speed_table(result: dict[str, Any]) -> str:
    """Markdown for the speed comparison."""
    ours, plain = result["joinedup"], result["plain"]
    ratio = ours["link_seconds"] / plain["link_seconds"] if plain["link_seconds"] else float("nan")
    lines = [
        f"### Speed: {result['name']}",
        "",
        "| method | frame (s) | train (s) | predict (s) | cluster (s) | link total (s) | pairs "
        "| peak MB |",
        "|---|---|---|---|---|---|---|---|",
        f"| joinedup `--full` (train+predict+cluster) | {ours['frame']:.0f} | {ours['train']:.0f} "
        f"| {ours['predict']:.0f} | {ours['cluster']:.0f} | {ours['link_seconds']:.0f} "
        f"| {ours['pairs']:,} | {ours['peak_mb']:.0f} |",
        f"| plain Splink (train+predict) | – | {plain['train']:.0f} | {plain['predict']:.0f} | – "
        f"| {plain['link_seconds']:.0f} | {plain['pairs']:,} | {plain['peak_mb']:.0f} |",
        "",
        f"joinedup / plain Splink = {ratio:.2f}× (target ≤ 2×). Link total excludes building "
        "the input frame from stored records, which any pipeline needs. Peak MB is the whole "
        "step's process, clustering and evaluation included.",
    ]
    return "\n".join(lines)
