"""The one line training prints when it left something to joinedup's built-in values."""

from __future__ import annotations

import pytest

from joinedup.linkage.priors import prior_parameters
from joinedup.linkage.training import skipped_block, training_gaps


class EMTrainingException(Exception):
    """Stands in for Splink's: the line goes by the error's class name only."""


def _params(untrained: int = 0, zero_u: int = 0) -> dict:
    params = prior_parameters()
    levels = [level for lvs in params.values() for level in lvs]
    for level in levels[:untrained]:
        level["m"] = "untrained"
    for level in levels[untrained : untrained + zero_u]:
        level["u"] = 0.0
    return params


TOTAL = sum(len(levels) for levels in prior_parameters().values())

# (description, params, rate from prior, skipped blocks, expected line)
CASES = [
    ("everything learned: nothing to say", _params(), False, [], None),
    (
        "levels no pair reached",
        _params(untrained=10, zero_u=2),
        False,
        [],
        f"training: 12 of {TOTAL} comparison levels could not be estimated from these records,"
        " so they keep joinedup's built-in values",
    ),
    (
        "only the match rate",
        _params(),
        True,
        [],
        "training: the chance that two records match could not be estimated from these"
        " records, so it keeps joinedup's built-in value",
    ),
    (
        "a tiny extract: nothing learned, and why",
        _params(untrained=TOTAL),
        True,
        ["no two records share a date of birth"],
        f"training: the chance that two records match and all {TOTAL} comparison levels could"
        " not be estimated from these records, so they keep joinedup's built-in values"
        " (no two records share a date of birth)",
    ),
    (
        "a block failed but the other taught every level",
        _params(),
        False,
        ["Splink could not learn from pairs that share a date of birth: ValueError"],
        "training: Splink could not learn from pairs that share a date of birth: ValueError;"
        " the other pairs still gave every level a value",
    ),
]


@pytest.mark.parametrize(("description", "params", "rate", "skipped", "expected"), CASES)
def test_training_line(description, params, rate, skipped, expected) -> None:
    assert training_gaps(params, rate, skipped) == expected, description


def test_a_skipped_block_is_named_by_what_its_pairs_share_never_by_the_error_text() -> None:
    secret = ValueError("m_probability for 'Okafor' is 0.0")
    assert skipped_block("train_name", secret) == (
        "Splink could not learn from pairs that share a given and family name: ValueError"
    )
    assert skipped_block("train_dob", EMTrainingException("…")) == (
        "no two records share a date of birth"
    )
