"""Data with long, realistic values, for the tests that pages never scroll sideways at 320 px.

The other modules' data uses short values (``+447700900123`` is the longest word), which is how
tables that could not wrap passed every test. Here, in the practitioner API's tiny Northbridge
(built first when no other module has):

- ``LONG``: Alexandra-Louise Fotheringham-Montgomery, known to the GP register and to council
  tax under long record ids, with long phone numbers and long email addresses (an email is one
  "word" a browser will not break without being told to);
- the match evidence between her two records, so the person page has its "Records and their
  best match" table;
- an open review item for the same pair, so the reviewer's "field by field" table shows both;
- an account for a reviewer whose name is one word of 190 letters and whose username is one
  of 100 (:data:`LONG_NAME_USERNAME`),
  and a GP's account in the integrated care board, which holds the GP register
  (:data:`ICB_GP_USERNAME`; the live server's own GP works at the council).

Nobody else's test uses these, and adding them is idempotent: the live server lasts the session.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from joinedup.services import accounts
from joinedup.store import batches, records
from joinedup.store.db import session_scope
from joinedup.store.linkage_tables import (
    LinkRun,
    MatchEvidence,
    Person,
    PersonMember,
    ReviewItem,
)
from tests.browser.conftest import ORGANISATION, PASSWORD
from tests.browser.practitioner_review_data import record_row
from tests.integration.api.practitioner_hub import ANNE, ICB, build_borough, nhs

LONG = "PLONGVALUES07"
GP_RECORD = "GPREG-2019-000471823-NORTHBRIDGE"
TAX_RECORD = "CTAX-ACCOUNT-0000991234567-A"
LONG_PAIR = (f"council_tax|{TAX_RECORD}", f"gp_registrations|{GP_RECORD}")
LONG_PHONES = ["+447700315486", "+44 (0)1632 960 001 extension 4471"]
LONG_EMAILS = [
    "alexandra-louise.fotheringham-montgomery@northbridge-befriending.org.uk",
    "a.l.fotheringham-montgomery.personal.address@mail.example.co.uk",
]
LONG_PERSON: dict[str, Any] = {
    "title": "Dr",
    "given_name": "Alexandra-Louise",
    "middle_names": "Wilhelmina-Jacqueline Bartholomew",
    "family_name": "Fotheringham-Montgomery",
    "other_family_names": ["Cholmondeley-Featherstonehaugh"],
    "date_of_birth": "1983-12-29",
    "year_of_birth": 1983,
    "sex": "female",
    "flat": "Flat 14b",
    "house_name": "The Old Rectory Farmhouse Annexe",
    "house_number": "1027",
    "street": "Great Northbridge Road North Carriageway Service Road",
    "locality": "Upper Little Wolverhampton-on-the-Marsh",
    "town": "Northbridge",
    "postcode": "NB12 9ZZ",
    "uprn": "100000471823",
}
LONG_NHS = nhs("999000035")
# One word of 190 letters: a display name a browser cannot wrap unless told it may break it.
LONG_NAME = ("Bartholomew" * 18)[:190]
# The longest username there may be, again with nowhere a browser would choose to break it.
LONG_NAME_USERNAME = ("longnamedreviewer" * 6)[:100]
ICB_GP_USERNAME = "long.values.gp@example.org"


def _row(source: str, record_id: str, **extra: Any) -> dict[str, Any]:
    return record_row(source, record_id, LONG_PERSON, **extra)


def add_long_values(engine: Engine) -> None:
    """Put :data:`LONG`, her evidence, her review item and the two accounts in ``engine``."""
    with session_scope(engine) as session:
        if session.get(Person, LONG) is not None:
            return
        have_borough = session.get(Person, ANNE) is not None
    if not have_borough:
        build_borough(engine)
    with session_scope(engine) as session:
        run_id = session.scalar(select(func.max(LinkRun.id)))
        assert run_id is not None
        rows = [
            _row("gp_registrations", GP_RECORD, nhs_number=LONG_NHS, phones=LONG_PHONES,
                 emails=LONG_EMAILS[:1],
                 attributes={"registered": "2019-05-01",
                             "practice": "Great Northbridge Road Medical Practice"}),
            _row("council_tax", TAX_RECORD, phones=LONG_PHONES[::-1], emails=LONG_EMAILS[1:],
                 attributes={"band": "D", "account_opened": "2011-04-01"}),
        ]  # fmt: skip
        for row in rows:
            batch = batches.start_batch(
                session,
                source_id=row["source_id"],
                file_name="long-values.csv",
                file_sha256="2" * 64,
                full=False,
            )
            row["batch_id"] = batch.id
        records.insert_versions(session, rows)
        session.add(Person(person_id=LONG, created_run=run_id, status="active"))
        session.flush()
        weights = {"given_name": 4.1, "family_name": 7.9, "dob": 8.2, "location": 3.3}
        for key, matched in (LONG_PAIR, LONG_PAIR[::-1]):
            session.add(PersonMember(record_key=key, person_id=LONG, from_run=run_id))
            session.add(
                MatchEvidence(
                    record_key=key,
                    person_id=LONG,
                    run_id=run_id,
                    matched_record_key=matched,
                    match_probability=0.9993,
                    match_weight=10.5,
                    field_weights={**weights, "phone": -1.2},
                    basis="model",
                )
            )
        session.add(
            ReviewItem(
                record_key_l=LONG_PAIR[0],
                record_key_r=LONG_PAIR[1],
                match_weight=10.5,
                match_probability=0.9993,
                reason="weak_link",
                risk=1.2,  # a weak link ranks above every uncertain pair (1–2 against 0–1)
                status="open",
                run_id=run_id,
                person_id=LONG,
            )
        )
        accounts.create_user(
            session,
            username=LONG_NAME_USERNAME,
            display_name=LONG_NAME,
            role="reviewer",
            organisation_id=ORGANISATION,
            password=PASSWORD,
        )
        accounts.create_user(
            session,
            username=ICB_GP_USERNAME,
            display_name="Priya Ramaswamy-Okonkwo",
            role="gp",
            organisation_id=ICB,
            password=PASSWORD,
        )


def long_review_item(engine: Engine) -> int:
    """The id of the open review item between :data:`LONG`'s two records."""
    with session_scope(engine) as session:
        item = session.scalar(
            select(ReviewItem.id).where(
                ReviewItem.record_key_l == LONG_PAIR[0], ReviewItem.record_key_r == LONG_PAIR[1]
            )
        )
    assert item is not None
    return int(item)


def long_name_user(engine: Engine) -> int:
    """The id of the reviewer account whose display name is :data:`LONG_NAME`."""
    with session_scope(engine) as session:
        users = accounts.list_users(session)
    return next(u.id for u in users if u.username == LONG_NAME_USERNAME)
