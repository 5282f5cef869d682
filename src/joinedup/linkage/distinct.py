"""Deriving a column once per distinct value, or per distinct combination of columns.

Person fields repeat heavily across records (names, dates, postcodes, titles), so
`linkage.frame` derives each matching column from the distinct values of the fields it reads
and lets the rows take their result by position, instead of deriving it row by row.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any

import numpy as np
import pandas as pd


class Distinct:
    """A column as its distinct values and, per row, the position of the one it holds.

    Person fields repeat heavily across records (names, dates, postcodes, titles), so each
    derivation runs once per distinct value, or per distinct combination of the columns it
    reads (`combine`), and the rows take their result by position. A null (``None`` or NaN)
    is the value ``None``: every derivation treats the two alike.
    """

    def __init__(self, codes: np.ndarray, values: list[Any]) -> None:
        self.codes = codes
        self.values = values

    @classmethod
    def of(cls, values: Iterable[Any] | pd.Series) -> Distinct:
        items = _objects(values)
        try:
            codes, uniques = pd.factorize(items)
        except TypeError:  # an unhashable value (a list where a string belongs): by repr
            keys = [v if isinstance(v, Hashable) else repr(v) for v in items]
            seen: dict[Hashable, int] = {}
            codes = np.fromiter((seen.setdefault(k, len(seen)) for k in keys), np.int64, len(keys))
            return cls(codes, list(items[np.unique(codes, return_index=True)[1]]))
        return cls(np.where(codes < 0, len(uniques), codes), [*uniques, None])

    def map(self, func: Callable[[Any], Any]) -> Distinct:
        """``func`` of each row's value, called once per distinct value."""
        return Distinct(self.codes, [func(value) for value in self.values])

    def rows(self) -> np.ndarray:
        """The value of each row, as an object array."""
        return _objects(self.values)[self.codes]


def combine(func: Callable[..., Any], *parts: Distinct) -> Distinct:
    """``func`` of each row's values in several columns, once per distinct combination."""
    codes = pd.factorize(parts[0].codes)[0]
    for part in parts[1:]:
        # Both codes are below the row count, so the pair fits an int64 for any frame we build.
        codes = pd.factorize(codes * len(part.values) + part.codes)[0]
    firsts = np.unique(codes, return_index=True)[1]
    columns = [_objects(part.values)[part.codes[firsts]] for part in parts]
    return Distinct(codes, [func(*row) for row in zip(*columns, strict=True)])


def _objects(values: Iterable[Any] | pd.Series) -> np.ndarray:
    if isinstance(values, pd.Series):
        return values.to_numpy(dtype=object)
    items = list(values)
    out = np.empty(len(items), dtype=object)
    for position, value in enumerate(items):  # one by one: numpy would unpack a tuple
        out[position] = value
    return out
