"""cluster(): strongest links first, reviewer decisions obeyed, no chaining past contrary pairs."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.errors import JoinedupError
from joinedup.linkage.cluster import cluster


def pairs(*rows: tuple[str, str, float], nhs_weights=None) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["unique_id_l", "unique_id_r", "match_probability"])
    if nhs_weights is not None:
        ids = zip(frame["unique_id_l"], frame["unique_id_r"], strict=True)
        frame["mw_nhs_number"] = [nhs_weights.get(pair, 0.0) for pair in ids]
    return frame


CASES = [
    # (description, pairs, kwargs, expected groups)
    ("a strong pair links", [("a", "b", 0.9999)], {}, [{"a", "b"}]),
    ("a pair below the unambiguous band does not", [("a", "b", 0.55)], {}, [{"a"}, {"b"}]),
    (
        "a pair below the threshold does not when unambiguous links are off",
        [("a", "b", 0.9)],
        {"unambiguous_probability": None},
        [{"a"}, {"b"}],
    ),
    ("a lone candidate in the unambiguous band links", [("a", "b", 0.7)], {}, [{"a", "b"}]),
    (
        "two candidates for one record: neither links",
        [("a", "b", 0.7), ("a", "c", 0.72)],
        {},
        [{"a"}, {"b"}, {"c"}],
    ),
    (
        "a standing link in the band stays though a second candidate appears",
        [("a", "b", 0.7), ("a", "c", 0.72)],
        {"previous": {"a": "P1", "b": "P1", "c": "P2"}},
        [{"a", "b"}, {"c"}],
    ),
    (
        "a standing link gives way to a reviewer's not-link",
        [("a", "b", 0.7)],
        {"previous": {"a": "P1", "b": "P1"}, "cannot_link": [("a", "b")]},
        [{"a"}, {"b"}],
    ),
    (
        "a standing link whose pair is no longer a candidate splits",
        [("a", "b", 0.4)],
        {"previous": {"a": "P1", "b": "P1"}},
        [{"a"}, {"b"}],
    ),
    (
        "different NHS numbers keep two records apart through a third without one",
        [("a", "c", 0.9999), ("b", "c", 0.9998), ("a", "b", 0.7)],
        {"nhs_weights": {("a", "b"): -9.0}},
        [{"a", "c"}, {"b"}],
    ),
    (
        "a chain joins when nothing contradicts it",
        [("a", "b", 0.9999), ("b", "c", 0.9999)],
        {},
        [{"a", "b", "c"}],
    ),
    (
        "a weak link does not chain two people with contrary evidence",
        [("a", "b", 0.99999), ("c", "d", 0.99999), ("b", "c", 0.9991), ("a", "d", 0.0001)],
        {},
        [{"a", "b"}, {"c", "d"}],
    ),
    (
        "the stronger link wins a three-way conflict",
        [("a", "b", 0.99999), ("b", "c", 0.9995), ("a", "c", 0.001)],
        {},
        [{"a", "b"}, {"c"}],
    ),
    (
        "cannot-link keeps a strong pair apart",
        [("a", "b", 0.99999)],
        {"cannot_link": [("a", "b")]},
        [{"a"}, {"b"}],
    ),
    (
        "cannot-link also stops a chain",
        [("a", "b", 0.99999), ("b", "c", 0.99999)],
        {"cannot_link": [("a", "c")]},
        [{"a", "b"}, {"c"}],
    ),
    (
        "must-link joins a pair the model doubted",
        [("a", "b", 0.1)],
        {"must_link": [("a", "b")]},
        [{"a", "b"}],
    ),
    (
        "must-link joins records in no pair at all",
        [],
        {"must_link": [("x", "y")]},
        [{"x", "y"}],
    ),
    (
        "ids in no pair become persons of one",
        [("a", "b", 0.9999)],
        {"ids": ["a", "b", "z"]},
        [{"a", "b"}, {"z"}],
    ),
]


def groups(assignment: dict[str, str]) -> list[set[str]]:
    out: dict[str, set[str]] = {}
    for record, rep in assignment.items():
        out.setdefault(rep, set()).add(record)
    return sorted(out.values(), key=lambda g: sorted(g))


@pytest.mark.parametrize(
    ("description", "rows", "kwargs", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_cluster_cases(description, rows, kwargs, expected):
    nhs_weights = kwargs.pop("nhs_weights", None)
    scored = pairs(*rows, nhs_weights=nhs_weights)
    assert groups(cluster(scored, threshold=0.999, **kwargs)) == expected


def test_representative_is_smallest_key():
    result = cluster(pairs(("b", "a", 0.9999), ("c", "b", 0.9999)), threshold=0.999)
    assert set(result.values()) == {"a"}


def test_must_link_against_cannot_link_is_refused():
    with pytest.raises(JoinedupError, match="conflict"):
        cluster(pairs(), threshold=0.999, must_link=[("a", "b")], cannot_link=[("a", "b")])


def test_bad_input_is_a_user_error():
    with pytest.raises(JoinedupError):
        cluster(pd.DataFrame({"unique_id_l": []}), threshold=0.999)
    with pytest.raises(JoinedupError):
        cluster(pairs(), threshold=2.0)


ids = st.sampled_from([f"r{i}" for i in range(8)])
edge = st.tuples(ids, ids, st.floats(0.0, 1.0)).filter(lambda e: e[0] != e[1])


@settings(max_examples=60, deadline=None)
@given(st.lists(edge, max_size=20), st.lists(st.tuples(ids, ids), max_size=3))
def test_cannot_link_always_holds_and_order_does_not_matter(edges, cannot):
    cannot = [(a, b) for a, b in cannot if a != b]
    frame = pairs(*edges)
    result = cluster(frame, threshold=0.5, cannot_link=cannot)
    for a, b in cannot:
        assert result[a] != result[b]
    shuffled = frame.sample(frac=1.0, random_state=1)
    assert cluster(shuffled, threshold=0.5, cannot_link=cannot) == result


def test_a_near_match_links_when_it_is_the_only_candidate():
    # "J Smith" (no date of birth) and one John Smith at the address: unambiguous.
    result = cluster(pairs(("ct", "john", 0.995)), threshold=0.999)
    assert result["ct"] == result["john"]


def test_a_near_match_with_two_candidates_stays_apart():
    # Father and son of one name: the date-of-birth-less record could be either.
    frame = pairs(("ct", "senior", 0.995), ("ct", "junior", 0.995), ("junior", "senior", 0.0001))
    result = cluster(frame, threshold=0.999)
    assert len(set(result.values())) == 3


def test_the_unambiguous_rule_can_be_turned_off():
    result = cluster(pairs(("a", "b", 0.995)), threshold=0.999, unambiguous_probability=None)
    assert result["a"] != result["b"]


def test_a_low_scored_pair_is_outweighed_by_the_evidence_between_two_groups():
    scored = pairs(("a", "b", 0.99999), ("b", "c", 0.99999), ("a", "c", 0.005))
    scored["match_weight"] = [20.0, 20.0, -8.0]
    assert groups(cluster(scored, threshold=0.999)) == [{"a", "b", "c"}]


def test_a_low_scored_pair_still_vetoes_when_the_evidence_is_against():
    scored = pairs(("a", "b", 0.99999), ("b", "c", 0.9995), ("a", "c", 0.0001))
    scored["match_weight"] = [20.0, 11.0, -13.3]
    assert groups(cluster(scored, threshold=0.999)) == [{"a", "b"}, {"c"}]
