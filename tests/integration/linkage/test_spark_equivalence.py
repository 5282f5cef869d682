"""The same trained model gives the same persons on DuckDB and on Spark (local mode).

Trained once on DuckDB, the parameters are applied on both engines to a small demo borough
(about 300 people, ingested through the ordinary pipeline); the clusters must be identical.
Spark takes a while to start, so this runs in CI or with ``JOINEDUP_TEST_SPARK=1``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.spark,
    pytest.mark.slow,
    pytest.mark.skipif(
        not (os.environ.get("CI") or os.environ.get("JOINEDUP_TEST_SPARK") == "1"),
        reason="Spark tests run in CI or with JOINEDUP_TEST_SPARK=1",
    ),
]


def _borough_records(tmp: Path) -> list[dict]:
    from joinedup.demo.generate import generate_borough
    from joinedup.demo.load import load_borough
    from joinedup.store.db import make_engine, session_scope, upgrade
    from joinedup.store.records import LINKAGE_COLUMNS, iter_current

    manifest = generate_borough(tmp / "borough", people=300, seed=3)
    engine = make_engine(f"sqlite:///{tmp / 'hub.sqlite'}")
    upgrade(engine)
    for _ in load_borough(engine, manifest):
        pass
    with session_scope(engine) as session:
        records = [dict(row) for row in iter_current(session, columns=LINKAGE_COLUMNS)]
    engine.dispose()
    return records


def _groups(assignment: dict[str, str]) -> set[frozenset[str]]:
    out: dict[str, set[str]] = {}
    for record, rep in assignment.items():
        out.setdefault(rep, set()).add(record)
    return {frozenset(g) for g in out.values()}


def test_duckdb_and_spark_give_the_same_persons(tmp_path):
    from joinedup.linkage.cluster import cluster
    from joinedup.linkage.frame import records_frame
    from joinedup.linkage.model import PersonModel
    from joinedup.linkage.thresholds import MATCH_PROBABILITY

    frame = records_frame(_borough_records(tmp_path))
    model = PersonModel.train(frame, engine="duckdb", seed=7)

    on_duckdb = model.predict(frame, engine="duckdb")
    on_spark = model.predict(frame, engine="spark")

    assert len(on_duckdb) == len(on_spark)
    merged = on_duckdb.merge(on_spark, on=["unique_id_l", "unique_id_r"], suffixes=("_d", "_s"))
    assert len(merged) == len(on_duckdb)
    assert (merged["match_weight_d"] - merged["match_weight_s"]).abs().max() < 1e-6

    ids = frame["unique_id"]
    persons_duckdb = cluster(on_duckdb, threshold=MATCH_PROBABILITY, ids=ids)
    persons_spark = cluster(on_spark, threshold=MATCH_PROBABILITY, ids=ids)
    assert _groups(persons_duckdb) == _groups(persons_spark)
    assert len(_groups(persons_duckdb)) < len(frame)  # the borough does link
