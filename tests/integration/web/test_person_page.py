"""The joined-up record page, read as a practitioner reads it (over HTTP, without a browser).

The tiny borough of ``tests/integration/api/practitioner_hub.py``: CLARE is known to adult
social care and council tax; ANNE to the GP, adult social care, council tax and befriending.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine

from joinedup.services.views import Identity, JoinedView
from joinedup.store import records
from joinedup.store.db import session_scope
from joinedup.store.linkage_tables import LinkRun, PersonMember
from joinedup.store.tables import IngestBatch
from joinedup.web.practitioner_pages import heading_name
from tests.integration.api.practitioner_hub import ANNE, ANNE_NHS, CLARE, build_borough
from tests.integration.web.pages import parse

SignedIn = Callable[..., TestClient]


@pytest.fixture
def borough(engine: Engine) -> None:
    build_borough(engine)


def _text(html: str) -> str:
    main = next(e for e in parse(html).iter("main"))
    return " ".join("".join(main.itertext()).split())


@pytest.mark.usefixtures("borough")
def test_being_known_to_a_sealed_service_does_not_show_to_whom_it_is_sealed_from(
    signed_in: SignedIn,
) -> None:
    # A housing officer may see Clare's council tax, not her adult social care. The page
    # said "Some information is withheld" and listed "Services holding special category data",
    # which it said of no one who was known to no such service: it told that she is.
    response = signed_in("housing_officer", purpose="housing_support").get(f"/people/{CLARE}")
    assert response.status_code == 200
    page = _text(response.text)
    assert "What you can see Everything shared with you for this purpose is shown" in page
    assert "Nothing from the services that share with you is withheld" in page
    for telling in ("special category data are withheld", "Services holding", "social care ("):
        assert telling not in page
    # Said on every record, whatever is held.
    assert "does not show whether they hold anything about this person" in page


@pytest.mark.usefixtures("borough")
def test_withheld_services_that_are_not_sealed_are_still_named(signed_in: SignedIn) -> None:
    response = signed_in("housing_officer", purpose="housing_support").get(f"/people/{ANNE}")
    page = _text(response.text)
    assert "What you can see Some information is withheld (see below)" in page
    assert "Befriending: identity" in page
    assert "does not show whether they hold anything about this person" in page


@pytest.mark.usefixtures("borough")
def test_services_name_their_organisation_and_say_since_when_joinedup_holds_them(
    signed_in: SignedIn,
) -> None:
    # "Organisation northbridge-council", "Known since" the day the extract was loaded: a
    # practitioner read the id, and the date as when the service first knew the person.
    page = _text(signed_in("social_worker").get(f"/people/{ANNE}").text)
    assert "Organisation Northbridge Council" in page
    assert "Organisation northbridge-council" not in page
    assert "On joinedup since" in page and "Known since" not in page


@pytest.mark.usefixtures("borough")
def test_an_nhs_number_is_shown_in_groups_of_three_three_and_four(signed_in: SignedIn) -> None:
    page = _text(signed_in("social_worker").get(f"/people/{ANNE}").text)
    assert f"NHS number {ANNE_NHS[:3]} {ANNE_NHS[3:6]} {ANNE_NHS[6:]}" in page


NAMES = [
    # (why, the names the released sources give, in the order listed, the heading)
    ("the only name", [("Anne", "Walker")], "Anne Walker"),
    ("a given name written out before an initial listed first",
     [("A", "Linstead"), ("Abigail", "Linstead")], "Abigail Linstead"),
    ("an initial with a full stop is an initial", [("A.", "Linstead"), ("Abi", "Linstead")],
     "Abi Linstead"),
    ("of two full names, the first listed", [("Abigail", "Linstead"), ("Abbie", "Linstead")],
     "Abigail Linstead"),
    ("a family name alone still heads the page", [(None, "Linstead")], "Linstead"),
]  # fmt: skip


@pytest.mark.parametrize(("names", "expected"), [pytest.param(n, e, id=why) for why, n, e in NAMES])
def test_the_page_is_headed_with_the_fullest_name(
    names: list[tuple[str | None, str | None]], expected: str
) -> None:
    view = JoinedView(
        person_id=ANNE,
        purpose="safeguarding",
        case_reference="C-1",
        outcome="permit",
        break_glass_used=False,
        released=(),
        identity=Identity(
            names=tuple({"given_name": g, "family_name": f} for g, f in names),
            dates_of_birth=(),
            nhs_numbers=(),
            addresses=(),
        ),
        services=(),
        contacts=(),
        timeline=(),
        household=(),
        withheld=(),
    )
    assert heading_name(view) == expected


@pytest.mark.usefixtures("borough")
def test_two_records_of_one_service_are_told_apart(engine: Engine, signed_in: SignedIn) -> None:
    # Clare has a second council tax account: each account's details under its own heading
    # row, not one list in which no one could say which band or arrears were whose.
    with session_scope(engine) as session:
        batch = session.scalars(
            select(IngestBatch.id).where(IngestBatch.source_id == "council_tax")
        ).one()
        run = session.scalars(select(LinkRun.id)).one()
        row = {"source_id": "council_tax", "record_id": "C4", "version": 1, "batch_id": batch,
               "content_hash": "c4", "raw": {}, "family_name": "Moss",
               "attributes": {"band": "D", "arrears_balance": "120.00"}}  # fmt: skip
        records.insert_versions(session, [row])
        session.add(PersonMember(record_key="council_tax|C4", person_id=CLARE, from_run=run))
    page = _text(signed_in("social_worker").get(f"/people/{CLARE}").text)
    start = page.index("Council Tax Organisation")
    council_tax = page[start : page.index("Timeline", start)]
    assert "Records 2" in council_tax
    assert "Record 1 of 2" in council_tax and "Record 2 of 2" in council_tax
    assert council_tax.index("Record 2 of 2") < council_tax.index("Band D")


@pytest.mark.usefixtures("borough")
def test_the_timeline_says_a_record_version_is_when_joinedup_received_it(
    signed_in: SignedIn,
) -> None:
    page = _text(signed_in("social_worker").get(f"/people/{ANNE}").text)
    start = page.index("Timeline", page.index("Services involved", page.index("Summary Names")))
    timeline = page[start : page.index("Contacts", start)]
    assert "Record first received by joinedup from GP registrations" in timeline
    assert "Record updated (2), as received by joinedup from Council Tax" in timeline
    assert "Record added" not in timeline
    # A source's own dated attribute is an event in the person's life: as it was.
    assert "Start date, Adult Social Care" in timeline


@pytest.mark.usefixtures("borough")
def test_search_results_tell_people_of_one_name_apart_by_their_id(signed_in: SignedIn) -> None:
    response = signed_in("social_worker").get(
        "/people", params={"name": "Walker", "postcode": "NB1"}
    )
    page = _text(response.text)
    assert "2 people found" in page
    assert f"Person {ANNE}" in page and "Person PBOB000000002" in page
