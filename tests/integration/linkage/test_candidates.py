"""Scoring new records against their candidates only gives exactly what a full prediction gives.

An incremental run hands Splink the new records and the index records that share a blocking
key with them (``linkage.candidates``), with name frequencies counted over the whole index. On a
small demo borough (about 300 people, ingested through the ordinary pipeline), for batches of
one, a few and a tenth of the records, the pairs and every score must equal what the model
gives when it blocks new records against the whole index.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from joinedup.linkage import candidates, engines, replay
from joinedup.linkage.frame import records_frame
from joinedup.linkage.model import PersonModel
from joinedup.linkage.term_frequencies import TF_COLUMNS, smoothed_frequencies


@pytest.fixture(scope="module")
def frame(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    from joinedup.demo.generate import generate_borough
    from joinedup.demo.load import load_borough
    from joinedup.store.db import make_engine, session_scope, upgrade
    from joinedup.store.records import LINKAGE_COLUMNS, iter_current

    tmp: Path = tmp_path_factory.mktemp("candidates")
    manifest = generate_borough(tmp / "borough", people=300, seed=5)
    engine = make_engine(f"sqlite:///{tmp / 'hub.sqlite'}")
    upgrade(engine)
    for _ in load_borough(engine, manifest):
        pass
    with session_scope(engine) as session:
        rows = [dict(row) for row in iter_current(session, columns=LINKAGE_COLUMNS)]
    engine.dispose()
    return records_frame(rows)


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Recorded scoring SQL is saved under the data directory: keep it in the test's own."""
    monkeypatch.setenv("JOINEDUP_DATA_DIR", str(tmp_path))
    replay.forget()
    return tmp_path


def _sorted(pairs: pd.DataFrame) -> pd.DataFrame:
    return pairs.sort_values(["unique_id_l", "unique_id_r"]).reset_index(drop=True)


@pytest.mark.parametrize("size", [1, 3, 20, 200])
def test_the_join_here_finds_what_duckdbs_finds(
    frame: pd.DataFrame, size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = engines.to_arrow(frame)
    for seed in (1, 2, 3):
        keys = random.Random(seed).sample(sorted(frame["unique_id"]), size)
        new_rows = candidates.only(table, keys)
        with monkeypatch.context() as here:
            here.setattr(candidates, "JOIN_HERE_UP_TO", 10**12)
            joined_here = candidates.select_candidates(table, new_rows)
        with monkeypatch.context() as duck:
            duck.setattr(candidates, "JOIN_HERE_UP_TO", -1)
            joined_by_duckdb = candidates.select_candidates(table, new_rows)
        assert joined_here.equals(joined_by_duckdb)
        assert joined_here.num_rows >= size  # each record pairs with itself at least


def test_the_prefilter_of_a_record_missing_fields_finds_what_the_join_finds(
    frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A council-tax row: no birth date, NHS number, mobile or email, so those columns are not
    # scanned at all.
    table = engines.to_arrow(frame)
    bare = frame[frame["dob"].isna() & frame["nhs_number"].isna() & frame["mobile_key"].isna()]
    assert len(bare) >= 5
    for uid in bare["unique_id"].head(5):
        new_row = candidates.only(table, [uid])
        with_prefilter = candidates.select_candidates(table, new_row)
        monkeypatch.setattr(candidates, "PREFILTER_UP_TO", 0)
        assert candidates.select_candidates(table, new_row).equals(with_prefilter)
        assert with_prefilter.num_rows > 0
        monkeypatch.undo()


@pytest.mark.parametrize("share", [0.0, 0.02, 0.1], ids=["one", "a few", "a tenth"])
def test_candidate_path_scores_exactly_as_the_full_path(frame: pd.DataFrame, share: float) -> None:
    model = PersonModel.default()
    ids = sorted(frame["unique_id"])
    new = set(random.Random(7).sample(ids, max(1, int(share * len(ids)))))

    full = model.predict(frame, new_ids=new)

    table = engines.to_arrow(frame)
    new_rows = candidates.only(table, new)
    reach = candidates.without(candidates.select_candidates(table, new_rows), new)
    part = pa.concat_tables([new_rows, reach]).to_pandas()
    scored = model.predict(
        part, new_ids=new, term_frequencies=candidates.term_frequency_tables(table)
    )

    assert len(full) > 0
    assert reach.num_rows < table.num_rows - len(new)  # the point: not the whole index
    pd.testing.assert_frame_equal(_sorted(scored), _sorted(full))


def test_without_the_whole_index_frequencies_scores_would_differ(frame: pd.DataFrame) -> None:
    # Guards the test above: the frequencies are what keep the scores equal.
    model = PersonModel.default()
    new = set(random.Random(8).sample(sorted(frame["unique_id"]), 30))
    table = engines.to_arrow(frame)
    new_rows = candidates.only(table, new)
    part = pa.concat_tables(
        [new_rows, candidates.without(candidates.select_candidates(table, new_rows), new)]
    ).to_pandas()
    full = _sorted(model.predict(frame, new_ids=new))
    local = _sorted(model.predict(part, new_ids=new))
    assert not full["match_weight"].equals(local["match_weight"])


def test_frequencies_counted_in_arrow_equal_the_models_own(frame: pd.DataFrame) -> None:
    tables = candidates.term_frequency_tables(engines.to_arrow(frame))
    for column, prior in TF_COLUMNS.items():
        own = smoothed_frequencies(frame[column], prior).sort_values(column, ignore_index=True)
        pd.testing.assert_frame_equal(tables[column].sort_values(column, ignore_index=True), own)


def test_frequencies_of_a_few_values_are_the_whole_tables_rows(frame: pd.DataFrame) -> None:
    table = engines.to_arrow(frame)
    whole = candidates.term_frequency_tables(table)
    for column in TF_COLUMNS:
        names = frame[column].dropna().unique().tolist()
        values = pa.array([*names[:3], names[-1], "NOT A NAME HELD"], pa.string())
        # Counted afresh over the index for these values alone (nothing counted yet) ...
        fresh = candidates.term_frequency_tables(table)
        few = candidates.frequencies_of(fresh, column, values)
        # ... and taken from the whole table once it is counted: the same rows either way.
        assert not fresh.counted(column)
        fresh[column]
        after = candidates.frequencies_of(fresh, column, values)
        expected = whole[column][whole[column][column].isin(values.to_pylist())]
        for got in (few, after):
            pd.testing.assert_frame_equal(
                got.sort_values(column, ignore_index=True),
                expected.sort_values(column, ignore_index=True),
            )
        assert len(few) == 4
    pandas_tables = candidates.term_frequency_tables(frame)
    given = frame["given_key"].dropna().unique().tolist()[:2]
    got = candidates.frequencies_of(pandas_tables, "given_key", pa.array(given, pa.string()))
    assert len(got) == 2


CASES = [
    # (description, rule, expected terms)
    ("plain equalities", "l.dob = r.dob AND l.family_key = r.family_key",
     [("dob", "dob"), ("family_key", "family_key")]),
    ("crossed columns", "l.given_key = r.family_key AND l.family_key = r.given_key",
     [("given_key", "family_key"), ("family_key", "given_key")]),
    ("a function is not a join", "levenshtein(l.family_key, r.family_key) < 2", None),
    ("a list column is not a join", "l.emails = r.emails", None),
    ("an unknown column", "l.shoe_size = r.shoe_size", None),
]  # fmt: skip


@pytest.mark.parametrize(("description", "rule", "expected"), CASES, ids=[c[0] for c in CASES])
def test_equality_terms(description: str, rule: str, expected: object) -> None:
    assert candidates.equality_terms(rule) == expected


def test_a_rule_that_is_no_join_makes_every_record_a_candidate(frame: pd.DataFrame) -> None:
    table = engines.to_arrow(frame)
    new_rows = table.slice(0, 1)
    rules = ("levenshtein(l.family_key, r.family_key) < 2",)
    assert candidates.select_candidates(table, new_rows, rules).num_rows == table.num_rows


def test_the_prefilter_finds_what_the_join_alone_finds(
    frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = engines.to_arrow(frame)
    new_rows = candidates.only(table, random.Random(9).sample(sorted(frame["unique_id"]), 20))
    with_prefilter = candidates.select_candidates(table, new_rows)
    monkeypatch.setattr(candidates, "PREFILTER_UP_TO", 0)
    assert candidates.select_candidates(table, new_rows).equals(with_prefilter)


@pytest.mark.parametrize("share", [0.0, 0.02, 0.1], ids=["one", "a few", "a tenth"])
def test_replayed_scoring_equals_splinks_own(
    frame: pd.DataFrame, share: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    # After the first attach, Splink's recorded SQL runs on the new tables (``linkage.replay``):
    # in the same process from memory, in a new one from the copy on disk. Each replayed
    # result must equal Splink building it afresh.
    model = PersonModel.default()
    table = engines.to_arrow(frame)
    frequencies = candidates.term_frequency_tables(table)
    ids = sorted(frame["unique_id"])
    replayed: list[int] = []
    real = replay._replay
    monkeypatch.setattr(replay, "_replay", lambda *args: replayed.append(1) or real(*args))
    for seed in (11, 12, 13):
        new = set(random.Random(seed).sample(ids, max(1, int(share * len(ids)))))
        new_rows = candidates.only(table, new)
        reach = candidates.without(candidates.select_candidates(table, new_rows), new)
        part = pa.concat_tables([new_rows, reach]).to_pandas()
        again = model.predict(part, new_ids=new, term_frequencies=frequencies)
        if seed == 12:
            replay.forget()  # as a new process would start: the script comes from disk
            from_disk = model.predict(part, new_ids=new, term_frequencies=frequencies)
            pd.testing.assert_frame_equal(_sorted(from_disk), _sorted(again))
        with monkeypatch.context() as off:
            off.setenv("JOINEDUP_LINKAGE_CACHE", "off")
            replay.forget()
            fresh = model.predict(part, new_ids=new, term_frequencies=frequencies)
        assert len(fresh) > 0
        pd.testing.assert_frame_equal(_sorted(again), _sorted(fresh))
    # The first call records; every later one replays (seed 12 twice: memory, then disk).
    assert len(replayed) == 3


def test_recorded_sql_is_not_used_by_other_code(
    frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    model = PersonModel.default()
    table = engines.to_arrow(frame)
    frequencies = candidates.term_frequency_tables(table)
    new = set(sorted(frame["unique_id"])[:3])
    model.predict(table, new_ids=new, term_frequencies=frequencies)
    saved = list((data_dir / "linkage-cache" / "splink-sql").glob("*.json"))
    assert len(saved) == 1
    replay.forget()
    monkeypatch.setattr(replay, "_code_digest", lambda: "other code")
    model.predict(table, new_ids=new, term_frequencies=frequencies)
    assert len(list(saved[0].parent.glob("*.json"))) == 2  # recorded afresh, kept apart


_REPLAY_IN_A_NEW_PROCESS = """
import sys
import pyarrow.feather as feather
from joinedup.linkage import candidates
from joinedup.linkage.model import PersonModel
table = feather.read_table(sys.argv[1])
new = set(table.column("unique_id").to_pylist()[:3])
pairs = PersonModel.default().predict(
    table, new_ids=new, term_frequencies=candidates.term_frequency_tables(table)
)
pairs.to_pickle(sys.argv[2])
print("splink imported" if any(m.split(".")[0] == "splink" for m in sys.modules) else "no splink")
"""


def test_an_attach_that_replays_recorded_sql_never_imports_splink(
    frame: pd.DataFrame, data_dir: Path
) -> None:
    """Importing Splink is half a second of a one-record ``joinedup link``; with the scoring
    SQL recorded by an earlier run, a new process scores without it, and scores the same."""
    import subprocess
    import sys

    import pyarrow.feather as feather

    table = engines.to_arrow(frame)
    frequencies = candidates.term_frequency_tables(table)
    new = set(table.column("unique_id").to_pylist()[:3])
    recorded = PersonModel.default().predict(table, new_ids=new, term_frequencies=frequencies)
    feather.write_feather(table, data_dir / "frame.feather")
    out = data_dir / "pairs.pkl"
    args = [sys.executable, "-c", _REPLAY_IN_A_NEW_PROCESS, str(data_dir / "frame.feather")]
    done = subprocess.run([*args, str(out)], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "no splink", (done.stderr[-3000:], list(data_dir.rglob("*")))
    pd.testing.assert_frame_equal(_sorted(pd.read_pickle(out)), _sorted(recorded))


@pytest.mark.parametrize("count", [0, 1, 5, 300, 2_000])
def test_taking_rows_chunk_by_chunk_takes_the_same_values(count: int) -> None:
    rng = np.random.default_rng(count)
    values = [None if i % 17 == 0 else f"v{i}" for i in range(5_000)]
    column = pa.chunked_array([values[i : i + 100] for i in range(0, 5_000, 100)])
    rows = np.sort(rng.choice(5_000, size=count, replace=False)).astype(np.int64)
    taken = candidates._take_ascending(column, rows)
    assert taken.to_pylist() == [values[i] for i in rows]
