"""Pairs whose keys are held as codes give what the same pairs as strings give, everywhere
they are read: clustering's codes, explanations' positions, the review queue."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.errors import JoinedupError
from joinedup.linkage import explain, pair_keys, review
from joinedup.linkage.cluster import cluster
from joinedup.linkage.cluster_graph import Codes

# Keys that sort differently by code point than by case or length, as record keys can.
KEYS = sorted(["a:1", "a:10", "a:2", "B:1", "b:1", "é:1", "z:0", "Z:9", "a:1 ", "ä:3"])


@st.composite
def pair_frames(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same pairs twice: keys as strings, and as codes into the sorted keys."""
    n = draw(st.integers(min_value=0, max_value=25))
    codes = st.integers(min_value=0, max_value=len(KEYS) - 1)
    left = np.asarray(draw(st.lists(codes, min_size=n, max_size=n)), dtype=np.int64)
    right = np.asarray(draw(st.lists(codes, min_size=n, max_size=n)), dtype=np.int64)
    keep = left != right
    low, high = np.minimum(left, right)[keep], np.maximum(left, right)[keep]
    probability = np.asarray(
        draw(st.lists(st.floats(0.0, 1.0), min_size=len(low), max_size=len(low))), dtype=float
    )
    weight = np.log2(
        np.clip(probability, 1e-9, 1 - 1e-9) / (1 - np.clip(probability, 1e-9, 1 - 1e-9))
    )
    keys = np.asarray(KEYS, dtype=object)
    plain = pd.DataFrame(
        {
            "unique_id_l": keys[low],
            "unique_id_r": keys[high],
            "match_weight": weight,
            "match_probability": probability,
        }
    )
    dtype = pair_keys.sorted_keys_dtype(keys)
    coded = plain.copy()
    coded["unique_id_l"] = pair_keys.as_keys(low, dtype)
    coded["unique_id_r"] = pair_keys.as_keys(high, dtype)
    return plain, coded


def _same_codes(a: Codes, b: Codes) -> None:
    assert a.keys.tolist() == b.keys.tolist()
    for side in ("left", "right", "extra"):
        assert getattr(a, side).tolist() == getattr(b, side).tolist()


@given(pair_frames(), st.lists(st.sampled_from(KEYS), max_size=6))
def test_codes_read_off_a_coded_frame_equal_codes_hashed_from_strings(
    frames: tuple[pd.DataFrame, pd.DataFrame], extra: list[str]
) -> None:
    plain, coded = frames
    expected = Codes(plain["unique_id_l"].to_numpy(), plain["unique_id_r"].to_numpy(), extra)
    assert pair_keys.codes(coded["unique_id_l"], coded["unique_id_r"]) is not None
    _same_codes(Codes.of_pairs(coded["unique_id_l"], coded["unique_id_r"], extra), expected)
    _same_codes(Codes.of_pairs(plain["unique_id_l"], plain["unique_id_r"], extra), expected)


def test_an_extra_key_outside_the_codes_takes_the_string_path() -> None:
    dtype = pair_keys.sorted_keys_dtype(np.asarray(["a", "b", "c"], dtype=object))
    left = pd.Series(pair_keys.as_keys(np.asarray([0]), dtype))
    right = pd.Series(pair_keys.as_keys(np.asarray([2]), dtype))
    codes = Codes.of_pairs(left, right, ["0-new", "b"])
    assert codes.keys.tolist() == ["0-new", "a", "b", "c"]
    assert codes.left.tolist() == [1] and codes.right.tolist() == [3]
    assert codes.extra.tolist() == [0, 2]


@pytest.mark.parametrize(
    "column",
    [
        pd.Series(["a", "b"], dtype=object),  # strings
        pd.Series(pd.Categorical(["a", "b"])),  # unordered
        pd.Series(pd.Categorical(["a", "b"], categories=["b", "a"], ordered=True)),  # unsorted
        pd.Series(pd.Categorical(["a", None], categories=["a", "b"], ordered=True)),  # missing
    ],
)
def test_other_key_columns_are_not_taken_for_codes(column: pd.Series) -> None:
    assert pair_keys.codes(column, column) is None


@settings(max_examples=60)
@given(pair_frames(), st.data())
def test_clustering_explanations_and_review_read_coded_pairs_as_strings(
    frames: tuple[pd.DataFrame, pd.DataFrame], data: st.DataObject
) -> None:
    plain, coded = frames
    persons = cluster(plain, threshold=0.9, ids=KEYS)
    assert cluster(coded, threshold=0.9, ids=KEYS) == persons
    wanted = set(data.draw(st.lists(st.sampled_from(KEYS), max_size=5)))
    assert explain.best_evidence(coded, persons, wanted) == explain.best_evidence(
        plain, persons, wanted
    )
    for got, expected in zip(
        explain.wanted_inside(coded, persons, wanted),
        explain.wanted_inside(plain, persons, wanted),
        strict=True,
    ):
        assert list(got) == list(expected)
    assert review.find_candidates(coded, persons) == review.find_candidates(plain, persons)


def test_a_pair_of_a_record_with_itself_is_refused_in_either_form() -> None:
    dtype = pair_keys.sorted_keys_dtype(np.asarray(["a", "b"], dtype=object))
    for keys in (
        pd.Series(["a", "b"], dtype=object),
        pd.Series(pair_keys.as_keys(np.asarray([0, 1]), dtype)),
    ):
        pairs = pd.DataFrame(
            {
                "unique_id_l": keys,
                "unique_id_r": keys,
                "match_weight": [1.0, 2.0],
                "match_probability": [0.1, 0.2],
            }
        )
        with pytest.raises(JoinedupError, match="two different records"):
            review.find_candidates(pairs, {"a": "p", "b": "q"})
