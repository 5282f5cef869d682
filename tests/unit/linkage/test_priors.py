"""The safety rule that holds one level's weight against another's, whatever training said."""

from __future__ import annotations

import math

import pytest

from joinedup.linkage.levels import AGE_CONFLICT, DOB_DIFFERENT
from joinedup.linkage.priors import apply_safety_rules, prior_parameters


def _trained(**levels: tuple[float, float]) -> dict:
    parameters = prior_parameters()
    for level in parameters["dob"]:
        if level["label"] in levels:
            level["m"], level["u"] = levels[str(level["label"])]
    return parameters


def _weight(parameters: dict, label: str) -> float:
    level = next(lv for lv in parameters["dob"] if lv["label"] == label)
    return math.log2(float(level["m"]) / float(level["u"]))


@pytest.mark.parametrize(
    ("why", "trained", "moved"),
    [
        (
            "an adult's title against a child's birth date trained weaker is held to two dates",
            {AGE_CONFLICT: (0.002, 0.01), DOB_DIFFERENT: (0.005, 0.79)},
            True,
        ),
        (
            "trained as strongly against, it keeps its weight",
            {AGE_CONFLICT: (0.001, 0.9), DOB_DIFFERENT: (0.005, 0.79)},
            False,
        ),
    ],
)
def test_an_adults_title_against_a_childs_birth_date_weighs_as_two_dates(why, trained, moved):
    fixed = apply_safety_rules(_trained(**trained))
    assert _weight(fixed, AGE_CONFLICT) <= _weight(fixed, DOB_DIFFERENT) + 1e-9, why
    m, u = trained[AGE_CONFLICT]
    level = next(lv for lv in fixed["dob"] if lv["label"] == AGE_CONFLICT)
    # m, how often one person's records fall at the level, is what training saw; u moves.
    assert float(level["m"]) == pytest.approx(m), why
    assert (float(level["u"]) != pytest.approx(u)) is moved, why
    assert apply_safety_rules(fixed) == fixed, why  # saved and loaded, the same model
