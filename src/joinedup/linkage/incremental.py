"""Incremental linking: which records changed since the last run, and which persons that touches.

An incremental run re-decides only a small part of the index:

- the *delta*: records new since the last run, records whose linked version was replaced
  (changed), and records that ended;
- persons to *re-cluster*: those that lost a record (it changed or ended) and those split by a
  reviewer's ``not-link`` decision — their remaining records are scored against each other
  afresh, so a record that held a person together can leave it split;
- persons to *carry*: those a new record links to, or a reviewer's ``link`` decision joins —
  kept whole (their records were already linked) and offered for a merge.

Everything else is untouched, so an untouched person keeps its id and its records. The functions
here are pure; ``index.link`` feeds them from the store.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from joinedup.linkage.persons import Linked


@dataclass(frozen=True)
class Delta:
    """Records new, changed and ended since the records' last linked versions."""

    new: frozenset[str] = frozenset()
    changed: frozenset[str] = frozenset()
    ended: frozenset[str] = frozenset()

    @cached_property
    def scored(self) -> frozenset[str]:
        """The records to score against the index: new and changed ones."""
        # Cached: callers test membership once per pair, and the union is as big as the delta.
        return self.new | self.changed

    def __bool__(self) -> bool:
        return bool(self.new or self.changed or self.ended)


def find_delta(versions: Mapping[str, int], linked: Mapping[str, Linked]) -> Delta:
    """Compare current record versions (key → ``source_records.id``) with what the index holds.

    A record the index does not hold is new; one whose current version differs from the linked
    one is changed; one the index holds that is no longer current has ended.
    """
    new = {key for key in versions if key not in linked}
    changed = {
        key for key, version in versions.items() if key in linked and linked[key].version != version
    }
    ended = {key for key in linked if key not in versions}
    return Delta(frozenset(new), frozenset(changed), frozenset(ended))


@dataclass
class Scope:
    """The part of the index an incremental run re-decides."""

    recluster: set[str] = field(default_factory=set)
    carry: set[str] = field(default_factory=set)

    @property
    def persons(self) -> set[str]:
        """Every person in scope."""
        return self.recluster | self.carry


def find_scope(
    delta: Delta,
    person_of: Mapping[str, str],
    new_pairs: pd.DataFrame,
    decisions: Mapping[tuple[str, str], str],
    *,
    carry_from: float,
) -> Scope:
    """Which persons an incremental run must re-cluster and which it carries whole.

    ``person_of`` is the membership before the run; ``new_pairs`` the pairs scored for the
    delta; ``decisions`` the reviewers' decisions in force. A person is re-clustered when it
    lost a record, a ``not-link`` pair sits inside it, or a ``not-link`` pair joins one of its
    records to another record in scope; carried when a new pair at or above ``carry_from`` or a
    ``link`` decision reaches it from a record in scope. ``link`` carries every person a candidate
    pair reaches (the candidate floor), not only those a pair at the threshold reaches: a pair in
    the unambiguous band links when it is the one candidate on both sides, which clustering can
    judge only with the persons it would join in view.
    """
    scope = Scope()
    for key in delta.changed | delta.ended:
        if key in person_of:
            scope.recluster.add(person_of[key])
    for (left, right), decision in decisions.items():
        if decision == "not-link" and left in person_of and person_of[left] == person_of.get(right):
            scope.recluster.add(person_of[left])
    if len(new_pairs):
        strong = new_pairs[new_pairs["match_probability"] >= carry_from]
        for left, right in zip(strong["unique_id_l"], strong["unique_id_r"], strict=True):
            for key in (left, right):
                if key in person_of and key not in delta.scored:
                    scope.carry.add(person_of[key])
    # A link decision joins two persons; follow such decisions until no new person is reached.
    links = [pair for pair, decision in decisions.items() if decision == "link"]
    while True:
        reached = scope.persons
        grown = False
        for left, right in links:
            ends = [person_of.get(left), person_of.get(right)]
            in_scope = any(p in reached for p in ends if p) or any(
                k in delta.scored for k in (left, right)
            )
            split_now = ends[0] != ends[1]
            if in_scope or split_now:
                for p in ends:
                    if p and p not in reached:
                        scope.carry.add(p)
                        grown = True
        if not grown:
            break
    # A carried person is glued whole, so a not-link from one of its records to another record
    # the run re-decides could only be kept by the glue giving way: re-cluster it instead.
    for (left, right), decision in decisions.items():
        if decision != "not-link":
            continue
        sides = [(key, person_of.get(key)) for key in (left, right)]
        if all((p in scope.persons) if p else key in delta.scored for key, p in sides):
            scope.recluster.update(p for _, p in sides if p in scope.carry)
    scope.carry -= scope.recluster
    return scope


def bridgeable(
    carried: Iterable[str],
    person_of: Mapping[str, str],
    new_pairs: pd.DataFrame,
    scored: Collection[str],
    *,
    floor: float,
) -> set[str]:
    """The carried persons that the run's new records could join to another carried person.

    Persons and new records are joined by the new pairs from ``floor`` up; a carried person in
    a group with another carried person may be bridged to it, and clustering must see the pairs
    between their records to refuse a bridge a full run would refuse. Most new records reach
    one person, so this is usually few.
    """
    carried = set(carried)
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def node(key: str) -> str | None:
        if key in scored:
            return f"r:{key}"
        person = person_of.get(key)
        return f"p:{person}" if person in carried else None

    if len(new_pairs):
        strong = new_pairs[new_pairs["match_probability"] >= floor]
        for left, right in zip(strong["unique_id_l"], strong["unique_id_r"], strict=True):
            a, b = node(left), node(right)
            if a is not None and b is not None:
                parent[find(a)] = find(b)
    groups: dict[str, set[str]] = {}
    for person in carried:
        groups.setdefault(find(f"p:{person}"), set()).add(person)
    return {person for group in groups.values() if len(group) > 1 for person in group}


def glue(members: Mapping[str, Iterable[str]]) -> list[tuple[str, str]]:
    """Must-link pairs that keep each carried person whole: a chain through its records."""
    out: list[tuple[str, str]] = []
    for keys in members.values():
        ordered = sorted(keys)
        out.extend(itertools.pairwise(ordered))
    return out
