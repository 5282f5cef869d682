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
    # How people type names on a busy day: prefixes apart or together, one part of two.
    ("a prefix typed apart (Mc Carthy for McCarthy)", {"name": "Ciaran Mc Carthy",
     "date_of_birth": "1950-03-04", "postcode": "NB1 2AB"},
     {"given_name": "Ciarán", "family_name": "McCarthy"}, "certain"),
    ("a prefix typed together (StJohn for St John)", {"name": "Anne StJohn",
     "date_of_birth": "1950-03-04", "postcode": "NB1 2AB"}, {"family_name": "St John"},
     "certain"),
    ("O Neill typed apart, which the parser reads as a middle initial", {
     "name": "Siobhan O Neill", "date_of_birth": "1950-03-04", "postcode": "NB1 2AB"},
     {"given_name": "Siobhán", "family_name": "O'Neill"}, "certain"),
    ("O Neill typed apart, name only", {"name": "Mrs Siobhan O Neill"},
     {"given_name": "Siobhán", "family_name": "O'Neill"}, "possible"),
    ("one part of a double-barrelled name", {"name": "Anne Jones",
     "date_of_birth": "1950-03-04", "postcode": "NB1 2AB"}, {"family_name": "Smith-Jones"},
     "probable"),
    # Only the given name is known.
    ("a given name alone with the date of birth", {"name": "Anne",
     "date_of_birth": "1950-03-04"}, {}, "possible"),
    ("a given name alone, a nickname, with date of birth and postcode", {"name": "Annie",
     "date_of_birth": "1950-03-04", "postcode": "NB1 2AB"}, {}, "probable"),
    ("a given name alone is not met by an initial", {"name": "Anne", "date_of_birth": "1950"},
     {"given_name": "A"}, None),
    ("a family name alone with the year, as before", {"name": "Walker",
     "date_of_birth": "1950"}, {}, "possible"),
    # Dates of birth as they are keyed.
    ("eight digits read day first", {"name": "Anne Walker", "date_of_birth": "04031950"}, {},
     "probable"),
    ("a two-digit year found in the earlier century", {"name": "Anne Walker",
     "date_of_birth": "4/3/20"}, {"date_of_birth": "1920-03-04", "year_of_birth": 1920},
     "probable"),
    ("a two-digit year found in this century", {"name": "Anne Walker",
     "date_of_birth": "4/3/20"}, {"date_of_birth": "2020-03-04", "year_of_birth": 2020},
     "probable"),
    # Only the postcode district: weak, so at most possible.
    ("a name and the postcode district", {"name": "Anne Walker", "postcode": "nb1"}, {},
     "possible"),
    ("a district never makes a match probable", {"name": "Anne Walker",
     "date_of_birth": "1950", "postcode": "NB1"}, {}, "possible"),
    ("a district and a date of birth, another name", {"name": "Zed Other",
     "date_of_birth": "1950-03-04", "postcode": "NB1"}, {}, "possible"),
    ("another district: NB1 is not NB10", {"name": "Zed Other", "date_of_birth": "1950",
     "postcode": "NB1"}, {"postcode": "NB10 2AB"}, None),
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
    ("a postcode that is not one", {"name": "Anne Walker", "postcode": "XX"},
     "postcode: enter a full postcode, such as NB1 2AB, or only the district, such as NB1"),
    ("a long postcode that is not one", {"name": "Anne Walker", "postcode": "NB1 2AC"},
     "postcode: inward code uses a letter Royal Mail never uses there"),
    ("a pseudo-postcode's district is not a place", {"name": "Anne Walker", "postcode": "ZZ99"},
     "postcode: enter a full postcode"),
    ("a district alone", {"postcode": "NB1"}, "Search by NHS number"),
    ("a postcode sector is not the district NB10", {"name": "Anne Walker",
     "postcode": "NB1 0"}, "postcode: enter a full postcode"),
    ("eight digits that are no date either way", {"name": "Anne Walker",
     "date_of_birth": "31021950"}, "date_of_birth:"),
    ("a month and year is told what would do, not its shape", {"name": "Anne Walker",
     "date_of_birth": "April 1961"}, "date_of_birth: enter a date of birth such as 3/4/1961, "
     "or only the year, such as 1961"),
    ("a day and month without the year", {"name": "Anne Walker", "date_of_birth": "3/4"},
     "date_of_birth: enter a date of birth such as 3/4/1961"),
    ("a date that does not exist still says why", {"name": "Anne Walker",
     "date_of_birth": "31/2/1961"}, "date_of_birth: day 31 does not exist in February"),
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


DATES_OF_BIRTH = [
    # (why, typed, the date searched, the other century's date also searched)
    ("day first with slashes", "3/4/1961", "1961-04-03", None),
    ("a two-digit year with no other reading (2061 is ahead)", "3/4/61", "1961-04-03", None),
    ("a two-digit year with two readings", "3/4/20", "2020-04-03", "1920-04-03"),
    ("six digits", "030420", "2020-04-03", "1920-04-03"),
    ("eight digits, day first", "03041961", "1961-04-03", None),
    ("eight digits, year first", "19610403", "1961-04-03", None),
    ("spaces between day, month and year", "03 04 1961", "1961-04-03", None),
    ("spaces and a two-digit year", "3 4 20", "2020-04-03", "1920-04-03"),
    ("a four-digit year is never read twice", "3/4/2020", "2020-04-03", None),
    ("an earlier century over 125 years ago is not offered", "3/4/99", "1999-04-03", None),
]


@pytest.mark.parametrize(
    ("typed", "searched", "other"),
    [pytest.param(t, d, o, id=why) for why, t, d, o in DATES_OF_BIRTH],
)
def test_dates_of_birth_as_they_are_typed(typed: str, searched: str, other: str | None) -> None:
    query = parse_query(name="Anne Walker", date_of_birth=typed)
    assert (query.date_of_birth, query.other_date_of_birth) == (searched, other)


def test_a_postcode_district_is_searched_as_one() -> None:
    query = parse_query(name="Anne Walker", postcode=" nb1 ")
    assert (query.postcode, query.postcode_district) == (None, "NB1")
    assert query.fields == ("name", "postcode_district")


MATCHED_ON = [
    # (why, query, record fields, the fields said to agree)
    ("the whole name and the postcode", {"name": "Anne Walker", "postcode": "NB1 2AB"}, {},
     ("name", "postcode")),
    ("a relative: the family name and postcode, not the given name",
     {"name": "Robert Walker", "postcode": "NB1 2AB"}, {}, ("family_name", "postcode")),
    ("the NHS number alone", {"nhs_number": NHS}, {}, ("nhs_number",)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("query", "fields", "expected"),
    [pytest.param(q, f, e, id=why) for why, q, f, e in MATCHED_ON],
)
def test_what_a_candidate_matched_on(
    query: dict[str, str], fields: dict[str, Any], expected: tuple[str, ...]
) -> None:
    assert grade_record(parse_query(**query), record(**fields))[1] == expected
