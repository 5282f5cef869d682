"""The data structures clustering walks: records as integer codes, neighbour lists, groups.

A full run clusters millions of scored pairs. Held as Python dicts of sets keyed by record
strings, those pairs took most of a minute to index before a single link was decided; here every
index is built by numpy in one pass over arrays, and the Python loops that remain (deciding links
one by one, strongest first) touch only the few records each decision involves.

Codes follow the sorted order of the record keys, so "the smallest key" and "ties broken by the
keys" are decided on integers with the same answer as on the strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from joinedup.linkage import pair_keys


class Codes:
    """Every record once, as an integer code in sorted key order.

    ``keys[code]`` is the record key; ``left`` and ``right`` are the codes of each pair's two
    records, ``extra`` those of the other records handed in, in the order given.
    """

    def __init__(self, left: np.ndarray, right: np.ndarray, extra: Sequence[str]) -> None:
        everything = np.concatenate([left, right, np.asarray(list(extra), dtype=object)])
        hashed, uniques = pd.factorize(everything)
        # Arrow compares UTF-8 bytes, which orders strings as Python does (by code point).
        rank = pc.sort_indices(pa.array(uniques, pa.string())).to_numpy()
        position = np.empty(len(uniques), dtype=np.int64)
        position[rank] = np.arange(len(uniques), dtype=np.int64)
        codes = position[hashed] if len(hashed) else np.zeros(0, dtype=np.int64)
        self.keys: np.ndarray = np.asarray(uniques, dtype=object)[rank]
        self.left = codes[: len(left)]
        self.right = codes[len(left) : len(left) + len(right)]
        self.extra = codes[len(left) + len(right) :]

    @classmethod
    def of_pairs(cls, left: pd.Series, right: pd.Series, extra: Sequence[str]) -> Codes:
        """The codes of a pairs frame's two key columns and ``extra``: read off the columns
        when they are codes already (`pair_keys`), else as ``Codes(...)`` from the strings."""
        coded = pair_keys.codes(left, right)
        packed = pair_keys.compact(*coded, extra) if coded is not None else None
        if packed is None:
            return cls(left.astype(str).to_numpy(), right.astype(str).to_numpy(), extra)
        made = cls.__new__(cls)
        made.keys, made.left, made.right, made.extra = packed
        return made

    def __len__(self) -> int:
        return len(self.keys)

    def of(self, keys: Sequence[str]) -> np.ndarray:
        """The codes of ``keys``; -1 for a key that is not a record here."""
        return pd.Index(self.keys).get_indexer(pd.Index(list(keys), dtype=object))


class Neighbours:
    """For each record code, its entries (another record and a payload per entry), in the
    order the entries were given: a sorted index (CSR), not a dict of lists — a million pairs
    would make millions of small Python objects."""

    def __init__(self, size: int, owner: np.ndarray, other: np.ndarray, *payload: np.ndarray):
        order = _stable_order(owner)
        start = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(np.bincount(owner, minlength=size), out=start[1:])
        self.start: list[int] = start.tolist()
        # Arrays, sliced per look-up: as Python lists, every pair of a million records twice
        # over would be tens of millions of int and float objects.
        self._other = other[order]
        self._payload = [column[order] for column in payload]

    @cached_property
    def other(self) -> list[int]:
        """Every entry's other record, for a loop that indexes entries one by one (a list is
        several times faster to index than an array)."""
        return self._other.tolist()

    @cached_property
    def payload(self) -> list[list[Any]]:
        """Every entry's payload columns, as `other`."""
        return [column.tolist() for column in self._payload]

    def others(self, code: int) -> list[int]:
        """The other records of ``code``'s entries."""
        return self._other[self.start[code] : self.start[code + 1]].tolist()

    def entries(self, code: int) -> list[tuple[Any, ...]]:
        """``(other, *payload)`` for each entry of ``code``."""
        lo, hi = self.start[code], self.start[code + 1]
        columns = [self._other[lo:hi].tolist(), *(c[lo:hi].tolist() for c in self._payload)]
        return list(zip(*columns, strict=True))

    def degrees(self) -> list[int]:
        """How many entries each record has."""
        return [hi - lo for lo, hi in zip(self.start[:-1], self.start[1:], strict=True)]

    @classmethod
    def in_pair_order(
        cls, size: int, left: np.ndarray, right: np.ndarray, *payload: np.ndarray
    ) -> Neighbours:
        """Each pair under both its records, each record's entries in pair order."""
        return cls(
            size,
            np.column_stack([left, right]).ravel(),
            np.column_stack([right, left]).ravel(),
            *(np.repeat(column, 2) for column in payload),
        )

    @classmethod
    def both_ways(
        cls, size: int, left: np.ndarray, right: np.ndarray, *payload: np.ndarray
    ) -> Neighbours:
        """Each pair under both its records: first where the record is on the left (in pair
        order), then where it is on the right."""
        return cls(
            size,
            np.concatenate([left, right]),
            np.concatenate([right, left]),
            *(np.concatenate([column, column]) for column in payload),
        )


def _stable_order(owner: np.ndarray) -> np.ndarray:
    """``np.argsort(owner, kind="stable")``, faster for the large arrays clustering sorts.

    numpy's stable sort of int64 is a merge sort; a plain sort of unique 64-bit keys (the owner
    in the high half, the position in the low) gives the same order in about a third of the time
    (16M entries: 2.6 -> 0.9 s), and clustering a million records sorts several such arrays.
    """
    n = len(owner)
    if n == 0 or n >= 1 << 32 or int(owner.min()) < 0 or int(owner.max()) >= 1 << 31:
        return np.argsort(owner, kind="stable")
    keys = (owner.astype(np.int64) << 32) | np.arange(n, dtype=np.int64)
    keys.sort()
    return keys & 0xFFFFFFFF


class Groups:
    """Union–find over record codes that keeps each group's members, merging the smaller group
    into the larger (the order of members is the order they joined), and the sum of a degree
    given per record."""

    def __init__(self, size: int, degree: list[int]) -> None:
        self.root: list[int] = list(range(size))
        self._members: dict[int, list[int]] = {}
        self._degree = degree
        self._merged_degree: dict[int, int] = {}

    def members(self, root: int) -> list[int]:
        """The records of the group whose root is ``root``."""
        return self._members.get(root) or [root]

    def degree(self, root: int) -> int:
        """The sum of the degrees given for the group's records."""
        return self._merged_degree.get(root, self._degree[root])

    def size(self, root: int) -> int:
        found = self._members.get(root)
        return len(found) if found else 1

    def union(self, a: int, b: int) -> int:
        ra, rb = self.root[a], self.root[b]
        if ra == rb:
            return ra
        if self.size(ra) < self.size(rb):
            ra, rb = rb, ra
        self._merged_degree[ra] = self.degree(ra) + self._merged_degree.pop(rb, self._degree[rb])
        moving = self._members.pop(rb, None) or [rb]
        for member in moving:
            self.root[member] = ra
        self._members.setdefault(ra, [ra]).extend(moving)
        return ra

    def representatives(self) -> np.ndarray:
        """Per record code, the smallest code in its group."""
        root = np.asarray(self.root, dtype=np.int64)
        smallest = np.full(len(root), len(root), dtype=np.int64)
        np.minimum.at(smallest, root, np.arange(len(root), dtype=np.int64))
        return smallest[root]
