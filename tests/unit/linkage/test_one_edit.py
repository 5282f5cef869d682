"""The cheap-first typo test gives exactly Damerau–Levenshtein's answer, in the real engine."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from splink.internals.dialects import SplinkDialect

from joinedup.linkage.comparisons import _one_edit

DUCKDB = SplinkDialect.from_string("duckdb")
ONE_EDIT = _one_edit(DUCKDB, "a", "b")

# Short strings over a few letters, so that near-misses (one edit, a swap, two edits) are common.
words = st.text(alphabet="ABCDE-19", max_size=8)
pairs = st.one_of(
    st.tuples(words, words),
    words.flatmap(lambda w: st.tuples(st.just(w), _edited(w))),
)


@st.composite
def _edited(draw: st.DrawFn, word: str) -> str:
    """``word`` after one random edit: a substitution, insertion, deletion or swap."""
    position = draw(st.integers(0, len(word)))
    letter = draw(st.sampled_from("ABCDE-19"))
    kind = draw(st.sampled_from(["sub", "ins", "del", "swap"]))
    if kind == "ins" or not word:
        return word[:position] + letter + word[position:]
    position = min(position, len(word) - 1)
    if kind == "sub":
        return word[:position] + letter + word[position + 1 :]
    if kind == "del":
        return word[:position] + word[position + 1 :]
    if position + 1 < len(word):
        return word[:position] + word[position + 1] + word[position] + word[position + 2 :]
    return word


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def _agree(con: duckdb.DuckDBPyConnection, rows: list[tuple[str | None, str | None]]) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE p (a VARCHAR, b VARCHAR)")
    con.executemany("INSERT INTO p VALUES (?, ?)", rows)
    differ = con.sql(
        f"SELECT a, b FROM p WHERE (CASE WHEN {ONE_EDIT} THEN 1 ELSE 0 END) "
        "<> (CASE WHEN damerau_levenshtein(a, b) <= 1 THEN 1 ELSE 0 END)"
    ).fetchall()
    assert differ == []


@given(st.lists(pairs, min_size=1, max_size=50))
@settings(max_examples=60, deadline=None)
def test_same_answer_as_damerau_levenshtein(
    con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str]]
) -> None:
    _agree(con, rows)


@pytest.mark.parametrize(
    "a, b",
    [
        ("JOHN", "JHON"),  # a swap: two Levenshtein edits, one Damerau–Levenshtein
        ("AB", "BA"),
        ("1961-04-03", "1961-04-30"),
        ("9434765919", "9434765991"),
        ("SMITH", "SMYTH"),
        ("SMITH", "SMITHE"),
        ("SMITH", "JONES"),
        ("", "A"),
        (None, "A"),
        (None, None),
    ],
)
def test_cases(con: duckdb.DuckDBPyConnection, a: str | None, b: str | None) -> None:
    _agree(con, [(a, b)])
