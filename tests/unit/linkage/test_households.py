"""Households measured in the records: who shares an address, and what the model makes of it."""

from __future__ import annotations

import json
import math

import pyarrow as pa
import pytest

from joinedup.errors import JoinedupError
from joinedup.linkage import households
from joinedup.linkage.frame import records_frame
from joinedup.linkage.households import Coresidents
from joinedup.linkage.levels import (
    DOB_DIFFERENT,
    FAMILY_AT_SHARED_LOCATION,
    FAMILY_EXACT,
    GIVEN_DIFFERENT,
    GIVEN_DIFFERENT_TWIN,
    LANDLINE,
    LANDLINE_AT_SHARED_ADDRESS,
    MOBILE,
    MOBILE_HOUSEHOLD,
)
from joinedup.linkage.model import PersonModel
from joinedup.linkage.priors import apply_safety_rules, prior_parameters


def person(record: str, given: str, family: str, dob: str, postcode: str, **more: str) -> dict:
    return {
        "source_id": "gp",
        "record_id": record,
        "given_name": given,
        "family_name": family,
        "date_of_birth": dob,
        "postcode": postcode,
        "house_number": "12",
        **more,
    }


def table(records: list[dict]) -> pa.Table:
    return pa.Table.from_pandas(records_frame(records), preserve_index=False)


# (description, records, expected pairs, expected pairs with one family name)
MEASURE_CASES = [
    (
        "a parent and child: different initials, a generation apart, one surname",
        [
            person("1", "Grace", "Okafor", "1970-02-03", "LS6 2AB"),
            person("2", "Daniel", "Okafor", "2005-06-07", "LS6 2AB"),
        ],
        1,
        1,
    ),
    (
        "lodgers who met at the address: different surnames",
        [
            person("1", "Grace", "Okafor", "1970-02-03", "LS6 2AB"),
            person("2", "Daniel", "Kowalski", "1999-06-07", "LS6 2AB"),
        ],
        1,
        0,
    ),
    (
        "siblings a few years apart are not counted: one person's year could be mistyped",
        [
            person("1", "Grace", "Okafor", "2001-02-03", "LS6 2AB"),
            person("2", "Daniel", "Okafor", "2005-06-07", "LS6 2AB"),
        ],
        0,
        0,
    ),
    (
        "one initial is not counted: a nickname or a typo of one person",
        [
            person("1", "Daniel", "Okafor", "1970-02-03", "LS6 2AB"),
            person("2", "Dan", "Okafor", "2005-06-07", "LS6 2AB"),
        ],
        0,
        0,
    ),
    (
        "different addresses are not co-residents",
        [
            person("1", "Grace", "Okafor", "1970-02-03", "LS6 2AB"),
            person("2", "Daniel", "Okafor", "2005-06-07", "LS6 3CD"),
        ],
        0,
        0,
    ),
    (
        "one UPRN is one dwelling whatever the postcodes say",
        [
            person("1", "Grace", "Okafor", "1970-02-03", "LS6 2AB", uprn="100023336956"),
            person("2", "Daniel", "Okafor", "2005-06-07", "", uprn="100023336956"),
        ],
        1,
        1,
    ),
    (
        "a record without a year of birth says nothing",
        [
            person("1", "Grace", "Okafor", "1970-02-03", "LS6 2AB"),
            person("2", "Daniel", "Okafor", "", "LS6 2AB"),
        ],
        0,
        0,
    ),
]


@pytest.mark.parametrize(
    ("records", "pairs", "same"),
    [case[1:] for case in MEASURE_CASES],
    ids=[case[0] for case in MEASURE_CASES],
)
def test_measure_counts_clearly_different_people_at_one_dwelling(records, pairs, same) -> None:
    assert households.measure(table(records)) == Coresidents(pairs, same)


# (description, coresidents, expected household share)
SHARE_CASES = [
    ("no pairs: a population of households is assumed", Coresidents(0, 0), 1.0),
    ("families: seven in ten share a surname", Coresidents(10_000, 7_000), 1.0),
    ("chance meetings: surnames agree as anywhere", Coresidents(10_000, 10), 0.0020),
    ("a handful of pairs moves the share only a little", Coresidents(4, 0), 0.8331),
]


@pytest.mark.parametrize(
    ("found", "share"), [case[1:] for case in SHARE_CASES], ids=[c[0] for c in SHARE_CASES]
)
def test_household_share(found: Coresidents, share: float) -> None:
    assert found.household_share(0.001) == pytest.approx(share, abs=1e-4)


def _levels(parameters: dict, comparison: str) -> dict[str, dict]:
    return {str(level["label"]): level for level in parameters[comparison]}


def _weight(level: dict) -> float:
    return math.log2(float(level["m"]) / float(level["u"]))


def test_without_households_the_household_levels_weigh_as_their_plain_twins() -> None:
    parameters = apply_safety_rules(prior_parameters(), household_share=0.0)
    family, phone = _levels(parameters, "family_name"), _levels(parameters, "phone")
    assert family[FAMILY_AT_SHARED_LOCATION]["u"] == family[FAMILY_EXACT]["u"]
    assert phone[LANDLINE_AT_SHARED_ADDRESS]["u"] == phone[LANDLINE]["u"]
    assert phone[MOBILE_HOUSEHOLD]["u"] == phone[MOBILE]["u"]
    given = _levels(parameters, "given_name")
    assert _weight(given[GIVEN_DIFFERENT_TWIN]) == pytest.approx(_weight(given[GIVEN_DIFFERENT]))


def test_with_households_the_household_levels_keep_their_fixed_values() -> None:
    parameters = apply_safety_rules(prior_parameters())
    assert _levels(parameters, "family_name")[FAMILY_AT_SHARED_LOCATION]["u"] == 0.70
    assert _levels(parameters, "phone")[LANDLINE_AT_SHARED_ADDRESS]["u"] == 0.80
    given = _levels(parameters, "given_name")
    assert _weight(given[GIVEN_DIFFERENT_TWIN]) < _weight(given[GIVEN_DIFFERENT]) - 5


def _trained(m_given: float, m_dob: float) -> dict:
    parameters = prior_parameters()
    _levels(parameters, "given_name")[GIVEN_DIFFERENT]["m"] = m_given
    _levels(parameters, "dob")[DOB_DIFFERENT]["m"] = m_dob
    return parameters


@pytest.mark.parametrize(
    ("share", "given_m", "dob_m"),
    [
        # A population of households: EM's relatives are in its blocks; the bounds hold.
        (1.0, 0.005, 0.005),
        # Nearly so: the bound in bits scales with the share (0.005 ** 0.95).
        (0.95, 0.005**0.95, 0.005**0.95),
        # A list of individuals (FEBRL4 measures 0.07): EM's own rate of entry errors stands.
        (0.07, 0.09, 0.05),
        (0.0, 0.09, 0.05),
    ],
)
def test_the_bounds_set_against_relatives_loosen_where_there_are_no_households(
    share: float, given_m: float, dob_m: float
) -> None:
    parameters = apply_safety_rules(_trained(0.09, 0.05), household_share=share)
    assert _levels(parameters, "given_name")[GIVEN_DIFFERENT]["m"] == pytest.approx(given_m)
    assert _levels(parameters, "dob")[DOB_DIFFERENT]["m"] == pytest.approx(dob_m)
    # A small trained m is never raised, and valid NHS numbers that differ keep their bound.
    low = apply_safety_rules(_trained(0.001, 0.001), household_share=share)
    assert _levels(low, "given_name")[GIVEN_DIFFERENT]["m"] == pytest.approx(0.001)
    assert _levels(parameters, "nhs_number")["two valid NHS numbers differ"]["m"] <= 0.002
    assert apply_safety_rules(parameters, household_share=share) == parameters


@pytest.mark.parametrize("share", [0.0, 0.3, 1.0])
def test_the_rules_give_the_same_answer_twice(share: float) -> None:
    once = apply_safety_rules(prior_parameters(), household_share=share)
    assert apply_safety_rules(once, household_share=share) == once


def test_the_household_share_travels_with_a_saved_model() -> None:
    doc = json.loads(PersonModel.default().to_json())
    doc["metadata"]["households"] = {"household_share": 0.0}
    loaded = PersonModel.from_json(json.dumps(doc))
    again = PersonModel.from_json(loaded.to_json())
    assert again.parameters == loaded.parameters
    family = _levels(loaded.parameters, "family_name")
    assert family[FAMILY_AT_SHARED_LOCATION]["u"] == family[FAMILY_EXACT]["u"]


@pytest.mark.parametrize("bad", [1.5, -0.1, "half", True, None])
def test_a_bad_household_share_is_a_user_error(bad: object) -> None:
    doc = json.loads(PersonModel.default().to_json())
    doc["metadata"]["households"] = {"household_share": bad}
    with pytest.raises(JoinedupError, match="household_share"):
        PersonModel.from_json(json.dumps(doc))
