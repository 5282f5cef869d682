"""Incremental scope: the delta since the last run, and which persons a run must re-decide."""

from __future__ import annotations

import pandas as pd
import pytest

from joinedup.linkage.incremental import Delta, bridgeable, find_delta, find_scope, glue
from joinedup.linkage.persons import Linked


def test_find_delta() -> None:
    versions = {"a": 1, "b": 5, "d": 7}
    linked = {"a": Linked("P1", 1), "b": Linked("P1", 2), "c": Linked("P2", 3)}
    assert find_delta(versions, linked) == Delta(
        new=frozenset({"d"}), changed=frozenset({"b"}), ended=frozenset({"c"})
    )
    assert not find_delta({"a": 1}, {"a": Linked("P1", 1)})


def pairs(*rows: tuple[str, str, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unique_id_l", "unique_id_r", "match_probability"])


PERSON_OF = {"a": "P1", "b": "P1", "c": "P2", "d": "P3", "e": "P3"}

# (description, delta, new pairs, decisions, expected re-cluster, expected carry)
CASES = [
    ("nothing happened", Delta(), pairs(), {}, set(), set()),
    (
        "a new record linking to a person carries it",
        Delta(new=frozenset({"n"})),
        pairs(("a", "n", 0.9999)),
        {},
        set(),
        {"P1"},
    ),
    (
        "a weak pair to a person does not",
        Delta(new=frozenset({"n"})),
        pairs(("a", "n", 0.7)),
        {},
        set(),
        set(),
    ),
    (
        "a changed record re-clusters its person",
        Delta(changed=frozenset({"b"})),
        pairs(),
        {},
        {"P1"},
        set(),
    ),
    (
        "an ended record re-clusters its person",
        Delta(ended=frozenset({"e"})),
        pairs(),
        {},
        {"P3"},
        set(),
    ),
    (
        "a not-link inside a person re-clusters it",
        Delta(),
        pairs(),
        {("a", "b"): "not-link"},
        {"P1"},
        set(),
    ),
    (
        "a not-link across persons changes nothing",
        Delta(),
        pairs(),
        {("a", "c"): "not-link"},
        set(),
        set(),
    ),
    (
        "a link across persons carries both",
        Delta(),
        pairs(),
        {("a", "c"): "link"},
        set(),
        {"P1", "P2"},
    ),
    (
        "links are followed from a carried person",
        Delta(new=frozenset({"n"})),
        pairs(("c", "n", 0.9999)),
        {("a", "b"): "link", ("b", "d"): "link"},
        set(),
        {"P1", "P2", "P3"},
    ),
    (
        "a link and a not-link decided together re-cluster the persons the link joins",
        Delta(),
        pairs(),
        {("b", "c"): "link", ("a", "c"): "not-link"},
        {"P1", "P2"},
        set(),
    ),
    (
        "a not-link from a carried person to a new record re-clusters it",
        Delta(new=frozenset({"n"})),
        pairs(("b", "n", 0.9999)),
        {("a", "n"): "not-link"},
        {"P1"},
        set(),
    ),
    (
        "a not-link to a person out of scope leaves a carried person whole",
        Delta(new=frozenset({"n"})),
        pairs(("a", "n", 0.9999)),
        {("a", "c"): "not-link"},
        set(),
        {"P1"},
    ),
    (
        "a re-clustered person is not also carried",
        Delta(changed=frozenset({"a"})),
        pairs(("a", "b", 0.9999)),
        {},
        {"P1"},
        set(),
    ),
]


@pytest.mark.parametrize(
    ("delta", "new_pairs", "decisions", "recluster", "carry"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_find_scope(delta, new_pairs, decisions, recluster, carry) -> None:
    scope = find_scope(delta, PERSON_OF, new_pairs, decisions, carry_from=0.999)
    assert (scope.recluster, scope.carry) == (recluster, carry)


def test_glue_chains_each_person() -> None:
    assert glue({"P1": ["c", "a", "b"], "P2": ["d"]}) == [("a", "b"), ("b", "c")]


@pytest.mark.parametrize(
    ("description", "new_pairs", "carried", "expected"),
    [
        ("one new record reaching one person", pairs(("n", "a", 0.9)), {"P1"}, set()),
        (
            "one new record reaching two persons",
            pairs(("n", "a", 0.9), ("n", "c", 0.7)),
            {"P1", "P2"},
            {"P1", "P2"},
        ),
        (
            "two new records, each reaching a person, that pair with each other",
            pairs(("n", "a", 0.9), ("m", "c", 0.9), ("n", "m", 0.6)),
            {"P1", "P2"},
            {"P1", "P2"},
        ),
        (
            "two new records reaching a person each, apart",
            pairs(("n", "a", 0.9), ("m", "d", 0.9)),
            {"P1", "P3"},
            set(),
        ),
        (
            "a pair below the floor bridges nothing",
            pairs(("n", "a", 0.9), ("n", "c", 0.4)),
            {"P1"},
            set(),
        ),
    ],
)
def test_bridgeable(description, new_pairs, carried, expected) -> None:
    found = bridgeable(carried, PERSON_OF, new_pairs, frozenset({"n", "m"}), floor=0.5)
    assert found == expected, description
