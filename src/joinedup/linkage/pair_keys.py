"""A pair's two record keys as integer codes into the sorted keys, whatever form they came in.

A full run's DuckDB prediction hands its pairs over as ranks into the sorted record keys
(`prediction_pairs.key_positions`); they are kept as an *ordered categorical* whose categories
are those keys, so eight million pairs are two integer arrays, not sixteen million Python string
references. Clustering, explanations and the review queue all look pairs up by record: with
the codes at hand they index one array instead of hashing the strings again, each of them.
Any other frame (plain strings, or categoricals that disagree) gives ``None`` from `codes`,
and the caller takes its string path, which gives the same answer.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def sorted_keys_dtype(keys: np.ndarray) -> pd.CategoricalDtype:
    """The dtype of key columns whose categories are ``keys``, unique and in sorted order."""
    return pd.CategoricalDtype(pd.Index(keys, dtype=object), ordered=True)


def as_keys(codes: np.ndarray, dtype: pd.CategoricalDtype) -> pd.Categorical:
    """Each code as its key, held as codes (see the module's docstring)."""
    return pd.Categorical.from_codes(codes, dtype=dtype)


def codes(left: pd.Series, right: pd.Series) -> tuple[pd.Index, np.ndarray, np.ndarray] | None:
    """``(keys, left codes, right codes)`` when both columns are the same ordered categorical
    over sorted keys with no missing value, so that ``keys[code]`` is the record key and codes
    order as the keys do; else ``None``."""
    dtype = left.dtype
    if not isinstance(dtype, pd.CategoricalDtype) or dtype != right.dtype or not dtype.ordered:
        return None
    keys = dtype.categories
    if keys.dtype != object or not keys.is_monotonic_increasing:
        return None
    at_l = left.cat.codes.to_numpy(dtype=np.int64)
    at_r = right.cat.codes.to_numpy(dtype=np.int64)
    if (len(at_l) and at_l.min() < 0) or (len(at_r) and at_r.min() < 0):
        return None
    return keys, at_l, at_r


def compact(
    keys: pd.Index, at_l: np.ndarray, at_r: np.ndarray, extra: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """The keys the pairs and ``extra`` use, sorted, with every code renumbered into them:
    ``(used keys, left, right, extra)``; ``None`` if an ``extra`` key is not among ``keys``."""
    at_extra = np.zeros(0, dtype=np.int64)
    if len(extra):
        at_extra = keys.get_indexer(pd.Index(list(extra), dtype=object)).astype(np.int64)
    if len(at_extra) and at_extra.min() < 0:
        return None
    used = np.zeros(len(keys), dtype=bool)
    for part in (at_l, at_r, at_extra):
        used[part] = True
    renumber = np.cumsum(used) - 1
    return keys.to_numpy()[used], renumber[at_l], renumber[at_r], renumber[at_extra]


def rows_as_strings(column: pd.Series, rows: np.ndarray) -> np.ndarray:
    """The keys of ``rows`` of a key column as an array of str, taking only those rows."""
    picked = column.iloc[rows]
    if isinstance(picked.dtype, pd.CategoricalDtype) and picked.dtype.categories.dtype == object:
        return picked.to_numpy(dtype=object)
    return picked.astype(str).to_numpy()
