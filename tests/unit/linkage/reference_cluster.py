"""The clustering as first written, record keys in Python dicts and sets, kept as the reference
that `joinedup.linkage.cluster` (the same decisions over integer codes and numpy indexes) must
agree with exactly: same groups, same representatives, on every input."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from joinedup.errors import JoinedupError
from joinedup.linkage.thresholds import (
    CONTRARY_IDENTIFIER_WEIGHT,
    CONTRARY_PROBABILITY,
    REVIEW_LOWER,
    UNAMBIGUOUS_PROBABILITY,
)

#: Comparisons that say who someone is, not where they live or how to reach them: a pair that
#: one of these weighs against is two people whatever their address, phone or surname say.
IDENTITY_COMPARISONS = ("given_name", "dob", "sex", "nhs_number")


class _Adjacency:
    """The pairs of some rows, looked up by either record: one sorted index, not a dict of lists
    (a million pairs would make millions of small Python objects). Records are integer codes
    shared by every index of one clustering."""

    def __init__(self, ids: _Codes, rows: np.ndarray) -> None:
        order = np.argsort(np.concatenate([ids.left[rows], ids.right[rows]]), kind="stable")
        self._codes = np.concatenate([ids.left[rows], ids.right[rows]])[order]
        self._others = np.concatenate([ids.right_ids[rows], ids.left_ids[rows]])[order]
        self._rows = np.concatenate([rows, rows])[order]
        self._code_of = ids.code_of

    def get(self, record: str) -> list[tuple[str, int]]:
        """``(other record, row)`` for every selected pair of ``record``."""
        code = self._code_of.get(record)
        if code is None:
            return []
        lo = int(np.searchsorted(self._codes, code, side="left"))
        hi = int(np.searchsorted(self._codes, code, side="right"))
        return list(zip(self._others[lo:hi], self._rows[lo:hi].tolist(), strict=True))


class _Codes:
    """Each record of the pairs as an integer, once."""

    def __init__(self, left: np.ndarray, right: np.ndarray) -> None:
        codes, uniques = pd.factorize(np.concatenate([left, right]))
        self.left, self.right = codes[: len(left)], codes[len(left) :]
        self.left_ids, self.right_ids = left, right
        self.code_of = {record: code for code, record in enumerate(uniques)}


class _BandEvidence:
    """What the unambiguous band needs beyond the scores: rivals, and identities that clash.

    ``alternatives`` holds the pairs below the candidate floor that agree on the given name (or
    initial) and that no comparison weighs against: another person the record could equally
    be, however low the pair scores for want of fields (pairs from the floor up are candidates
    already). ``against`` holds the pairs below the floor that an identifying field says are
    two people.
    """

    def __init__(
        self,
        pairs: pd.DataFrame,
        left: np.ndarray,
        right: np.ndarray,
        prob: np.ndarray,
        candidate_probability: float,
    ) -> None:
        # Each comparison's weight (name frequencies folded in), not Splink's separate tf terms.
        names = [c for c in pairs.columns if c.startswith("mw_") and not c.startswith("mw_tf_")]
        self._ids = _Codes(left, right)
        self._scored: _Adjacency | None = None
        none = np.zeros(0, dtype=np.int64)
        if "mw_given_name" not in names:
            self.weights = np.zeros((len(pairs), 0))
            self.total = np.zeros(len(pairs))
            self.alternatives = self.against = _Adjacency(self._ids, none)
            self.clashes = np.zeros(len(pairs), dtype=bool)
            return
        self.weights = pairs[names].to_numpy(dtype=float)
        self.total = self.weights.sum(axis=1)
        low = prob < candidate_probability
        given = pairs["mw_given_name"].to_numpy(dtype=float)
        rival = low & (given > 0) & (self.weights >= 0).all(axis=1)
        self.alternatives = _Adjacency(self._ids, np.flatnonzero(rival))
        identity = [f"mw_{n}" for n in IDENTITY_COMPARISONS if f"mw_{n}" in pairs.columns]
        self.clashes = (pairs[identity].to_numpy(dtype=float) < 0).any(axis=1)
        self.against = _Adjacency(self._ids, np.flatnonzero(low & self.clashes))

    def scored_with(self, record: str) -> list[tuple[str, int]]:
        """``(other record, row)`` for every scored pair of ``record``."""
        if self._scored is None:
            self._scored = _Adjacency(self._ids, np.arange(len(self._ids.left)))
        return self._scored.get(record)

    def rivals(self, j: int, i: int) -> bool:
        """Whether pair ``j`` would score as high as link ``i`` had it the fields it lacks.

        A field a record lacks weighs nothing; what it would have added is, at most, what the
        link gained from it.
        """
        lacking = (self.weights[j] == 0) & (self.weights[i] > 0)
        allowance = float(self.weights[i][lacking].sum())
        return bool(self.total[j] + allowance >= self.total[i] - 1e-9)


class _Groups:
    """Union–find that keeps each group's members, merging the smaller into the larger."""

    def __init__(self) -> None:
        self.root: dict[str, str] = {}
        self.members: dict[str, list[str]] = {}

    def add(self, node: str) -> None:
        if node not in self.root:
            self.root[node] = node
            self.members[node] = [node]

    def find(self, node: str) -> str:
        return self.root[node]

    def union(self, a: str, b: str) -> str:
        ra, rb = self.root[a], self.root[b]
        if ra == rb:
            return ra
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        for member in self.members[rb]:
            self.root[member] = ra
        self.members[ra].extend(self.members.pop(rb))
        return ra


def _pairs_list(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    out = []
    for pair in pairs:
        a, b = pair
        out.append((str(a), str(b)))
    return out


def reference_cluster(
    pairs: pd.DataFrame,
    *,
    threshold: float,
    must_link: Iterable[tuple[str, str]] = (),
    cannot_link: Iterable[tuple[str, str]] = (),
    ids: Iterable[str] | None = None,
    contrary_probability: float = CONTRARY_PROBABILITY,
    unambiguous_probability: float | None = UNAMBIGUOUS_PROBABILITY,
    candidate_probability: float = REVIEW_LOWER,
    previous: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Assign each record to a person: ``{unique_id: representative unique_id}``.

    ``pairs`` has ``unique_id_l``, ``unique_id_r``, ``match_probability`` and optionally
    ``match_weight`` (used to order links, strongest first). Pairs at or above ``threshold``
    (a match probability) link; ``must_link`` pairs are always in one person; ``cannot_link``
    pairs never are, and neither are two records with a scored pair below
    ``contrary_probability`` or, unless their pair links, with different NHS numbers (an
    ``mw_nhs_number`` at or below `CONTRARY_IDENTIFIER_WEIGHT`). ``ids`` lists records to
    include even if they are in no pair (they become persons of one). After the links above
    ``threshold``, a pair from ``unambiguous_probability`` up links when each side's person
    has no other candidate (no other pair at ``candidate_probability`` or above); ``None``
    turns that off. ``previous`` (record → its person before this run) makes a standing link
    sticky: a pair of records already in one person, scored from ``candidate_probability`` up,
    stays linked without the "no other candidate" test, unless something vetoes it as above —
    so a retrained model or a new namesake does not split a person the evidence still supports.
    A must-link that contradicts a cannot-link raises `JoinedupError`.

    Example: ``cluster(pairs, threshold=0.999, ids=frame["unique_id"])``.
    """
    if not 0.0 <= threshold <= 1.0:
        raise JoinedupError(f"threshold is a match probability between 0 and 1, got {threshold}")
    for column in ("unique_id_l", "unique_id_r", "match_probability"):
        if column not in pairs.columns:
            raise JoinedupError(f"pairs need a {column!r} column")
    must = _pairs_list(must_link)
    cannot = _pairs_list(cannot_link)

    groups = _Groups()
    for node in ids if ids is not None else ():
        groups.add(str(node))
    left = pairs["unique_id_l"].astype(str).to_numpy()
    right = pairs["unique_id_r"].astype(str).to_numpy()
    prob = pairs["match_probability"].to_numpy(dtype=float)
    # Hashing, not sorting: the order records are added in does not change the result.
    for node in pd.unique(np.concatenate([left, right])) if len(pairs) else ():
        groups.add(str(node))
    for a, b in must + cannot:
        groups.add(a)
        groups.add(b)

    forbidden: dict[str, set[str]] = {}
    # Pairs kept apart only by their own low score, not by a reviewer or an NHS number: a merge
    # past one of them may go ahead when all the evidence between the two groups favours it.
    outweighable: set[tuple[str, str]] = set()

    absolute: set[tuple[str, str]] = set()

    def forbid(a: str, b: str, *, soft: bool = False) -> None:
        forbidden.setdefault(a, set()).add(b)
        forbidden.setdefault(b, set()).add(a)
        (outweighable if soft else absolute).update({(a, b), (b, a)})

    for a, b in cannot:
        if a == b:
            raise JoinedupError(f"a record cannot be kept apart from itself: {a}")
        forbid(a, b)

    all_weights = (
        pairs["match_weight"].to_numpy(dtype=float) if "match_weight" in pairs.columns else prob
    )

    def strongest_first(selected: np.ndarray) -> np.ndarray:
        # Ties broken by the record keys so the result never depends on row order.
        idx = np.flatnonzero(selected)
        return idx[np.lexsort((right[idx], left[idx], -all_weights[idx]))]

    order = strongest_first(prob >= threshold)
    second_floor = threshold if unambiguous_probability is None else unambiguous_probability
    together = np.zeros(len(prob), dtype=bool)
    if previous:
        before_l = np.array([previous.get(a) for a in left], dtype=object)
        before_r = np.array([previous.get(b) for b in right], dtype=object)
        together = (before_l == before_r) & (before_l != None)  # noqa: E711 (element-wise)
    standing = together & (prob >= candidate_probability) & (prob < threshold)
    second = strongest_first(((prob >= second_floor) & (prob < threshold)) | standing)

    # Contrary evidence only matters between records that some link could bring together.
    touched = set(left[order]) | set(right[order]) | {n for pair in must for n in pair}
    touched |= set(left[second]) | set(right[second])
    low_score = prob < contrary_probability
    different_numbers = np.zeros(len(prob), dtype=bool)
    if "mw_nhs_number" in pairs.columns:
        # Two records with different NHS numbers are two people unless their own pair links:
        # a chain through a third record that holds no number must not join them.
        nhs = pairs["mw_nhs_number"].to_numpy(dtype=float)
        different_numbers = (nhs <= CONTRARY_IDENTIFIER_WEIGHT) & (prob < threshold)
    for i in np.flatnonzero(low_score | different_numbers):
        a, b = left[i], right[i]
        if a in touched and b in touched:
            forbid(a, b, soft=not different_numbers[i])

    weights_of: dict[str, dict[str, float]] = {}
    # All of the evidence between two groups must be as strong as one link on its own.
    link_weight = math.log2(max(threshold, 1e-12) / max(1.0 - threshold, 1e-12))
    if outweighable:
        if "match_weight" in pairs.columns:
            evidence = all_weights
        else:
            clipped = np.clip(prob, 1e-12, 1.0 - 1e-12)
            evidence = np.log2(clipped / (1.0 - clipped))
        for a, b, w in zip(left, right, evidence, strict=True):
            if a in touched and b in touched and a != b:
                # A pair scored twice counts once, at its weaker score, whatever the row order.
                kept = min(float(w), weights_of.get(a, {}).get(b, math.inf))
                weights_of.setdefault(a, {})[b] = kept
                weights_of.setdefault(b, {})[a] = kept

    def conflict(ra: str, rb: str, *, outweigh: bool = False) -> bool:
        small, large = (ra, rb) if len(groups.members[ra]) <= len(groups.members[rb]) else (rb, ra)
        soft_only = True
        for member in groups.members[small]:
            for other in forbidden.get(member, ()):
                if groups.find(other) == large:
                    pair = (member, other)
                    if not outweigh or pair in absolute or pair not in outweighable:
                        return True
                    soft_only = False
        if soft_only:
            return False
        # Only low-scored pairs stand in the way: weigh every scored pair between the groups.
        total = sum(
            w
            for member in groups.members[small]
            for other, w in weights_of.get(member, {}).items()
            if groups.find(other) == large
        )
        return total < link_weight

    cannot_set = {(a, b) for a, b in cannot} | {(b, a) for a, b in cannot}
    for a, b in must:
        ra, rb = groups.find(a), groups.find(b)
        if ra == rb:
            continue
        if any(
            groups.find(other) == rb
            for member in groups.members[ra]
            for other in forbidden.get(member, ())
            if (member, other) in cannot_set
        ):
            raise JoinedupError(
                f"review decisions conflict: {a} and {b} must be linked, "
                "but that would join a pair marked not-link"
            )
        groups.union(a, b)

    for i in order:
        a, b = left[i], right[i]
        ra, rb = groups.find(a), groups.find(b)
        if ra == rb or conflict(ra, rb, outweigh=True):
            continue
        groups.union(a, b)

    if len(second):
        candidates: dict[str, list[tuple[str, int]]] = {}
        for i in np.flatnonzero(prob >= candidate_probability):
            candidates.setdefault(left[i], []).append((right[i], int(i)))
            candidates.setdefault(right[i], []).append((left[i], int(i)))

        def others(root: str) -> set[str]:
            members = groups.members[root]
            found = {groups.find(o) for m in members for o, _ in candidates.get(m, ())}
            found.discard(root)
            return found

        def rivals_for(root: str, partner: str, i: int) -> set[str]:
            ruled_out = {
                groups.find(o) for m in groups.members[partner] for o, _ in band.against.get(m)
            }
            shared = {
                groups.find(o)
                for m in groups.members[partner]
                for o, k in candidates.get(m, ())
                if not band.clashes[k]
            }
            found = set()
            for member in groups.members[root]:
                for other, j in candidates.get(member, ()):
                    theirs = groups.find(other)
                    if theirs == root or (theirs in ruled_out and band.clashes[j]):
                        continue
                    if theirs in shared and not band.clashes[j] and not band.rivals(j, i):
                        continue
                    found.add(theirs)
            return found

        band = _BandEvidence(pairs, left, right, prob, candidate_probability)

        def rival(i: int, root: str, partner: str) -> bool:
            for member in groups.members[root]:
                for other, j in band.alternatives.get(member):
                    if groups.find(other) not in (root, partner) and band.rivals(j, i):
                        return True
            return False

        def contradicted(ra: str, rb: str) -> bool:
            small, large = (
                (ra, rb) if len(groups.members[ra]) <= len(groups.members[rb]) else (rb, ra)
            )
            clash = any(
                groups.find(other) == large
                for member in groups.members[small]
                for other, _ in band.against.get(member)
            )
            if not clash:
                return False
            # A duplicate with a mistyped birth date clashes with one record of its person and
            # agrees with the rest. The clash gives way on the terms a contrary pair gives way to
            # a strong link: when all the pairs between the two groups are as strong as one link.
            total = sum(
                all_weights[j]
                for member in groups.members[small]
                for other, j in band.scored_with(member)
                if groups.find(other) == large
            )
            return bool(total < link_weight)

        for i in second:
            ra, rb = groups.find(left[i]), groups.find(right[i])
            if ra == rb or conflict(ra, rb):
                continue
            if not standing[i]:
                unique = others(ra) == {rb} and others(rb) == {ra}
                if not unique and (rivals_for(ra, rb, i) != {rb} or rivals_for(rb, ra, i) != {ra}):
                    continue
                if rival(i, ra, rb) or rival(i, rb, ra) or contradicted(ra, rb):
                    continue
            groups.union(ra, rb)

    assignment: dict[str, str] = {}
    for members in groups.members.values():
        representative = min(members)
        for member in members:
            assignment[member] = representative
    return assignment
