"""A Splink prediction read into pandas: the pairs clustering, review and explanations read.

One row a pair, low key first, sorted: both keys, the match weight and probability, and each
comparison's weight with its name-frequency adjustment folded in (``mw_<comparison>``), and
`GENERATION_UNKNOWN`. Selected in the engine so that only those
columns cross into Python; on DuckDB the pair crosses as two ranks into the sorted keys
(`key_positions`). :class:`joinedup.linkage.model.PersonModel` scores, this reads the scores.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from joinedup.linkage import pair_keys
from joinedup.linkage.levels import COMPARISON_NAMES

_PAIR_COLUMNS = ["unique_id_l", "unique_id_r", "match_weight", "match_probability"]

#: Pair column: one record says which of two namesakes of one family it is (Snr, Jr), the other
#: does not, and one holds no date of birth that could tell them apart. The name then fits both
#: namesakes, whether or not any source holds the other one, so clustering never links such a
#: pair on the unambiguous band's evidence (a council-tax "Mr D Dunwick" is not known to be
#: Derek Jr when only Derek Jr is in a second source).
GENERATION_UNKNOWN = "generation_unknown"


def empty_pairs() -> pd.DataFrame:
    columns = _PAIR_COLUMNS + [f"mw_{n}" for n in COMPARISON_NAMES]
    empty = {c: pd.Series(dtype=object if "unique" in c else float) for c in columns}
    return pd.DataFrame({**empty, GENERATION_UNKNOWN: pd.Series(dtype=bool)})


def with_generation_unknown(pairs: pd.DataFrame, df: pd.DataFrame | pa.Table) -> pd.DataFrame:
    """``pairs`` with the `GENERATION_UNKNOWN` column, from the records in ``df``.

    Few records carry a suffix, so only the pairs with one are looked at any further.
    """
    if GENERATION_UNKNOWN in pairs.columns:
        return pairs
    if isinstance(df, pa.Table):
        ids = df.column("unique_id").to_pandas()
        generation, dob = df.column("generation").to_pandas(), df.column("dob").to_pandas()
    else:
        ids, generation, dob = df["unique_id"], df["generation"], df["dob"]
    marked = set(ids[generation.notna().to_numpy()])
    left, right = pairs["unique_id_l"], pairs["unique_id_r"]
    flag = left.isin(marked).to_numpy() != right.isin(marked).to_numpy()
    if flag.any():
        undated = set(ids[dob.isna().to_numpy()])
        rows = np.flatnonzero(flag)
        flag[rows] = (
            left.iloc[rows].isin(undated).to_numpy() | right.iloc[rows].isin(undated).to_numpy()
        )
    pairs[GENERATION_UNKNOWN] = flag
    return pairs


#: The DuckDB table of every record key with its rank in sorted order (`key_positions`).
_POSITIONS = "joinedup_key_positions"


def key_positions(api: Any, ids: pd.Series | pa.ChunkedArray) -> pd.CategoricalDtype | None:
    """Every record key sorted, registered with a DuckDB API as `_POSITIONS` (key, its rank).

    The prediction then hands each pair to Python as two ranks rather than two strings: turning
    millions of DuckDB strings into Python objects was most of reading a full run's pairs at a
    million records (~10 s), and ranks come back as plain integer columns. ``None`` (and nothing
    registered) for other engines, or keys that are not unique.
    """
    if not hasattr(api, "duckdb_con"):
        return None
    import pyarrow.compute as pc

    if isinstance(ids, pa.ChunkedArray):
        keys = ids.combine_chunks().cast(pa.string())
    else:
        keys = pa.array(ids.to_numpy(dtype=object), pa.string())
    if pc.count_distinct(keys).as_py() != len(keys) or keys.null_count:
        return None
    # Arrow compares UTF-8 bytes, as DuckDB does and as Python orders str: ranks follow keys.
    ordered = keys.take(pc.sort_indices(keys))
    positions = pa.table({"unique_id": ordered, "pos": pa.array(np.arange(len(ordered)))})
    api.duckdb_con.register(_POSITIONS, positions)
    return pair_keys.sorted_keys_dtype(ordered.to_numpy(zero_copy_only=False))


def fetch_pairs(
    result: Any, keys: pd.CategoricalDtype | None = None, *, as_codes: bool = False
) -> pd.DataFrame:
    """A Splink prediction as clustering, review and explanations read it, selected in the engine.

    Only those columns cross into Python — each comparison's weight with its name-frequency
    adjustment folded in, the pair in order — and Splink's table is dropped once read: a full
    run over a million records scores millions of pairs, and the term-frequency columns and two
    copies of the table are what tipped it over the machine's memory. With ``keys`` (from
    `key_positions`) the pair crosses as two ranks, turned back into the same keys here —
    or, ``as_codes``, kept as ranks: key columns that are categoricals over the sorted keys
    (`pair_keys`), equal to the keys as strings.
    """
    present = {column.unquote().name for column in result.columns}
    # DuckDB hands rows over in the order it sorted them; Spark's collect need not, so only
    # DuckDB's prediction is sorted in the engine (the others are sorted in `tidy_pairs`).
    in_order = type(result).__name__ == "DuckDBDataFrame"
    weights = []
    for name in COMPARISON_NAMES:
        weight = f"mw_{name}" if f"mw_{name}" in present else "CAST(NULL AS DOUBLE)"
        if f"mw_tf_adj_{name}" in present:
            weight = f"{weight} + COALESCE(mw_tf_adj_{name}, 0.0)"
        weights.append(f"{weight} AS mw_{name}")
    columns = (
        "LEAST(unique_id_l, unique_id_r) AS unique_id_l, "
        "GREATEST(unique_id_l, unique_id_r) AS unique_id_r, match_weight, match_probability, "
        + ", ".join(weights)
    )
    ranked = in_order and keys is not None
    if ranked:
        rest = ["match_weight", "match_probability", *(f"mw_{n}" for n in COMPARISON_NAMES)]
        query = (
            "SELECT l.pos AS pos_l, r.pos AS pos_r, "
            + ", ".join(f"p.{c}" for c in rest)
            + f" FROM (SELECT {columns} FROM {{this}}) AS p"
            + f" JOIN {_POSITIONS} AS l ON p.unique_id_l = l.unique_id"
            + f" JOIN {_POSITIONS} AS r ON p.unique_id_r = r.unique_id"
            + " ORDER BY pos_l, pos_r"
        )
    else:
        query = f"SELECT {columns} FROM {{this}}" + (
            " ORDER BY unique_id_l, unique_id_r" if in_order else ""
        )
    if in_order:
        # Straight from the query into Arrow, a column a block: no table in between (8M pairs
        # sorted into one cost ~4 s) and no pandas consolidation of a dozen float columns into
        # one block (~8 s at a million records), which DuckDB's own ``df()`` does.
        con = result.db_api.duckdb_con
        arrow = con.sql(query.replace("{this}", result.physical_name)).fetch_arrow_table()
        result.drop_table_from_database_and_remove_from_cache()
        frame = arrow.to_pandas(split_blocks=True, self_destruct=True)
        del arrow
    else:
        narrow = result.query_sql(query)
        result.drop_table_from_database_and_remove_from_cache()
        frame = narrow.as_pandas_dataframe()
        narrow.drop_table_from_database_and_remove_from_cache()
    if ranked:
        assert keys is not None
        for at, side in enumerate(("l", "r")):
            ranks = frame.pop(f"pos_{side}").to_numpy()
            column = (
                pair_keys.as_keys(ranks, keys) if as_codes else keys.categories.to_numpy()[ranks]
            )
            frame.insert(at, f"unique_id_{side}", column)
    # Ordered in the engine (in parallel, on its own strings): sorting millions of pairs of
    # Python strings in pandas cost a full run at 1M records ~25 s of one core.
    frame.attrs["ordered"] = in_order
    return frame


def tidy_pairs(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_pairs()
    keep = _PAIR_COLUMNS + [f"mw_{n}" for n in COMPARISON_NAMES]
    if len(frames) == 1 and frames[0].attrs.get("ordered"):
        # One prediction, each pair already low id first and sorted: a repeat would be adjacent.
        only = frames[0]
        lows = only["unique_id_l"].to_numpy()
        highs = only["unique_id_r"].to_numpy()
        repeat = np.zeros(len(only), dtype=bool)
        repeat[1:] = (lows[1:] == lows[:-1]) & (highs[1:] == highs[:-1])
        if repeat.any():
            only = only[~repeat]
        elif list(only.columns) == keep and isinstance(only.index, pd.RangeIndex):
            return only  # already in shape: two copies of millions of pairs saved
        return only[keep].reset_index(drop=True)
    pairs = pd.concat(frames, ignore_index=True)
    for name in COMPARISON_NAMES:
        tf_column = f"mw_tf_adj_{name}"
        if tf_column in pairs.columns:
            # Explanations want one weight per comparison: fold the name-frequency adjustment in.
            pairs[f"mw_{name}"] = pairs[f"mw_{name}"] + pairs[tf_column].fillna(0.0)
    swap = pairs["unique_id_l"] > pairs["unique_id_r"]
    left = pairs["unique_id_l"].where(~swap, pairs["unique_id_r"])
    right = pairs["unique_id_r"].where(~swap, pairs["unique_id_l"])
    pairs["unique_id_l"], pairs["unique_id_r"] = left, right
    pairs = pairs[keep].drop_duplicates(["unique_id_l", "unique_id_r"])
    return pairs.sort_values(["unique_id_l", "unique_id_r"], ignore_index=True)
