"""The review queue's candidates and the rows evidence is picked from, found column at a time,
agree exactly with the loops over every pair they replaced."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.linkage import explain
from joinedup.linkage.index import _evidence_pairs
from joinedup.linkage.review import find_candidates

from .reference_evidence import reference_best_evidence
from .reference_evidence_pairs import reference_evidence_pairs
from .reference_review import reference_find_candidates

RECORDS = [f"s|{i}" for i in range(9)]
# Few values, so ties (equal weights, a pair at a band's edge) are common.
PROBABILITIES = (0.2, 0.5, 0.7, 0.998, 0.999, 0.9999, 0.999999)
WEIGHTS = (-3.0, 0.0, 9.9, 10.0, 12.0, 13.0, 20.0)

record = st.sampled_from(RECORDS)
row = st.tuples(
    record, record, st.sampled_from(WEIGHTS), st.sampled_from(PROBABILITIES), st.booleans()
).filter(lambda r: r[0] != r[1])


def _pairs(rows: list[tuple[str, str, float, float, bool]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        [(a, b, w, p, 1.5 if f else -2.0) for a, b, w, p, f in rows],
        columns=["unique_id_l", "unique_id_r", "match_weight", "match_probability", "mw_dob"],
    )
    frame["mw_given_name"] = np.where(frame["match_weight"] > 10, 4.0, np.nan)
    return frame


membership = st.dictionaries(record, st.sampled_from(["PA", "PB", "PC"]))
decided = st.lists(st.tuples(record, record).filter(lambda p: p[0] < p[1]), max_size=3)


@settings(max_examples=300, deadline=None)
@given(st.lists(row, max_size=30), membership, decided)
def test_review_candidates_agree_with_the_reference(rows, persons, done):
    pairs = _pairs(rows)
    expected = reference_find_candidates(pairs, persons, decided=done)
    assert find_candidates(pairs, persons, decided=done) == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(row, max_size=30), membership, st.sets(record))
def test_evidence_from_the_picked_rows_agrees_with_evidence_from_all(rows, persons, wanted):
    pairs = _pairs(rows)
    picked = _evidence_pairs(pairs, persons, wanted)
    assert explain.best_evidence(picked, persons, wanted) == explain.best_evidence(
        pairs, persons, wanted
    )


FACTORS = st.one_of(st.none(), st.just(float("nan")), st.sampled_from([0.0, 0.5, 2.0, 1e6]))
MW = st.one_of(st.just(float("nan")), st.sampled_from([-1.2345, 0.0, 3.14159, 7.0]))
evidence_row = st.tuples(
    record,
    record,
    st.one_of(st.sampled_from(WEIGHTS), st.just(float("nan")), st.just(float("inf"))),
    st.sampled_from(PROBABILITIES),
    MW,
    FACTORS,
    FACTORS,
)


def _scored(rows: list[tuple]) -> pd.DataFrame:
    # Factors (bf_*) as Splink gives them, and a weight (mw_*) that wins over its factor.
    columns = ["unique_id_l", "unique_id_r", "match_weight", "match_probability"]
    columns += ["mw_dob", "bf_dob", "bf_postcode"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["bf_postcode"] = frame["bf_postcode"].astype(object)
    return frame


@settings(max_examples=400, deadline=None)
@given(st.lists(evidence_row, max_size=30), membership, st.sets(record), decided)
def test_evidence_agrees_with_the_reference(rows, persons, wanted, done):
    pairs = _scored(rows)
    got = explain.best_evidence(pairs, persons, wanted, done)
    expected = reference_best_evidence(pairs, persons, wanted, done)
    assert got == expected
    # The same field weights in the same order: they are stored as JSON text.
    assert [list((r["field_weights"] or {}).items()) for r in got] == [
        list((r["field_weights"] or {}).items()) for r in expected
    ]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(evidence_row, max_size=30),
    st.dictionaries(record, st.one_of(st.none(), st.sampled_from(["PA", "PB", "PC"]))),
    st.sets(st.one_of(record, st.just("other|1"))),
)
def test_evidence_pairs_agree_with_the_reference(rows, persons, wanted):
    pairs = _scored(rows)
    got = _evidence_pairs(pairs, persons, wanted)
    expected = reference_evidence_pairs(pairs, persons, wanted)
    pd.testing.assert_frame_equal(got, expected)
