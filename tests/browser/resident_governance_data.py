"""Data for the resident and IG-officer page tests, added to the live server's database.

The live server's resident account names ``P-BROWSER-0001``; here that person is Rosa Quinn,
known to four services of the practitioner API's tiny Northbridge (whose sources and
organisations are reused, building the borough first when no other module has). Her access log
is made by the real services, so the pages show what a live hub would:

- a social worker viewed her joined-up record for safeguarding, 30 times;
- a housing officer broke the glass (a break-glass alert for the IG officer);
- a GP declared a relationship with her (a declared-relationship alert).

Rosa is nobody else's test subject, so objecting here never changes a practitioner test.
Adding is idempotent: the live server lives for the whole session.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from joinedup.audit.log import audited_engine
from joinedup.services.actor import Actor
from joinedup.services.break_glass import start_break_glass
from joinedup.services.joined_view import joined_view
from joinedup.services.relationships import declare_relationship
from joinedup.store import batches, records
from joinedup.store.db import session_scope
from joinedup.store.linkage_tables import LinkRun, Person, PersonMember
from tests.browser.conftest import RESIDENT_PERSON_ID, LiveServer
from tests.integration.api.practitioner_hub import ANNE, build_borough, nhs

ROSA = RESIDENT_PERSON_ID
ROSA_PERSON = {
    "title": "Ms",
    "given_name": "Rosa",
    "family_name": "Quinn",
    "date_of_birth": "1971-09-23",
    "year_of_birth": 1971,
    "sex": "female",
    "house_number": "41",
    "street": "Orchard Row",
    "town": "Northbridge",
    "postcode": "NB4 1RQ",
    "uprn": "100041",
}
BREAK_GLASS_REASON = "Neighbour reported a fall and no answer at the door; checking for a carer"
RELATIONSHIP_REASON = "Registered patient at Mill Lane Surgery, new referral"
# Enough views that the resident's access log and the IG officer's search both page.
VIEWS = 30
RECORDS = (
    ("gp_registrations", "RQ1", {"practice": "Mill Lane Surgery"}),
    ("adult_social_care", "RQ2", {"care_package": "Reablement"}),
    ("council_tax", "RQ3", {"band": "B"}),
    ("befriending", "RQ4", {"befriender": "Tue"}),
)


def _actor(server: LiveServer, role: str, purpose: str, case: str) -> Actor:
    return Actor(
        user=server.username(role),
        organisation="northbridge-council" if role != "gp" else "nhs-northbridge-icb",
        role=role,
        purpose=purpose,
        case_reference=case,
    )


def add_resident_and_governance_data(server: LiveServer) -> None:
    """Put Rosa's records, her person id and three accesses to her record in the live server."""
    engine: Engine = server.engine
    with session_scope(engine) as session:
        if session.get(Person, ROSA) is not None:
            return
        have_borough = session.get(Person, ANNE) is not None
    if not have_borough:
        build_borough(engine)
    with session_scope(engine) as session:
        run_id = session.scalar(select(func.max(LinkRun.id)))
        rows: list[dict[str, Any]] = []
        for source, record_id, attributes in RECORDS:
            person = dict(ROSA_PERSON)
            if source == "gp_registrations":
                person["nhs_number"] = nhs("999000044")
            batch = batches.start_batch(
                session, source_id=source, file_name="rosa.csv", file_sha256="2" * 64, full=False
            )
            rows.append(
                {
                    "source_id": source,
                    "record_id": record_id,
                    "version": 1,
                    "content_hash": f"{source}-{record_id}-1",
                    "raw": {"id": record_id},
                    "batch_id": batch.id,
                    "attributes": attributes,
                    **person,
                }
            )
        records.insert_versions(session, rows)
        session.add(Person(person_id=ROSA, created_run=run_id, status="active"))
        session.flush()
        for source, record_id, _ in RECORDS:
            session.add(
                PersonMember(record_key=f"{source}|{record_id}", person_id=ROSA, from_run=run_id)
            )
    audited = audited_engine(engine)
    with session_scope(audited) as session:
        social_worker = _actor(server, "social_worker", "safeguarding", "SG-0041")
        for _ in range(VIEWS):
            joined_view(session, social_worker, ROSA)
    with session_scope(audited) as session:
        housing = _actor(server, "housing_officer", "housing_support", "HO-7731")
        start_break_glass(session, housing, ROSA, reason=BREAK_GLASS_REASON, hours=1)
    with session_scope(audited) as session:
        gp = _actor(server, "gp", "direct_care", "GP-2210")
        declare_relationship(session, gp, ROSA, reason=RELATIONSHIP_REASON, days=30)
