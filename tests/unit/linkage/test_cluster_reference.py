"""cluster() over integer codes agrees exactly with the reference written over record keys."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.errors import JoinedupError
from joinedup.linkage.cluster import cluster

from .reference_cluster import reference_cluster

RECORDS = [f"s|{i}" for i in range(10)]
COMPARISONS = ("given_name", "family_name", "dob", "location", "nhs_number", "sex")
# Few distinct values, so ties in weight and probability (and sums landing on the link weight)
# are common: that is where an order that differs would show.
PROBABILITIES = (0.0001, 0.005, 0.02, 0.4, 0.55, 0.7, 0.9, 0.9991, 0.99999)
FIELD_WEIGHTS = (-9.0, -5.0, -1.0, 0.0, 0.0, 1.5, 4.0, 8.0)


def _frame(rows: list[tuple[str, str, float, tuple[float, ...], bool]]) -> pd.DataFrame:
    records = []
    for left, right, probability, weights, given_weight in rows:
        row = {"unique_id_l": left, "unique_id_r": right, "match_probability": probability}
        row.update({f"mw_{name}": w for name, w in zip(COMPARISONS, weights, strict=True)})
        logit = math.log2(probability / (1 - probability))
        row["match_weight"] = sum(weights) if given_weight else logit
        records.append(row)
    columns = ["unique_id_l", "unique_id_r", "match_weight", "match_probability"]
    columns += [f"mw_{name}" for name in COMPARISONS]
    return pd.DataFrame(records, columns=columns)


record = st.sampled_from(RECORDS)
row = st.tuples(
    record,
    record,
    st.sampled_from(PROBABILITIES),
    st.tuples(*(st.sampled_from(FIELD_WEIGHTS) for _ in COMPARISONS)),
    st.booleans(),
).filter(lambda r: r[0] != r[1])
pair = st.tuples(record, record).filter(lambda p: p[0] != p[1])


def _both(pairs: pd.DataFrame, **kwargs: object) -> None:
    try:
        expected = reference_cluster(pairs, **kwargs)  # type: ignore[arg-type]
    except JoinedupError as exc:
        with pytest.raises(JoinedupError, match=str(exc).split(":")[0]):
            cluster(pairs, **kwargs)  # type: ignore[arg-type]
        return
    got = cluster(pairs, **kwargs)  # type: ignore[arg-type]
    assert got == expected


@settings(max_examples=300, deadline=None)
@given(
    st.lists(row, max_size=30),
    st.lists(pair, max_size=2),
    st.lists(pair, max_size=2),
    st.dictionaries(record, st.sampled_from(["PA", "PB", "PC"]), max_size=10),
    st.booleans(),
    st.booleans(),
)
def test_agrees_with_the_reference(rows, must, cannot, previous, with_ids, unambiguous):
    _both(
        _frame(rows),
        threshold=0.999,
        must_link=must,
        cannot_link=cannot,
        ids=RECORDS if with_ids else None,
        previous=previous or None,
        unambiguous_probability=0.65 if unambiguous else None,
    )


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(record, record, st.sampled_from(PROBABILITIES)), max_size=25))
def test_agrees_with_the_reference_on_probabilities_alone(rows):
    pairs = pd.DataFrame(
        [r for r in rows if r[0] != r[1]],
        columns=["unique_id_l", "unique_id_r", "match_probability"],
    )
    _both(pairs, threshold=0.999)


def test_agrees_with_the_reference_at_scale():
    # Thousands of records, names that repeat, persons of several records: the shape of a run.
    rng = np.random.default_rng(7)
    keys = np.array([f"src{rng.integers(3)}|{i:05d}" for i in range(3_000)], dtype=object)
    left_at = rng.integers(0, len(keys), 20_000)
    right_at = np.minimum(left_at + rng.integers(1, 40, len(left_at)), len(keys) - 1)
    keep = left_at != right_at
    left, right = keys[left_at[keep]], keys[right_at[keep]]
    weights = rng.choice(FIELD_WEIGHTS, size=(len(left), len(COMPARISONS)))
    total = weights.sum(axis=1) + rng.choice([-4.0, 0.0, 4.0, 12.0], len(left))
    frame = pd.DataFrame(
        {
            "unique_id_l": np.where(left < right, left, right),
            "unique_id_r": np.where(left < right, right, left),
            "match_weight": total,
            "match_probability": 1 / (1 + 2.0**-total),
        }
    )
    for name, column in zip(COMPARISONS, weights.T, strict=True):
        frame[f"mw_{name}"] = column
    previous = {key: f"P{rng.integers(800)}" for key in keys[::2]}
    _both(frame, threshold=0.999, ids=list(keys), previous=previous)
