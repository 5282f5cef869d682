"""EM's training blocks are sampled down to a bounded number of pairs, uniformly over pairs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from joinedup.linkage.training import block_columns


def _frame(records: int, dobs: int, names: int) -> pd.DataFrame:
    ids = np.arange(records)
    return pd.DataFrame(
        {
            "unique_id": ids.astype(str),
            "dob": [f"1960-01-{i % dobs + 1:02d}" for i in ids],
            "given_key": [f"G{i % names}" for i in ids],
            "family_key": ["SMITH"] * records,
        }
    )


def _pairs(column: pd.Series) -> float:
    sizes = column.value_counts(dropna=True).to_numpy(dtype=float)
    return float((sizes * (sizes - 1) / 2).sum())


@pytest.mark.parametrize(
    ("max_pairs", "dob_kept", "name_kept"),
    [
        (1e9, 1.0, 1.0),  # under the bound: every record in every block
        (100_000, 0.0, 1.0),  # only the larger (date of birth) block is sampled
        (2_000, 0.0, 0.0),  # both sampled
    ],
)
def test_blocks_over_the_bound_are_sampled(
    max_pairs: float, dob_kept: float, name_kept: float
) -> None:
    df = _frame(
        4_000, dobs=28, names=100
    )  # dob: 28 blocks of ~143 (~284k pairs); name: 100 of 40 (78k)
    out, sample = block_columns(df, max_pairs=max_pairs)
    for alias, expect_all in (("train_dob", dob_kept), ("train_name", name_kept)):
        full_pairs = sample[alias]["pairs"]
        kept = sample[alias]["records_kept"]
        if expect_all:
            assert kept == 1.0
            assert out[alias].notna().all()
        else:
            assert kept < 1.0
            # Each pair survives with chance kept²: the sample lands near the bound.
            assert _pairs(out[alias]) == pytest.approx(max_pairs, rel=0.25)
            assert full_pairs > max_pairs


def test_the_sample_is_the_same_on_every_run_and_differs_by_seed() -> None:
    df = _frame(4_000, dobs=28, names=100)
    first, _ = block_columns(df, max_pairs=2_000)
    again, _ = block_columns(df, max_pairs=2_000)
    other, _ = block_columns(df, seed=7, max_pairs=2_000)
    assert first["train_dob"].isna().equals(again["train_dob"].isna())
    assert not first["train_dob"].isna().equals(other["train_dob"].isna())


def test_a_missing_field_keeps_the_record_out_of_the_block() -> None:
    df = _frame(10, dobs=2, names=2)
    df.loc[0, "dob"] = None
    out, sample = block_columns(df)
    assert out["train_dob"].loc[0] is None
    assert sample["train_dob"]["pairs"] == 4 * 3 / 2 + 5 * 4 / 2
