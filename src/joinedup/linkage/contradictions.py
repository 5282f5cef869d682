"""Whether reviewers' decisions contradict each other, counting the pairs in between.

Every link run obeys the decisions in force: a ``link`` pair is always in one person, a
``not-link`` pair never. Link decisions chain: ``a ~ b`` and ``b ~ c`` linked put ``a``, ``b``
and ``c`` in one person, so a ``not-link`` on ``a ~ c`` could never be obeyed, and clustering
would refuse the run. The groups here are the connected components of the link decisions (a
union-find over their records), and a contradiction is a not-link pair inside one group.

Pure: ``review.decide`` uses it to refuse a decision before it is recorded, and a front end
can use it to explain decisions already in force. Example::

    found = contradictions([
        DecisionInForce(("a", "b"), "link", "bob"),
        DecisionInForce(("b", "c"), "link", "bob"),
        DecisionInForce(("a", "c"), "not-link", "carol"),
    ])
    found[0].not_link.pair == ("a", "c")
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class DecisionInForce:
    """A pair's latest decision: what it says, who made it and when (``None``: being made)."""

    pair: tuple[str, str]
    decision: str
    reviewer: str
    decided_at: datetime | None = None


@dataclass(frozen=True)
class Contradiction:
    """A ``not-link`` decision whose two records ``link`` decisions put in one person.

    ``links`` is a shortest chain of link decisions from one record of the pair to the other
    (ties broken by record key, so the same decisions always give the same chain).
    """

    not_link: DecisionInForce
    links: tuple[DecisionInForce, ...]


def root_of(parent: dict[str, str], node: str) -> str:
    """The root of ``node`` in the union-find forest ``parent`` (a new node is its own root),
    halving the path on the way."""
    parent.setdefault(node, node)
    while parent[node] != node:
        parent[node] = parent[parent[node]]
        node = parent[node]
    return node


def contradictions(decisions: Iterable[DecisionInForce]) -> list[Contradiction]:
    """Every not-link decision among ``decisions`` whose records the link decisions join.

    ``decisions`` are the ones in force, at most one per pair. The result is in pair order.
    """
    links: dict[str, dict[str, DecisionInForce]] = {}
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        return root_of(parent, node)

    not_links = []
    for decided in decisions:
        a, b = decided.pair
        if decided.decision == "link":
            links.setdefault(a, {})[b] = decided
            links.setdefault(b, {})[a] = decided
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[ra] = rb
        else:
            not_links.append(decided)
    return [
        Contradiction(decided, _chain(links, *decided.pair))
        for decided in sorted(not_links, key=lambda d: d.pair)
        if decided.pair[0] in parent
        and decided.pair[1] in parent
        and find(decided.pair[0]) == find(decided.pair[1])
    ]


def introduced_by(
    in_force: Mapping[tuple[str, str], DecisionInForce], new: DecisionInForce
) -> list[Contradiction]:
    """The contradictions ``new`` would bring about if it replaced the pair's decision in force.

    A later decision on a pair replaces the earlier one, so the pair's own earlier decision is
    no obstacle. A not-link is refused when link decisions join its records; a link when it
    would join the records of a not-link pair that nothing joined before. Contradictions
    already in force that ``new`` neither causes nor is part of are not its doing and are left
    out, so one old inconsistency does not stop every later decision.
    """
    before = {found.not_link.pair for found in contradictions(in_force.values())}
    after = contradictions({**in_force, new.pair: new}.values())
    return [
        found
        for found in after
        if found.not_link.pair == new.pair or found.not_link.pair not in before
    ]


def _chain(
    links: Mapping[str, Mapping[str, DecisionInForce]], start: str, goal: str
) -> tuple[DecisionInForce, ...]:
    # Breadth first, neighbours in key order: the shortest chain, the same one on every call.
    came_from: dict[str, tuple[str, DecisionInForce] | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            break
        for other in sorted(links.get(node, {})):
            if other not in came_from:
                came_from[other] = (node, links[node][other])
                queue.append(other)
    chain: list[DecisionInForce] = []
    node = goal
    while (step := came_from.get(node)) is not None:
        node, decided = step
        chain.append(decided)
    return tuple(reversed(chain))
