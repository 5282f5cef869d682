"""Searching as practitioners type on a busy day, through the API, on SQLite and PostgreSQL.

The tiny borough of ``practitioner_hub`` gains three people of its own here:

- ``JOHN``: John Smith, 3/4/1961, NB1 3AA on the GP register, and "J Smith" (no date of
  birth) on council tax — as council tax often holds only the liable person's initial;
- ``JAY``: another "J Smith" on council tax only, in NB2;
- ``SIOBHAN``: Siobhán O'Neill, 12/7/1952, NB9 2ZT on the GP register.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from joinedup.audit import queries
from joinedup.store import records
from joinedup.store.db import session_scope
from joinedup.store.linkage_tables import LinkRun, Person, PersonMember
from joinedup.store.tables import IngestBatch
from tests.integration.api.practitioner_hub import PractitionerHub, make_practitioner_hub

JOHN, JAY, SIOBHAN = "PJOHN00000011", "PJAY000000012", "PSIOBHAN00013"
SMITH = {"family_name": "Smith", "town": "Northbridge"}
PEOPLE: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
    JOHN: [
        ("council_tax", "CJ1", {**SMITH, "given_name": "J", "postcode": "NB1 3AA"}),
        ("gp_registrations", "GJ1", {**SMITH, "given_name": "John", "postcode": "NB1 3AA",
                                     "date_of_birth": "1961-04-03", "year_of_birth": 1961}),
    ],
    JAY: [("council_tax", "CJ2", {**SMITH, "given_name": "J", "postcode": "NB2 7QT"})],
    SIOBHAN: [
        ("gp_registrations", "GS1", {"given_name": "Siobhán", "family_name": "O'Neill",
                                     "date_of_birth": "1952-07-12", "year_of_birth": 1952,
                                     "postcode": "NB9 2ZT"}),
    ],
}  # fmt: skip
SEARCH = "/api/v1/persons/search"


@pytest.fixture
def hub(engine: Engine) -> Iterator[PractitionerHub]:
    hub = make_practitioner_hub(engine)
    with session_scope(engine) as session:
        batch = {b.source_id: b.id for b in session.scalars(select(IngestBatch))}
        run_id = session.scalars(select(LinkRun.id)).first()
        for person_id, held in PEOPLE.items():
            session.add(Person(person_id=person_id, created_run=run_id, status="active"))
            session.flush()
            for source, record_id, fields in held:
                row = {
                    "source_id": source,
                    "record_id": record_id,
                    "version": 1,
                    "content_hash": f"{source}-{record_id}",
                    "raw": {"id": record_id},
                    "batch_id": batch[source],
                    **fields,
                }
                records.insert_versions(session, [row])
                key = f"{source}|{record_id}"
                session.add(PersonMember(record_key=key, person_id=person_id, from_run=run_id))
    yield hub


def _search(hub: PractitionerHub, **params: str) -> list[dict[str, Any]]:
    response = hub.client.get(SEARCH, params=params, headers=hub.bearer("social_worker"))
    assert response.status_code == 200, response.text
    return list(response.json()["candidates"])


FOUND = [
    # (why, what was typed, who is found, in order, with the grade of the first)
    ("a prefix typed apart, read by the parser as a middle initial",
     {"name": "Siobhan O Neill"}, [SIOBHAN], "possible"),
    ("the same, with the date of birth and postcode", {"name": "Mrs Siobhan O Neill",
     "date_of_birth": "12/7/52", "postcode": "nb92zt"}, [SIOBHAN], "certain"),
    ("a date of birth keyed without separators, day first",
     {"name": "Siobhan O'Neill", "date_of_birth": "12071952"}, [SIOBHAN], "probable"),
    ("only the postcode district, as the results show it",
     {"name": "Smith", "postcode": "NB1"}, [JOHN], "possible"),
    ("the district and a date of birth", {"date_of_birth": "3/4/61", "postcode": "NB1"},
     [JOHN], "possible"),
    ("the full name before the initial: John Smith, then J Smith",
     {"name": "John Smith"}, [JOHN, JAY], "possible"),
    ("smith j, surname first", {"name": "smith j"}, [JOHN, JAY], "possible"),
    ("only the given name and a date of birth", {"name": "Siobhan",
     "date_of_birth": "12/7/1952"}, [SIOBHAN], "possible"),
    ("only the given name and the year, found by the name's index too", {"name": "John",
     "date_of_birth": "1961"}, [JOHN], "possible"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("params", "found", "grade"), [pytest.param(p, f, g, id=why) for why, p, f, g in FOUND]
)
def test_searches_as_typed_find_the_person(
    hub: PractitionerHub, params: dict[str, str], found: list[str], grade: str
) -> None:
    candidates = _search(hub, **params)
    assert [c["person_id"] for c in candidates] == found
    assert candidates[0]["grade"] == grade


def test_a_candidate_is_shown_from_the_record_that_says_the_most(hub: PractitionerHub) -> None:
    # Council tax's "J Smith" and the GP's "John Smith", 1961, match "John Smith" equally
    # well on their grade; the candidate is shown from the GP's, not as an initial with no
    # year of birth, which could be anyone.
    first = _search(hub, name="John Smith")[0]
    assert (first["person_id"], first["given_name"], first["year_of_birth"]) == (
        JOHN,
        "John",
        1961,
    )


def test_a_district_search_is_audited_as_one_never_with_what_was_typed(
    hub: PractitionerHub,
) -> None:
    _search(hub, name="Smith", postcode="NB1")
    with session_scope(hub.engine) as session:
        [event] = queries.search(session, action="person.search")
        assert event.reason is not None
        assert event.reason.startswith("searched on name, postcode_district;")
        assert "NB1" not in event.reason and "Smith" not in event.reason


def test_a_postcode_too_short_to_be_one_says_what_would_do(hub: PractitionerHub) -> None:
    response = hub.client.get(
        SEARCH, params={"name": "John Smith", "postcode": "N1X"}, headers=hub.bearer("gp")
    )
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "postcode: enter a full postcode, such as NB1 2AB, or only the district, such as NB1"
    )
