"""Search input and match grades as tables: a query, a stored record, the expected grade and why.

``grade_record`` is pure (a query and a row in, a grade out), so every rule of the grading is a
row here; Hypothesis checks the properties that hold whatever the data.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.services.actor import ServiceError
from joinedup.services.search import GRADES, grade_record, parse_query

NHS = "9990000018"


def record(**fields: Any) -> SimpleNamespace:
    base: dict[str, Any] = {
        "source_id": "gp",
        "record_id": "1",
        "given_name": "Anne",
        "preferred_name": None,
        "family_name": "Walker",
        "other_family_names": [],
        "date_of_birth": "1950-03-04",
        "year_of_birth": 1950,
        "postcode": "NB1 2AB",
        "nhs_number": NHS,
    }
    return SimpleNamespace(**{**base, **fields})


GRADE_CASES = [
    # (why, query, record fields, expected grade)
    ("NHS number alone is certain", {"nhs_number": NHS}, {}, "certain"),
    ("NHS number wins over a different name", {"nhs_number": NHS, "name": "Zed Other"}, {},
     "certain"),
    ("name, full date of birth and postcode", {"name": "Anne Walker", "date_of_birth": "4/3/1950",
     "postcode": "NB1 2AB"}, {}, "certain"),
    ("a nickname counts as the name", {"name": "Annie Walker", "date_of_birth": "1950-03-04",
     "postcode": "nb12ab"}, {}, "certain"),
    ("a known-as name counts", {"name": "Nan Walker", "date_of_birth": "1950-03-04",
     "postcode": "NB1 2AB"}, {"given_name": "Agnes", "preferred_name": "Nan"}, "certain"),
    ("name and full date of birth", {"name": "Anne Walker", "date_of_birth": "1950-03-04"}, {},
     "probable"),
    ("name, postcode and year", {"name": "Anne Walker", "date_of_birth": "1950",
     "postcode": "NB1 2AB"}, {}, "probable"),
    ("a misspelt family name with date of birth and postcode", {"name": "Anne Walkr",
     "date_of_birth": "1950-03-04", "postcode": "NB1 2AB"}, {}, "probable"),
    ("a previous family name", {"name": "Anne Smith", "date_of_birth": "1950-03-04"},
     {"other_family_names": ["Smith"]}, "probable"),
    ("a conflicting NHS number caps the grade", {"nhs_number": "9990000026", "name": "Anne Walker",
     "date_of_birth": "1950-03-04", "postcode": "NB1 2AB"}, {}, "possible"),
    ("family name and postcode only", {"name": "Robert Walker", "postcode": "NB1 2AB"}, {},
     "possible"),
    ("a full name alone", {"name": "Anne Walker"}, {}, "possible"),
    ("date of birth and postcode, another name", {"name": "Zed Other",
     "date_of_birth": "1950-03-04", "postcode": "NB1 2AB"}, {}, "possible"),
    ("nothing agrees", {"name": "Zed Other", "date_of_birth": "1999-01-01", "postcode": "NB9 9ZZ"},
     {}, None),
    ("only the postcode agrees", {"name": "Zed Other", "postcode": "NB1 2AB"}, {}, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("query", "fields", "expected"),
    [pytest.param(q, f, e, id=why) for why, q, f, e in GRADE_CASES],
)
def test_grade(query: dict[str, str], fields: dict[str, Any], expected: str | None) -> None:
    grade, matched = grade_record(parse_query(**query), record(**fields))
    assert grade == expected
    assert bool(matched) == (expected is not None)


BAD_QUERIES = [
    ("nothing at all", {}, "Search by NHS number"),
    ("a postcode alone", {"postcode": "NB1 2AB"}, "Search by NHS number"),
    ("a family name alone", {"name": "Walker"}, "Search by NHS number"),
    ("an invalid NHS number", {"nhs_number": "1234567890"}, "nhs_number:"),
    ("a postcode that is not one", {"name": "Anne Walker", "postcode": "XX"}, "postcode:"),
    ("a pseudo-postcode is not a place", {"name": "Anne Walker", "postcode": "ZZ99 3VZ"},
     "postcode:"),
    ("a date of birth in the future", {"name": "Anne Walker", "date_of_birth": "2999-01-01"},
     "date_of_birth:"),
    ("a name without letters", {"name": "123", "postcode": "NB1 2AB"}, "name:"),
    ("a NUL in the name, not dropped", {"name": "Anne Wal\x00ker"},
     "name: a name cannot hold a control character"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("query", "message"), [pytest.param(q, m, id=why) for why, q, m in BAD_QUERIES]
)
def test_bad_queries_say_what_to_change(query: dict[str, str], message: str) -> None:
    with pytest.raises(ServiceError) as caught:
        parse_query(**query)
    assert message in str(caught.value)


def test_every_problem_is_named_at_once() -> None:
    with pytest.raises(ServiceError) as caught:
        parse_query(name="Anne Walker", postcode="XX", nhs_number="12")
    assert "postcode:" in str(caught.value) and "nhs_number:" in str(caught.value)


names = st.sampled_from(["Anne", "Robert", "Bill", "William", "Zoë", "Mary"])
surnames = st.sampled_from(["Walker", "O'Neill", "Smith-Jones", "Khan", "Nowak"])
dates = st.dates(date(1910, 1, 1), date(2020, 12, 31)).map(lambda d: d.isoformat())
postcodes = st.sampled_from(["NB1 2AB", "NB2 7QT", "LS6 2AB"])


@given(names, surnames, dates, postcodes)
def test_a_record_matching_every_field_searched_is_certain(
    given_name: str, family: str, born: str, postcode: str
) -> None:
    query = parse_query(name=f"{given_name} {family}", date_of_birth=born, postcode=postcode)
    row = record(
        given_name=given_name,
        family_name=family,
        date_of_birth=born,
        year_of_birth=int(born[:4]),
        postcode=postcode,
        nhs_number=None,
    )
    assert grade_record(query, row)[0] == "certain"


@given(names, surnames, dates, postcodes, st.booleans(), st.booleans())
def test_giving_more_that_agrees_never_lowers_the_grade(
    given_name: str, family: str, born: str, postcode: str, add_dob: bool, add_place: bool
) -> None:
    row = record(given_name=given_name, family_name=family, date_of_birth=born,
                 year_of_birth=int(born[:4]), postcode=postcode, nhs_number=None)  # fmt: skip
    base = parse_query(name=f"{given_name} {family}")
    more = parse_query(
        name=f"{given_name} {family}",
        date_of_birth=born if add_dob else None,
        postcode=postcode if add_place else None,
    )
    rank = {grade: i for i, grade in enumerate(GRADES)}
    before, after = grade_record(base, row)[0], grade_record(more, row)[0]
    assert before is not None and after is not None
    assert rank[after] <= rank[before]
