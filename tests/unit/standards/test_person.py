"""StandardPerson: the contract fields, JSON round trip, what counts as identifying."""

from __future__ import annotations

import json
from dataclasses import fields

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.standards.errors import StandardsError
from joinedup.standards.person import StandardPerson

# The common person schema in docs/developers.md, in order.
CONTRACT = [
    "title", "given_name", "middle_names", "family_name", "name_suffix", "preferred_name",
    "other_family_names", "date_of_birth", "year_of_birth", "sex", "nhs_number", "flat",
    "house_number", "house_name", "street", "locality", "town", "postcode", "uprn", "phones",
    "emails", "date_of_death",
]  # fmt: skip


def test_fields_are_the_contract() -> None:
    assert [f.name for f in fields(StandardPerson)] == CONTRACT


def test_defaults_are_empty() -> None:
    person = StandardPerson()
    assert person.other_family_names == () and person.phones == () and person.emails == ()
    assert all(v in (None, []) for v in person.to_dict().values())


def test_frozen() -> None:
    with pytest.raises(AttributeError):
        StandardPerson().given_name = "x"  # type: ignore[misc]


FULL = StandardPerson(
    title="Mr",
    given_name="John",
    family_name="O'Neill",
    other_family_names=("Smith",),
    date_of_birth="1961-04-03",
    year_of_birth=1961,
    sex="male",
    nhs_number="9434765919",
    postcode="LS6 2AB",
    phones=("+447700900123",),
    emails=("john@example.org",),
)


def test_to_dict_is_json_safe_and_round_trips() -> None:
    data = json.loads(json.dumps(FULL.to_dict()))
    assert data["phones"] == ["+447700900123"]
    assert StandardPerson.from_dict(data) == FULL


@pytest.mark.parametrize(
    ("data", "reason", "why"),
    [
        ({"surname": "Smith"}, "unknown person field(s): surname", "a typo must not vanish"),
        ({"phones": "0113"}, "must be a list", "a string is not a list"),
        ({"phones": [1]}, "must be a list of text", "numbers in a list"),
        ({"year_of_birth": "1961"}, "whole number", "year as text"),
        ({"year_of_birth": True}, "whole number", "a boolean is not a year"),
        ({"given_name": 5}, "must be text", "a number as a name"),
    ],
)
def test_from_dict_rejects(data: dict[str, object], reason: str, why: str) -> None:
    with pytest.raises(StandardsError) as raised:
        StandardPerson.from_dict(data)
    assert reason in raised.value.reason, why


def test_from_dict_accepts_missing_and_null_lists() -> None:
    assert StandardPerson.from_dict({"phones": None}) == StandardPerson()


IDENTIFYING = [
    (StandardPerson(family_name="Smith"), True, "a family name"),
    (StandardPerson(given_name="John"), True, "a given name"),
    (StandardPerson(preferred_name="Jack"), True, "a known-as name"),
    (StandardPerson(date_of_birth="1961-04-03"), True, "a full date of birth"),
    (StandardPerson(nhs_number="9434765919"), True, "an NHS number"),
    (StandardPerson(phones=("+447700900123",)), True, "a phone number"),
    (StandardPerson(emails=("a@example.org",)), True, "an email address"),
    (StandardPerson(year_of_birth=1961, postcode="LS6 2AB"), True, "year of birth at an address"),
    (StandardPerson(year_of_birth=1961), False, "a year of birth alone fits thousands"),
    (
        StandardPerson(year_of_birth=1961, postcode="ZZ99 3VZ"),
        False,
        "a pseudo-postcode is no place: a year of birth with no fixed abode fits thousands",
    ),
    (StandardPerson(postcode="LS6 2AB", uprn="72123456"), False, "a property, not a person"),
    (StandardPerson(sex="female", date_of_death="2020-01-01"), False, "describes no one"),
    (StandardPerson(title="Mr"), False, "a title alone"),
    (StandardPerson(), False, "nothing"),
]


@pytest.mark.parametrize(("person", "expected", "why"), IDENTIFYING)
def test_is_identifying(person: StandardPerson, expected: bool, why: str) -> None:
    assert person.is_identifying() is expected, why


_TEXT = st.none() | st.text(max_size=10)
_PEOPLE = st.builds(
    StandardPerson,
    given_name=_TEXT,
    family_name=_TEXT,
    year_of_birth=st.none() | st.integers(1800, 2100),
    other_family_names=st.tuples(st.text(max_size=5)),
    phones=st.lists(st.text(max_size=5), max_size=3).map(tuple),
    uprn=_TEXT,
)


@given(_PEOPLE)
def test_round_trip_property(person: StandardPerson) -> None:
    assert StandardPerson.from_dict(json.loads(json.dumps(person.to_dict()))) == person
