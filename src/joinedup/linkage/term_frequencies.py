"""Name frequencies for Splink's term-frequency adjustment, smoothed so small data stay sane.

Agreeing on ``SMITH`` says less than agreeing on ``OKONKWO``; Splink scales the exact-match
weight by how common the value is. Splink would count frequencies in the data at hand, which in
a data set of five records makes every name look like a fifth of the population. Here each
frequency is shrunk towards the average chance that two people share a name (the level's u) by
``PSEUDO_RECORDS`` imaginary records: a thousand records barely move a borough's frequencies but
stop a handful of records from saying anything extreme.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

#: Columns whose exact-match level is frequency-adjusted, with the prior share of pairs agreeing.
TF_COLUMNS: dict[str, float] = {"given_key": 0.01, "family_key": 0.003}

PSEUDO_RECORDS = 1000.0


def smoothed_frequencies(values: pd.Series, prior: float) -> pd.DataFrame:
    """Frequency of each distinct non-null value, shrunk towards ``prior``.

    Returns a frame of the value and ``tf_<column>``; the column name is ``values.name``.
    """
    column = str(values.name)
    counts = values.dropna().value_counts()
    total = float(counts.sum())
    tf = (counts + PSEUDO_RECORDS * prior) / (total + PSEUDO_RECORDS)
    return pd.DataFrame({column: counts.index.astype(str), f"tf_{column}": tf.to_numpy(float)})


def register_term_frequencies(linker: Any, api: Any, df: pd.DataFrame) -> None:
    """Register smoothed frequency tables for `TF_COLUMNS` with ``linker``."""
    for column, prior in TF_COLUMNS.items():
        table = smoothed_frequencies(df[column], prior)
        if api.sql_dialect.sql_dialect_str == "spark":
            sdf = api.register(
                api.spark.createDataFrame(table), dataset_display_name=f"tf_{column}"
            )
        else:
            sdf = api.register(table, dataset_display_name=f"tf_{column}")
        linker.table_management.register_term_frequency_lookup(sdf, column)


__all__ = ["TF_COLUMNS", "register_term_frequencies", "smoothed_frequencies"]
