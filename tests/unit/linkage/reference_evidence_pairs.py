"""`joinedup.linkage.index._evidence_pairs` as it was before it looked each record up once
(four hashed look-ups of every pair's two keys, and a sort on the key strings), kept as the
reference the faster one must agree with exactly: the same rows, in the same order."""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np
import pandas as pd


def reference_evidence_pairs(
    pairs: pd.DataFrame, membership: Mapping[str, str], wanted: Collection[str]
) -> pd.DataFrame:
    weight = pairs["match_weight"].to_numpy(dtype=float)
    if not len(pairs) or np.isnan(weight).any():
        return pairs
    left = pairs["unique_id_l"].to_numpy(dtype=object)
    right = pairs["unique_id_r"].to_numpy(dtype=object)
    persons = pd.Series(membership, dtype=object)
    person_l = persons.reindex(left).to_numpy()
    inside = pd.notna(person_l) & (person_l == persons.reindex(right).to_numpy())
    entries = []
    keys = pd.Index(list(wanted), dtype=object)
    for side in (left, right):
        rows = np.flatnonzero(inside & (keys.get_indexer(pd.Index(side, dtype=object)) >= 0))
        entries.append(pd.DataFrame({"key": side[rows], "row": rows, "weight": -weight[rows]}))
    best = pd.concat(entries, ignore_index=True).sort_values(
        ["key", "weight", "row"], kind="stable"
    )
    chosen = np.unique(best.drop_duplicates("key")["row"].to_numpy())
    return pairs.iloc[chosen]
