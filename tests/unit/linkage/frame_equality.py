"""Strict equality of two model frames: the same columns, dtypes, index and values, where a NaN
differs from ``None`` and a tuple from a list (``DataFrame.equals`` would let both pass)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd


def _exact(value: Any) -> tuple[str, Any]:
    if isinstance(value, float) and math.isnan(value):
        return ("nan", None)
    return (type(value).__name__, value)


def assert_same_frame(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(got.columns) == list(expected.columns)
    assert list(got.dtypes) == list(expected.dtypes)
    assert type(got.index) is type(expected.index) and got.index.equals(expected.index)
    for column in expected.columns:
        assert [_exact(v) for v in got[column]] == [_exact(v) for v in expected[column]], column
