"""Which index records a batch of new records could pair with, and the index's name frequencies.

Attaching records to an index does not need Splink to block the whole index: a pair is scored
only when a blocking rule holds (``blocking.PREDICTION_RULES``), and every rule is a conjunction
of equalities. So the index records that share all the columns of some rule with some new
record — found by one join per rule in DuckDB over the Arrow frame, or in Python for the few
rows a handful of new records leave after a pre-filter — are exactly the records
any pair can reach. Splink then scores new × candidates, and gets the same pairs it would from
new × index.

Scores must not change with that either: the name-frequency adjustment reads how common a name
is in the *whole* index, so `term_frequency_tables` counts them over the whole frame once per
run and the model is handed those tables instead of counting the candidates.

A rule that is not a plain conjunction of equalities (say, a blocking rule with a function)
cannot be turned into a join; then every index record is a candidate, which is slower but
still exact.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from joinedup.linkage import blocking
from joinedup.linkage.frame import FRAME_COLUMNS, LIST_COLUMNS
from joinedup.linkage.term_frequencies import (
    PSEUDO_RECORDS,
    TF_COLUMNS,
    smoothed_frequencies,
)

_EQUALITY = re.compile(r"^\s*l\.(\w+)\s*=\s*r\.(\w+)\s*$")
_ROW = "__row"

#: Up to this many new records, columns are pre-filtered before the join (see `_could_pair`);
#: for more, nearly every index row passes some column and the pre-filter only adds work.
PREFILTER_UP_TO = 1_000
#: Up to this many (index row, new record) pairs left after the pre-filter, they are joined in
#: Python: for the few dozen rows one new record leaves, DuckDB's connection and registration
#: cost ~50 ms, the join here well under one.
JOIN_HERE_UP_TO = 20_000
_FEW_CHUNKS = 40


def equality_terms(rule: str) -> list[tuple[str, str]] | None:
    """A rule's ``l.a = r.b`` terms as ``[(a, b), …]``, or ``None`` if it is anything else."""
    terms = []
    for part in re.split(r"\s+AND\s+", rule.strip(), flags=re.IGNORECASE):
        match = _EQUALITY.match(part)
        if match is None:
            return None
        left, right = match.groups()
        for name in (left, right):
            if name not in FRAME_COLUMNS or name in LIST_COLUMNS:
                return None
        terms.append((left, right))
    return terms or None


def _oriented_terms(rules: Iterable[str]) -> list[tuple[tuple[str, str], ...]] | None:
    # Both orientations of each rule, as (index column, new column) terms: a rule such as
    # "given = family AND family = given" must find the index record on either side of the pair.
    oriented: set[tuple[tuple[str, str], ...]] = set()
    for rule in rules:
        terms = equality_terms(rule)
        if terms is None:
            return None
        for index_side, new_side in ((0, 1), (1, 0)):
            oriented.add(tuple(sorted((t[index_side], t[new_side]) for t in terms)))
    return sorted(oriented)


def select_candidates(
    index: pa.Table, new: pa.Table, rules: Iterable[str] = blocking.PREDICTION_RULES
) -> pa.Table:
    """The rows of ``index`` that some rule in ``rules`` pairs with some row of ``new``.

    Both tables hold (at least) the scalar columns the rules name. The result keeps
    ``index``'s columns and order. Example: ``select_candidates(index, new).num_rows``.
    """
    if index.num_rows == 0 or new.num_rows == 0:
        return index.slice(0, 0)
    oriented = _oriented_terms(rules)
    if oriented is None:
        return index
    rules = tuple(rules)
    if new.num_rows <= PREFILTER_UP_TO:
        index = index.filter(_could_pair(index, new, rules))
        if index.num_rows == 0:
            return index
    if index.num_rows * new.num_rows <= JOIN_HERE_UP_TO:
        return index.take(pa.array(_joined_here(index, new, oriented), pa.int64()))
    conditions = [" AND ".join(f"i.{a} = n.{b}" for a, b in terms) for terms in oriented]
    columns = sorted({c for rule in rules for t in equality_terms(rule) or () for c in t})
    numbered = index.select(columns).append_column(
        _ROW, pa.array(np.arange(index.num_rows, dtype=np.int64))
    )
    probe = new.select(columns)
    union = " UNION ".join(
        f"SELECT i.{_ROW} FROM idx i JOIN new n ON {condition}" for condition in conditions
    )
    connection = duckdb.connect()
    connection.execute("SET enable_progress_bar = false")  # stdout is `link --json`'s
    try:
        connection.register("idx", numbered)
        connection.register("new", probe)
        rows = connection.sql(f"SELECT {_ROW} FROM ({union}) ORDER BY {_ROW}").to_arrow_table()
    finally:
        connection.close()
    return index.take(rows.column(_ROW))


def _joined_here(
    index: pa.Table, new: pa.Table, oriented: list[tuple[tuple[str, str], ...]]
) -> list[int]:
    # The join in Python, for the few rows left after the pre-filter, with SQL's equality: a
    # missing value equals nothing.
    values: dict[tuple[str, str], list[object]] = {}

    def column(side: str, name: str) -> list[object]:
        if (side, name) not in values:
            values[side, name] = (index if side == "i" else new).column(name).to_pylist()
        return values[side, name]

    kept: set[int] = set()
    for terms in oriented:
        wanted = {
            key for key in zip(*(column("n", b) for _, b in terms), strict=True) if None not in key
        }
        if wanted:
            rows = zip(*(column("i", a) for a, _ in terms), strict=True)
            kept.update(row for row, key in enumerate(rows) if key in wanted)
    return sorted(kept)


def _could_pair(index: pa.Table, new: pa.Table, rules: tuple[str, ...]) -> pa.Array:
    # A rule can hold only where each of its columns holds a value the other side has. One
    # hash look-up over the whole index for a rule's first column (shared between rules that
    # start alike), then its other columns only on the rows that passed: for a handful of new
    # records that cuts a million-row index to a few dozen rows at a fraction of a join's cost.
    scanned: dict[tuple[str, str], np.ndarray] = {}
    values: dict[str, pa.Array] = {}
    rows: list[np.ndarray] = []

    def present(column: str) -> pa.Array:
        if column not in values:
            values[column] = pc.unique(new.column(column).drop_null())
        return values[column]

    for rule in rules:
        terms = equality_terms(rule) or []
        for oriented in (terms, [(b, a) for a, b in terms]):
            if not oriented:
                continue
            first = oriented[0]
            if first not in scanned:
                wanted = present(first[1])
                if len(wanted) == 0:  # no new record holds it (a bill has no birth date)
                    scanned[first] = np.empty(0, np.int64)
                else:
                    mask = pc.is_in(index.column(first[0]), value_set=wanted)
                    scanned[first] = np.flatnonzero(pc.fill_null(mask, False).to_numpy(False))
            passing = scanned[first]
            for index_column, new_column in oriented[1:]:
                if len(passing) == 0:
                    break
                column = _take_ascending(index.column(index_column), passing)
                keep = pc.fill_null(pc.is_in(column, value_set=present(new_column)), False)
                passing = passing[keep.to_numpy(zero_copy_only=False)]
            rows.append(passing)
    mask = np.zeros(index.num_rows, dtype=bool)
    for passing in rows:
        mask[passing] = True
    return pa.array(mask)


def _take_ascending(column: pa.ChunkedArray, rows: np.ndarray) -> pa.Array:
    # ``column.take`` on a column of many chunks (the frame cache's, one per 10,000 records)
    # joins the chunks first, a copy of the whole column: ~2 ms at a million records, taken
    # some twenty times by a one-record attach. Rows that fall in a few chunks (ascending, as
    # they come) are taken from those chunks alone, ~20 µs each.
    lengths = np.fromiter((len(chunk) for chunk in column.chunks), np.int64, column.num_chunks)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    chunk_of = np.searchsorted(starts, rows, side="right") - 1
    touched = np.unique(chunk_of)
    if len(touched) > _FEW_CHUNKS:
        return column.take(pa.array(rows, pa.int64())).combine_chunks()
    parts = [
        column.chunk(int(c)).take(pa.array(rows[chunk_of == c] - starts[c], pa.int64()))
        for c in touched
    ]
    return pa.concat_arrays(parts) if parts else pa.array([], column.type)


def term_frequency_tables(frame: pa.Table | pd.DataFrame) -> Mapping[str, pd.DataFrame]:
    """The smoothed name-frequency tables of the whole ``frame``, one per `TF_COLUMNS` column.

    What ``PersonModel.predict`` would count from the frame it scores; handing these to it when
    it scores only part of the index keeps every score what a full prediction gives. For an
    Arrow frame, an :class:`IndexFrequencies`: each table is counted when first asked for, and
    :func:`frequencies_of` counts just the values a few records hold.
    """
    if isinstance(frame, pd.DataFrame):
        return {c: smoothed_frequencies(frame[c].rename(c), p) for c, p in TF_COLUMNS.items()}
    return IndexFrequencies(frame)


class IndexFrequencies(Mapping[str, pd.DataFrame]):
    """The name-frequency tables of an index held as Arrow, each counted on first use.

    Attaching a record to a million needs the frequencies of the few names it and its
    candidates hold, not of all of them: :meth:`of_values` counts only those (one look-up
    over the column instead of counting and converting every distinct name, ~40 ms a run).
    """

    def __init__(self, table: pa.Table) -> None:
        self._table = table
        self._tables: dict[str, pd.DataFrame] = {}

    def __getitem__(self, column: str) -> pd.DataFrame:
        if column not in TF_COLUMNS:
            raise KeyError(column)
        if column not in self._tables:
            # Counted in Arrow, so a million names never become Python objects; the smoothing
            # is term_frequencies.smoothed_frequencies's, applied to the counts (a test holds
            # the two equal).
            self._tables[column] = self._smoothed(column, self._table.column(column))
        return self._tables[column]

    def __iter__(self) -> Iterator[str]:
        return iter(TF_COLUMNS)

    def __len__(self) -> int:
        return len(TF_COLUMNS)

    def counted(self, column: str) -> bool:
        """Whether ``self[column]``, the whole table, has been counted already."""
        return column in self._tables

    def of_values(self, column: str, values: pa.Array) -> pd.DataFrame:
        """The rows ``self[column]`` would hold for ``values``, counted for those alone."""
        whole = self._table.column(column)
        held = pc.filter(whole, pc.fill_null(pc.is_in(whole, value_set=values), False))
        return self._smoothed(column, held, total=len(whole) - whole.null_count)

    @staticmethod
    def _smoothed(
        column: str, values: pa.ChunkedArray | pa.Array, total: int | None = None
    ) -> pd.DataFrame:
        counts = pc.value_counts(values.drop_null())
        names = counts.field("values").to_numpy(zero_copy_only=False).astype(str)
        n = counts.field("counts").to_numpy().astype("int64")
        everyone = float(n.sum()) if total is None else float(total)
        prior = TF_COLUMNS[column]
        tf = (n + PSEUDO_RECORDS * prior) / (everyone + PSEUDO_RECORDS)
        return pd.DataFrame({column: names.astype(object), f"tf_{column}": tf})


def frequencies_of(
    frequencies: Mapping[str, pd.DataFrame], column: str, values: pa.Array
) -> pd.DataFrame:
    """The rows of ``frequencies[column]`` for the name ``values`` (those it holds)."""
    if isinstance(frequencies, IndexFrequencies) and not frequencies.counted(column):
        return frequencies.of_values(column, values)
    table = frequencies[column]
    return table[table[column].isin(values.to_pylist())]


def without(table: pa.Table, keys: Iterable[str]) -> pa.Table:
    """``table`` less the rows whose ``unique_id`` is in ``keys``."""
    drop = pa.array(sorted(set(keys)), pa.string())
    if len(drop) == 0:
        return table
    return table.filter(pc.invert(pc.is_in(table.column("unique_id"), value_set=drop)))


def only(table: pa.Table, keys: Iterable[str]) -> pa.Table:
    """The rows of ``table`` whose ``unique_id`` is in ``keys``."""
    keep = pa.array(sorted(set(keys)), pa.string())
    return table.filter(pc.is_in(table.column("unique_id"), value_set=keep))


def present(table: pa.Table, keys: Iterable[str]) -> set[str]:
    """Which of ``keys`` are the ``unique_id`` of a row of ``table``."""
    return set(only(table, keys).column("unique_id").to_pylist())
