"""Words people read in refusals: purposes by their label, organisations by their name.

Each row is a request in and the words expected in the reason out. ``decide`` stays pure: the
names come in with the request (the caller's) or from the agreements it already carries.
"""

from __future__ import annotations

import pytest

from joinedup.policy import PURPOSES, decide
from joinedup.policy import purpose_label as policy_purpose_label
from joinedup.policy.request import Holding
from joinedup.services import accounts
from joinedup.services.actor import Actor, NotPermitted, ServiceError, require_person_level_purpose
from tests.unit.policy.builders import request

# Only the charity and the council hold records: the ICB has none, and no relationship.
NOT_KNOWN_TO_ICB = (
    Holding("social_care", "council", ("social_care.adult",)),
    Holding("befriending", "charity", ("charity.befriending",)),
)


@pytest.mark.parametrize("purpose", [*PURPOSES, "old_purpose_id"])
def test_accounts_labels_a_purpose_as_policy_does(purpose: str) -> None:
    assert accounts.purpose_label(purpose) == policy_purpose_label(purpose)


def _actor(purpose: str) -> Actor:
    return Actor(user="u", organisation="council", role="gp", purpose=purpose, case_reference="C1")


def test_an_aggregate_purpose_is_refused_by_its_label() -> None:
    with pytest.raises(NotPermitted) as caught:
        require_person_level_purpose(_actor("planning"))
    assert str(caught.value).startswith(PURPOSES["planning"].label + " is for aggregate")
    assert "planning'" not in str(caught.value)


def test_an_unknown_purpose_is_named_tidily() -> None:
    with pytest.raises(ServiceError, match=r"^Curiosity killed is not a purpose"):
        require_person_level_purpose(_actor("curiosity_killed"))


NAME_CASES = [
    # (why, caller's names, expected start of the reason)
    ("the agreement's name for the party", {}, "ICB holds no record"),
    ("the caller's name wins", {"icb": "NHS Northbridge ICB"}, "NHS Northbridge ICB holds no"),
    ("an empty name falls back", {"icb": ""}, "ICB holds no record"),
]


@pytest.mark.parametrize(("why", "names", "expected"), NAME_CASES, ids=[c[0] for c in NAME_CASES])
def test_a_refusal_names_the_organisation(why: str, names: dict, expected: str) -> None:
    decision = decide(request(holdings=NOT_KNOWN_TO_ICB, organisation_names=names))
    message = decision.items[0].reasons[0].message
    assert expected in message, message


def test_an_organisation_no_one_has_named_keeps_its_id() -> None:
    decision = decide(request(organisation="hospice", holdings=NOT_KNOWN_TO_ICB))
    assert "hospice holds no record" in decision.items[0].reasons[0].message


def test_names_change_no_decision() -> None:
    plain = decide(request())
    named = decide(request(organisation_names={"icb": "Another name", "council": "X"}))
    assert [i.permitted for i in plain.items] == [i.permitted for i in named.items]
    assert [r.code for i in plain.items for r in i.reasons] == [
        r.code for i in named.items for r in i.reasons
    ]


ROLE_CASES = [
    # (role, how it reads in the refusal)
    ("social_worker", "the role social worker may not receive this data"),
    ("gp", "the role GP may not receive this data"),
    ("charity_caseworker", "the role charity caseworker may not receive this data"),
]


@pytest.mark.parametrize(("role", "expected"), ROLE_CASES)
def test_a_refusal_names_the_role_in_words(role: str, expected: str) -> None:
    # "role housing_officer may not receive this data" was what the page said.
    # Council tax is shared with the council's housing officers only (builders.CARE_YAML).
    decision = decide(request(role=role, organisation="council", purpose="housing_support"))
    messages = [r.message for item in decision.items for r in item.reasons]
    assert expected in messages, messages
    assert not any(role in m for m in messages if "_" in role)
