"""Default decision thresholds for linkage — the one place they are set.

A wrong merge shows one resident's record to another resident's practitioner; a missed link
leaves a record unjoined until a reviewer or a later record joins it. So the default favours
precision: a pair joins a person automatically at a match probability of 0.999 (match weight
about 10), or from 0.65 when it is the only candidate on both sides; pairs from 0.5 up that did
not link go to review.
"""

from __future__ import annotations

import math

#: A pair at or above this match probability links automatically.
MATCH_PROBABILITY = 0.999

#: Pairs with probability in [REVIEW_LOWER, MATCH_PROBABILITY) go to the review queue.
REVIEW_LOWER = 0.5
REVIEW_BAND: tuple[float, float] = (REVIEW_LOWER, MATCH_PROBABILITY)

#: A pair from this probability up to MATCH_PROBABILITY links only when it is unambiguous: each
#: side's person has no other candidate (no other pair at REVIEW_LOWER or above). This is how
#: "Mr J Smith, 12 High St" with no date of birth joins the one John Smith living there, but not
#: either of a father and son of that name: an initial and a surname that agree with the only
#: person of that name at one address are strong evidence, and a second candidate is the reason
#: not to link. Trained on a borough, such a pair scores about 0.85 (it scored 0.6 while every
#: flat of a block counted as one dwelling, which made sharing an address look common). What the
#: rule cannot see is a namesake who is in no other source (a father on the council tax roll
#: only, whose son is the one person of that name the sources hold); a suffix (Snr, Jr) on
#: either record, an adult's title against a child's date of birth, and a rival that lacks a
#: field are what keep such pairs apart (see cluster.py and docs/linkage-model.md). Safety
#: first: a wrong merge shows one resident's record to another's practitioner.
UNAMBIGUOUS_PROBABILITY = 0.65

#: A scored pair below this probability is strong evidence that two records are different
#: people: clustering refuses a merge that would put such a pair in one person.
CONTRARY_PROBABILITY = 0.01

#: A pair whose NHS numbers differ (match weight of that comparison at or below this) is kept
#: apart like a contrary pair unless it links on its own: an NHS number is issued to one person.
CONTRARY_IDENTIFIER_WEIGHT = -5.0


def probability_to_weight(probability: float) -> float:
    """The match weight (log2 Bayes factor against a 50:50 prior) of a match probability."""
    if not 0.0 < probability < 1.0:
        raise ValueError("probability must be strictly between 0 and 1")
    return math.log2(probability / (1.0 - probability))


def weight_to_probability(weight: float) -> float:
    """The match probability of a match weight."""
    return 1.0 / (1.0 + 2.0 ** (-weight))


def in_review_band(probability: float) -> bool:
    """Whether a pair with this match probability belongs in the review queue."""
    return REVIEW_LOWER <= probability < MATCH_PROBABILITY
