"""The review queue and reviewers' decisions: what a person should look at, and what they said.

Two kinds of pair go to the queue:

- ``uncertain`` — a scored pair in the review band (``thresholds.REVIEW_BAND``) whose records
  the run left in different persons: possibly a missed link.
- ``weak_link`` — the weakest pair holding a person together, when it is not much above the
  link threshold: possibly a wrong merge.

A wrong merge shows one resident's record to another's practitioner, so weak links rank above
every uncertain pair (risk 1–2 against 0–1); within each kind, the nearer the evidence is to the
threshold the higher the risk. Decisions are appended, never edited; the latest per pair is in
force and every later run obeys it (``link`` pairs are always in one person, ``not-link`` pairs
never). So decisions must not contradict each other, even through other pairs: ``link``
decisions join their records into groups, and a ``not-link`` pair inside one group could never
be obeyed. ``decide`` refuses such a decision and names the decisions it contradicts (the
check itself is ``contradictions``). The scoring is pure; the functions taking a ``Session``
read and write the queue and the decisions.

The work is in three modules — ``review_pairs`` (how a pair is written and read),
``review_queue`` (candidates, risk, the open queue) and ``review_decisions`` (recording and
checking decisions) — and this module is their one public surface: import from here.
"""

from __future__ import annotations

from joinedup.linkage.review_decisions import (
    DECISIONS,
    NOTE_MAX,
    UNSEEN,
    ContradictoryDecision,
    DecidedMeanwhile,
    Recorded,
    Seen,
    check_in_force,
    decide,
    decisions_in_force,
    latest_on,
    refusal,
)
from joinedup.linkage.review_pairs import (
    PAIR_SEPARATOR,
    canonical_pair,
    format_pair,
    parse_pair,
)
from joinedup.linkage.review_queue import (
    WEAK_LINK_MARGIN,
    Candidate,
    find_candidates,
    open_count,
    open_items,
    refresh_queue,
    uncertain_risk,
    weak_link_risk,
)

__all__ = [
    "DECISIONS",
    "NOTE_MAX",
    "PAIR_SEPARATOR",
    "UNSEEN",
    "WEAK_LINK_MARGIN",
    "Candidate",
    "ContradictoryDecision",
    "DecidedMeanwhile",
    "Recorded",
    "Seen",
    "canonical_pair",
    "check_in_force",
    "decide",
    "decisions_in_force",
    "find_candidates",
    "format_pair",
    "latest_on",
    "open_count",
    "open_items",
    "parse_pair",
    "refresh_queue",
    "refusal",
    "uncertain_risk",
    "weak_link_risk",
]
