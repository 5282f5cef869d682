"""Reviewers' decisions that contradict each other, through other pairs too, and the refusal.

Spec tables: decisions in force, one new decision, the not-link pairs it would contradict.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.linkage import review
from joinedup.linkage.contradictions import DecisionInForce, contradictions, introduced_by

WHEN = datetime(2026, 3, 2, 10, 15, tzinfo=UTC)


def link(a: str, b: str, reviewer: str = "bob") -> DecisionInForce:
    return DecisionInForce(review.canonical_pair(a, b), "link", reviewer, WHEN)


def apart(a: str, b: str, reviewer: str = "carol") -> DecisionInForce:
    return DecisionInForce(review.canonical_pair(a, b), "not-link", reviewer, WHEN)


def in_force(*decisions: DecisionInForce) -> dict[tuple[str, str], DecisionInForce]:
    return {d.pair: d for d in decisions}


# (description, decisions in force, new decision, not-link pairs it contradicts)
CASES = [
    ("nothing decided yet", [], link("a", "b"), []),
    ("a not-link next to an unrelated link", [link("a", "b")], apart("c", "d"), []),
    (
        "a link joining a pair kept apart, through a third record (the QA pass's case)",
        [link("b", "c"), apart("a", "b")],
        link("a", "c"),
        [("a", "b")],
    ),
    (
        "a not-link between records that links join through a third",
        [link("a", "c"), link("b", "c")],
        apart("a", "b"),
        [("a", "b")],
    ),
    (
        "a not-link on a pair linked directly replaces the link",
        [link("a", "b")],
        apart("a", "b"),
        [],
    ),
    ("a link on a pair kept apart replaces the not-link", [apart("a", "b")], link("a", "b"), []),
    (
        "a not-link that replaces a link is still refused when other links join the pair",
        [link("a", "b"), link("a", "c"), link("b", "c")],
        apart("a", "b"),
        [("a", "b")],
    ),
    (
        "a long chain counts",
        [link("a", "b"), link("b", "c"), link("c", "d"), link("d", "e")],
        apart("a", "e"),
        [("a", "e")],
    ),
    (
        "a link joining two groups with several pairs kept apart between them names them all",
        [link("a", "b"), link("c", "d"), apart("a", "c"), apart("b", "d"), apart("a", "x")],
        link("b", "c"),
        [("a", "c"), ("b", "d")],
    ),
    (
        "a link inside one group already adds nothing",
        [link("a", "b"), link("b", "c")],
        link("a", "c"),
        [],
    ),
    (
        "a contradiction already in force is not the new decision's doing",
        [link("a", "b"), link("b", "c"), apart("a", "c")],
        link("x", "y"),
        [],
    ),
    (
        "deciding a contradicted not-link again as not-link is refused",
        [link("a", "b"), link("b", "c"), apart("a", "c")],
        apart("a", "c"),
        [("a", "c")],
    ),
    (
        "... and undoing one of the links is allowed: it mends the contradiction",
        [link("a", "b"), link("b", "c"), apart("a", "c")],
        apart("b", "c"),
        [],
    ),
]


@pytest.mark.parametrize(
    ("decided", "new", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_introduced_by(
    decided: list[DecisionInForce], new: DecisionInForce, expected: list[tuple[str, str]]
) -> None:
    found = introduced_by(in_force(*decided), new)
    assert [c.not_link.pair for c in found] == expected


def test_the_chain_is_the_shortest_one_through_the_link_decisions() -> None:
    decided = [link("a", "b"), link("b", "c"), link("c", "d"), link("a", "d"), apart("b", "d")]
    [found] = contradictions(decided)
    assert found.not_link.pair == ("b", "d")
    # From b to d in two steps, neighbours taken in key order: through a, not c.
    assert [d.pair for d in found.links] == [("a", "b"), ("a", "d")]


_RECORDS = st.sampled_from("abcdef")


@given(st.lists(st.tuples(_RECORDS, _RECORDS, st.sampled_from(review.DECISIONS)), max_size=14))
def test_deciding_one_at_a_time_never_leaves_a_contradiction(
    steps: list[tuple[str, str, str]],
) -> None:
    # However reviewers go about it, decisions accepted one by one are always obeyable.
    state: dict[tuple[str, str], DecisionInForce] = {}
    for a, b, decision in steps:
        if a == b:
            continue
        new = DecisionInForce(review.canonical_pair(a, b), decision, "r")
        if not introduced_by(state, new):
            state[new.pair] = new
        assert contradictions(state.values()) == []


def test_a_refused_link_names_the_not_link_its_reviewer_and_date_and_what_to_do() -> None:
    new = DecisionInForce(("qa_src|A7", "qc_src|C7"), "link", "dave")
    decided = in_force(apart("qa_src|A7", "qb_src|B7"), link("qb_src|B7", "qc_src|C7"))
    message = review.refusal(new, introduced_by(decided, new))
    assert message.startswith("qa_src|A7 ~ qc_src|C7 cannot be decided link:")
    assert "qa_src|A7 ~ qb_src|B7 (not-link by carol on 2026-03-02 10:15 UTC)" in message
    assert "joined through qb_src|B7 ~ qc_src|C7 (link by bob on 2026-03-02 10:15 UTC)" in message
    assert "decide its pair again first (a later decision on a pair replaces" in message


def test_a_refused_not_link_names_the_links_that_join_its_records() -> None:
    new = DecisionInForce(("qa_src|A7", "qb_src|B7"), "not-link", "carol")
    decided = in_force(
        link("qa_src|A7", "qc_src|C7", "dave"), link("qb_src|B7", "qc_src|C7", "bob")
    )
    message = review.refusal(new, introduced_by(decided, new))
    assert message.startswith("qa_src|A7 ~ qb_src|B7 cannot be decided not-link:")
    assert "qa_src|A7 ~ qc_src|C7 (link by dave on 2026-03-02 10:15 UTC)" in message
    assert "qb_src|B7 ~ qc_src|C7 (link by bob on 2026-03-02 10:15 UTC)" in message


def test_a_refusal_names_at_most_three_not_links_and_counts_the_rest() -> None:
    decided = [link("a", "b")] + [apart("a", f"x{i}") for i in range(5)]
    decided += [link("c", f"x{i}") for i in range(5)]
    new = link("b", "c")
    message = review.refusal(new, introduced_by(in_force(*decided), new))
    assert message.count("(not-link by") == 3
    assert "and 2 more not-link pairs" in message
