"""Group scored pairs into persons, favouring precision over reach.

Splink's connected components join any two records linked by a chain of pairs above the
threshold, however long: one weak link between a father's and a son's records makes them one
person. Here links are taken strongest first, and a merge of two groups is refused when it would
put together two records that a reviewer said are different people (cannot-link), that carry
different NHS numbers, or that the model scored as strongly different (below
`CONTRARY_PROBABILITY`). That last veto is not absolute for a link above the threshold: when
the match weights of all scored pairs between the two groups sum to at least a link's own
weight, the evidence as a whole says one person (a duplicate with a mistyped name and birth
date scores low against its siblings but is held by an NHS number and an address). Reviewer
must-links are applied first and always hold.

Below the threshold, a pair in the unambiguous band links only when it is the one candidate on
both sides. A rival counts even when it scores lower only for want of a field (a father whose
GP record holds no sex is still a "Mr G Rossi"); a record whose name or sex says otherwise is
no rival, and nor is a candidate of one side that clashes with it on a field that says who
someone is and that the other side's records rule out too (a schoolboy named after his father
is no rival for the father's council-tax row). And the band never joins a record to a person
one of whose records it contradicts by a field that says who someone is (a baby Olivia is not
the Olivia born in 2002, however well she matches that Olivia's council-tax row), unless the
pairs between them, all told, are as strong as one link — the terms on which a contrary pair
gives way above the threshold.

The result maps every record to its group's representative — the smallest record key in the
group — so the same pairs give the same answer on every run and engine.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping

import numpy as np
import pandas as pd

from joinedup.errors import JoinedupError
from joinedup.linkage.cluster_graph import Codes, Groups, Neighbours
from joinedup.linkage.thresholds import (
    CONTRARY_IDENTIFIER_WEIGHT,
    CONTRARY_PROBABILITY,
    REVIEW_LOWER,
    UNAMBIGUOUS_PROBABILITY,
)

#: Comparisons that say who someone is, not where they live or how to reach them: a pair that
#: one of these weighs against is two people whatever their address, phone or surname say.
IDENTITY_COMPARISONS = ("given_name", "dob", "sex", "nhs_number")


class _BandEvidence:
    """What the unambiguous band needs beyond the scores: rivals, and identities that clash.

    ``alternatives`` holds the pairs below the candidate floor that agree on the given name (or
    initial) and that no comparison weighs against: another person the record could equally
    be, however low the pair scores for want of fields (pairs from the floor up are candidates
    already). ``against`` holds the pairs below the floor that an identifying field says are
    two people. Each is looked up by record code: ``(other record, pair row)``.
    """

    def __init__(
        self,
        pairs: pd.DataFrame,
        codes: Codes,
        prob: np.ndarray,
        candidate_probability: float,
    ) -> None:
        # Each comparison's weight (name frequencies folded in), not Splink's separate tf terms.
        names = [c for c in pairs.columns if c.startswith("mw_") and not c.startswith("mw_tf_")]
        self._codes = codes
        self._scored: Neighbours | None = None
        if "mw_given_name" not in names:
            self.weights = np.zeros((len(pairs), 0))
            self.total = np.zeros(len(pairs))
            self.alternatives = self.against = self._rows(np.zeros(0, dtype=np.int64))
            self.clashes: np.ndarray = np.zeros(len(pairs), dtype=bool)
            return
        self.weights = pairs[names].to_numpy(dtype=float)
        self.total = self.weights.sum(axis=1)
        low = prob < candidate_probability
        given = pairs["mw_given_name"].to_numpy(dtype=float)
        rival = low & (given > 0) & (self.weights >= 0).all(axis=1)
        self.alternatives = self._rows(np.flatnonzero(rival))
        identity = [f"mw_{n}" for n in IDENTITY_COMPARISONS if f"mw_{n}" in pairs.columns]
        #: Per pair: an identifying field weighs against it (whatever its score).
        self.clashes = np.asarray((pairs[identity].to_numpy(dtype=float) < 0).any(axis=1))
        self.against = self._rows(np.flatnonzero(low & self.clashes))

    def _rows(self, rows: np.ndarray) -> Neighbours:
        codes = self._codes
        return Neighbours.both_ways(len(codes), codes.left[rows], codes.right[rows], rows)

    def scored_with(self, record: int) -> list[tuple[int, ...]]:
        """``(other record, row)`` for every scored pair of ``record``."""
        if self._scored is None:
            self._scored = self._rows(np.arange(len(self._codes.left)))
        return self._scored.entries(record)

    def rivals(self, j: int, i: int) -> bool:
        """Whether pair ``j`` would score as high as link ``i`` had it the fields it lacks.

        A field a record lacks weighs nothing; what it would have added is, at most, what the
        link gained from it.
        """
        lacking = (self.weights[j] == 0) & (self.weights[i] > 0)
        allowance = float(self.weights[i][lacking].sum())
        return bool(self.total[j] + allowance >= self.total[i] - 1e-9)


def _pairs_list(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    out = []
    for pair in pairs:
        a, b = pair
        out.append((str(a), str(b)))
    return out


def cluster(
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
    for a, b in cannot:
        if a == b:
            raise JoinedupError(f"a record cannot be kept apart from itself: {a}")

    given = [str(node) for node in ids] if ids is not None else []
    named = [node for pair in must + cannot for node in pair]
    codes = Codes.of_pairs(pairs["unique_id_l"], pairs["unique_id_r"], [*given, *named])
    size = len(codes)
    left, right = codes.left, codes.right
    decided = codes.extra[len(given) :].reshape(-1, 2)
    must_codes, cannot_codes = decided[: len(must)], decided[len(must) :]
    prob = pairs["match_probability"].to_numpy(dtype=float)
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
        person, _ = pd.factorize(pd.Series(list(previous.values()), dtype=object))
        where = codes.of(list(previous))
        before = np.full(size, -1, dtype=np.int64)
        before[where[where >= 0]] = person[where >= 0]
        together = (before[left] == before[right]) & (before[left] >= 0)
    standing = together & (prob >= candidate_probability) & (prob < threshold)
    # "Jr" facing a record with no suffix and no birth date: either namesake (model.py).
    unsure = (
        pairs["generation_unknown"].fillna(False).to_numpy(dtype=bool)
        if "generation_unknown" in pairs.columns
        else np.zeros(len(prob), dtype=bool)
    )
    second = strongest_first(((prob >= second_floor) & (prob < threshold) & ~unsure) | standing)

    # Contrary evidence only matters between records that some link could bring together.
    touched = np.zeros(size, dtype=bool)
    for chosen in (order, second):
        touched[left[chosen]] = True
        touched[right[chosen]] = True
    touched[must_codes.ravel()] = True
    low_score = prob < contrary_probability
    different_numbers = np.zeros(len(prob), dtype=bool)
    if "mw_nhs_number" in pairs.columns:
        # Two records with different NHS numbers are two people unless their own pair links:
        # a chain through a third record that holds no number must not join them.
        nhs = pairs["mw_nhs_number"].to_numpy(dtype=float)
        different_numbers = (nhs <= CONTRARY_IDENTIFIER_WEIGHT) & (prob < threshold)
    contrary = np.flatnonzero((low_score | different_numbers) & touched[left] & touched[right])
    # Kept apart: a reviewer's not-link or different NHS numbers always ("hard"); a pair's own
    # low score only until all the evidence between the two groups outweighs it.
    forbidden = Neighbours.both_ways(
        size,
        np.concatenate([cannot_codes[:, 0], left[contrary]]),
        np.concatenate([cannot_codes[:, 1], right[contrary]]),
        np.concatenate([np.ones(len(cannot_codes), dtype=bool), different_numbers[contrary]]),
    )
    cannot_set = {(a, b) for a, b in cannot_codes.tolist()}
    cannot_set |= {(b, a) for a, b in cannot_set}

    # All of the evidence between two groups must be as strong as one link on its own.
    link_weight = math.log2(max(threshold, 1e-12) / max(1.0 - threshold, 1e-12))
    scored: Neighbours | None = None

    def evidence_between(small: int, large: int) -> Iterator[float]:
        """The weight of each scored pair between two groups, a pair scored twice once at its
        weaker score, in the order the pairs were given."""
        nonlocal scored
        if scored is None:
            if "match_weight" in pairs.columns:
                evidence = all_weights
            else:
                clipped = np.clip(prob, 1e-12, 1.0 - 1e-12)
                evidence = np.log2(clipped / (1.0 - clipped))
            scored = Neighbours.in_pair_order(size, left, right, evidence)
        for member in groups.members(small):
            seen: dict[int, float] = {}
            for other, w in scored.entries(member):
                if root[other] == large:
                    seen[other] = min(w, seen.get(other, math.inf))
            yield from seen.values()

    groups = Groups(size, forbidden.degrees())
    root = groups.root
    starts, neighbour, hard = forbidden.start, forbidden.other, forbidden.payload[0]

    def conflict(ra: int, rb: int, *, outweigh: bool = False) -> bool:
        # Look for pairs kept apart from the side with fewer of them (they are listed under
        # both records): a record with a common name is kept apart from thousands.
        da, db = groups.degree(ra), groups.degree(rb)
        if da == 0 or db == 0:
            return False
        near, far = (ra, rb) if da <= db else (rb, ra)
        soft_only = True
        for member in groups.members(near):
            for k in range(starts[member], starts[member + 1]):
                if root[neighbour[k]] == far:
                    if not outweigh or hard[k]:
                        return True
                    soft_only = False
        if soft_only:
            return False
        # Only low-scored pairs stand in the way: weigh every scored pair between the groups.
        small, large = (ra, rb) if groups.size(ra) <= groups.size(rb) else (rb, ra)
        return sum(evidence_between(small, large)) < link_weight

    for (a, b), (a_key, b_key) in zip(must_codes.tolist(), must, strict=True):
        ra, rb = root[a], root[b]
        if ra == rb:
            continue
        if any(
            root[other] == rb
            for member in groups.members(ra)
            for other in forbidden.others(member)
            if (member, other) in cannot_set
        ):
            # Name the not-link pair in the way (found again here: this is the error path).
            kept_apart = {
                frozenset(c): keys for c, keys in zip(cannot_codes.tolist(), cannot, strict=True)
            }
            x_key, y_key = next(
                kept_apart[frozenset((member, other))]
                for member in groups.members(ra)
                for other in forbidden.others(member)
                if (member, other) in cannot_set and root[other] == rb
            )
            # A must-link is a reviewer's link or, in an incremental run, part of a person
            # carried whole, so the message offers the way out of each.
            raise JoinedupError(
                f"review decisions conflict: {a_key} and {b_key} must be linked, but that "
                f"would join {x_key} ~ {y_key}, a pair a reviewer marked not-link. If reviewers' "
                "decisions contradict each other, decide one of these pairs again (joinedup "
                "review decide; a later decision on a pair replaces the earlier one); if they "
                "do not, run link --full, which decides every person afresh"
            )
        groups.union(a, b)

    lefts, rights = left.tolist(), right.tolist()
    for i in order.tolist():
        a, b = lefts[i], rights[i]
        ra, rb = root[a], root[b]
        if ra == rb or conflict(ra, rb, outweigh=True):
            continue
        groups.union(a, b)

    if len(second):
        above = np.flatnonzero(prob >= candidate_probability)
        candidates = Neighbours.both_ways(size, left[above], right[above], above)

        def others(group: int) -> set[int]:
            found = {root[o] for m in groups.members(group) for o in candidates.others(m)}
            found.discard(group)
            return found

        band = _BandEvidence(pairs, codes, prob, candidate_probability)

        def rival(i: int, group: int, partner: int) -> bool:
            for member in groups.members(group):
                for other, j in band.alternatives.entries(member):
                    if root[other] not in (group, partner) and band.rivals(j, i):
                        return True
            return False

        def rivals_for(group: int, partner: int, i: int) -> set[int]:
            # A candidate of `group` is no rival for `partner` when two things say it is someone
            # else: its own pair with `group` clashes on an identifying field, and `partner`'s
            # records rule it out. A five-year-old named after his father scores as a candidate
            # for the father's GP record despite the birth dates, but he cannot be the adult
            # of the council-tax row that GP record is the one candidate for.
            # Nor is a third record that could be the one person both sides are: a candidate
            # of `partner` too, with nothing identifying against it, and weaker with `group`
            # than link `i` even given the fields it lacks. A council-tax "Mr J Smith" at the
            # address of a GP's John Smith and a housing-benefit John Smith does not make them
            # two people; were it the only other record, the two would link.
            ruled_out = {root[o] for m in groups.members(partner) for o in band.against.others(m)}
            shared: set[int] | None = None  # the partner's own candidates, when first needed
            found = set()
            for member in groups.members(group):
                for other, j in candidates.entries(member):
                    theirs = root[other]
                    if theirs == group or (theirs in ruled_out and band.clashes[j]):
                        continue
                    if not band.clashes[j] and not band.rivals(j, i):
                        if shared is None:
                            shared = {
                                root[o]
                                for m in groups.members(partner)
                                for o, k in candidates.entries(m)
                                if not band.clashes[k]
                            }
                        if theirs in shared:
                            continue
                    found.add(theirs)
            return found

        def contradicted(ra: int, rb: int) -> bool:
            small, large = (ra, rb) if groups.size(ra) <= groups.size(rb) else (rb, ra)
            clash = any(
                root[other] == large
                for member in groups.members(small)
                for other in band.against.others(member)
            )
            if not clash:
                return False
            # A duplicate with a mistyped birth date clashes with one record of its person and
            # agrees with the rest. The clash gives way on the terms a contrary pair gives way to
            # a strong link: when all the pairs between the two groups are as strong as one link.
            total = sum(
                all_weights[j]
                for member in groups.members(small)
                for other, j in band.scored_with(member)
                if root[other] == large
            )
            return bool(total < link_weight)

        for i in second.tolist():
            ra, rb = root[lefts[i]], root[rights[i]]
            if ra == rb or conflict(ra, rb):
                continue
            if not standing[i]:
                unique = others(ra) == {rb} and others(rb) == {ra}
                if not unique and (rivals_for(ra, rb, i) != {rb} or rivals_for(rb, ra, i) != {ra}):
                    continue
                if rival(i, ra, rb) or rival(i, rb, ra) or contradicted(ra, rb):
                    continue
            groups.union(ra, rb)

    keys = codes.keys
    return dict(zip(keys.tolist(), keys[groups.representatives()].tolist(), strict=True))
