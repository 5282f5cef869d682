"""A prediction sorted in the engine is tidied without sorting again, to the same pairs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from joinedup.linkage.levels import COMPARISON_NAMES
from joinedup.linkage.prediction_pairs import tidy_pairs as _tidy_pairs


def _prediction(rows: list[tuple[str, str]]) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(rows, columns=["unique_id_l", "unique_id_r"])
    frame["match_weight"] = rng.normal(size=len(rows))
    frame["match_probability"] = rng.random(len(rows))
    for name in COMPARISON_NAMES:
        frame[f"mw_{name}"] = rng.normal(size=len(rows))
    return frame


def test_an_engine_sorted_prediction_tidies_as_a_pandas_sort_would() -> None:
    # As the engine hands them over: low id first (by string), sorted.
    ids = [(f"s:{a}", f"s:{b}") for a in range(30) for b in range(a + 1, 30, 7)]
    pairs = sorted({(min(pair), max(pair)) for pair in ids})
    pairs += [("é:1", "é:2"), ("z", "ž")]  # past ASCII: code point order either way
    pairs.sort()
    ordered = _prediction(pairs)
    ordered.attrs["ordered"] = True
    shuffled = ordered.sample(frac=1.0, random_state=1).reset_index(drop=True)
    shuffled.attrs = {}
    pd.testing.assert_frame_equal(_tidy_pairs([ordered]), _tidy_pairs([shuffled]))


def test_a_repeated_pair_is_kept_once() -> None:
    ordered = _prediction([("a", "b"), ("a", "b"), ("a", "c")])
    ordered.attrs["ordered"] = True
    tidy = _tidy_pairs([ordered])
    assert list(zip(tidy["unique_id_l"], tidy["unique_id_r"], strict=True)) == [
        ("a", "b"),
        ("a", "c"),
    ]
