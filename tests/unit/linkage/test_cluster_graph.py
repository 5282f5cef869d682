"""The clustering structures' own building blocks, held to the numpy calls they replace."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from joinedup.linkage.cluster_graph import Neighbours, _stable_order


@given(st.lists(st.integers(min_value=0, max_value=40), max_size=300))
def test_stable_order_is_numpy_stable_argsort(owners: list[int]) -> None:
    owner = np.asarray(owners, dtype=np.int64)
    assert _stable_order(owner).tolist() == np.argsort(owner, kind="stable").tolist()


def test_stable_order_falls_back_outside_the_packed_range() -> None:
    owner = np.asarray([3, 1 << 40, 3, 0], dtype=np.int64)
    assert _stable_order(owner).tolist() == [3, 0, 2, 1]


def test_neighbours_keep_entries_in_the_order_given() -> None:
    left = np.asarray([0, 1, 0, 2])
    right = np.asarray([1, 2, 2, 0])
    index = Neighbours.in_pair_order(3, left, right, np.asarray([10.0, 11.0, 12.0, 13.0]))
    assert index.entries(0) == [(1, 10.0), (2, 12.0), (2, 13.0)]
    assert index.entries(2) == [(1, 11.0), (0, 12.0), (0, 13.0)]
