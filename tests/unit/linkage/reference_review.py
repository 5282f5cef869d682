"""The review queue's candidates and the evidence rows as first written, one Python loop over
every scored pair, kept as the reference the column-at-a-time versions must agree with."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from joinedup.linkage import thresholds
from joinedup.linkage.review_queue import (
    WEAK_LINK_MARGIN,
    Candidate,
    _weakest_holding_edge,
    canonical_pair,
    uncertain_risk,
    weak_link_risk,
)


def reference_find_candidates(
    pairs: pd.DataFrame,
    membership: Mapping[str, str],
    *,
    decided: Iterable[tuple[str, str]] = (),
    band: tuple[float, float] = thresholds.REVIEW_BAND,
) -> list[Candidate]:
    """The review candidates among scored ``pairs`` given the persons records ended up in.

    ``pairs`` has ``unique_id_l``, ``unique_id_r``, ``match_weight`` and ``match_probability``;
    ``membership`` maps record keys to person ids. Pairs already ``decided`` are left out. The
    result is sorted largest risk first, then by pair, so it is the same on every run.
    """
    done = set(decided)
    low, high = band
    link_weight = thresholds.probability_to_weight(high)
    out: list[Candidate] = []
    # The strongest pair seen between each record and each other record of its person, kept
    # per person as edges for a maximum spanning forest.
    inside: dict[str, list[tuple[float, str, str, float]]] = {}
    if len(pairs):
        frame = pairs[["unique_id_l", "unique_id_r", "match_weight", "match_probability"]]
        for left, right, weight, probability in frame.itertuples(index=False, name=None):
            pair = canonical_pair(str(left), str(right))
            if pair in done:
                continue
            person_l, person_r = membership.get(pair[0]), membership.get(pair[1])
            if person_l is not None and person_l == person_r:
                if probability >= high:
                    inside.setdefault(person_l, []).append(
                        (float(weight), pair[0], pair[1], float(probability))
                    )
            elif low <= probability < high:
                out.append(
                    Candidate(
                        pair,
                        float(weight),
                        float(probability),
                        "uncertain",
                        uncertain_risk(float(probability)),
                    )
                )
    for person_id, edges in inside.items():
        weakest = _weakest_holding_edge(edges)
        if weakest is not None and weakest[0] < link_weight + WEAK_LINK_MARGIN:
            weight, left, right, probability = weakest
            out.append(
                Candidate(
                    (left, right),
                    weight,
                    probability,
                    "weak_link",
                    weak_link_risk(weight, link_weight),
                    person_id,
                )
            )
    out.sort(key=lambda c: (-c.risk, c.pair))
    return out
