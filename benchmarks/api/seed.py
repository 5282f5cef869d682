"""A synthetic borough for the API benchmark, written straight into the store.

``PERSONS`` people in households of one to three at a shared UPRN, each with two to four records
across four sources (a GP registration, adult social care, council tax, a befriending charity),
one person per master index entry — the shape of the practitioner hub the tests use, scaled up.
No linkage run is needed: the benchmark measures reading, deciding and auditing, not linking.
Also one social worker account with an API token, which the load generator uses.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from joinedup.services import accounts
from joinedup.store import batches, records, sources
from joinedup.store.base import utcnow
from joinedup.store.db import session_scope
from joinedup.store.linkage_tables import LinkRun, Person, PersonMember

COUNCIL, ICB, CHARITY = "northbridge-council", "nhs-northbridge-icb", "northbridge-befriending"
SOURCES = {
    "gp_registrations": (ICB, "GP registrations", "health.gp_registration"),
    "adult_social_care": (COUNCIL, "Adult Social Care", "social_care.adult"),
    "council_tax": (COUNCIL, "Council Tax", "finance.council_tax"),
    "befriending": (CHARITY, "Befriending", "charity.befriending"),
}
GIVEN = ("Anne", "Robert", "Clare", "Mohammed", "Aisha", "Zoë", "Łukasz", "Siobhan", "Tom", "Priya")
FAMILY = ("Walker", "Moss", "Khan", "O'Neill", "Smith-Jones", "Nowak", "Patel", "Okafor")
USERNAME = "bench.social@example.org"


def person_id(n: int) -> str:
    """The benchmark's person ids: ``PB`` and eleven digits (13 characters, as real ones)."""
    return f"PB{n:011d}"


def seed(engine: Engine, persons: int, *, seed_value: int = 7) -> str:
    """Fill an empty, migrated database; returns the social worker's API token secret."""
    rng = random.Random(seed_value)
    now = utcnow()
    with session_scope(engine) as session:
        for org, name, kind in (
            (COUNCIL, "Northbridge Borough Council", "council"),
            (ICB, "NHS Northbridge Integrated Care Board", "nhs"),
            (CHARITY, "Northbridge Befriending", "charity"),
        ):
            sources.ensure_organisation(session, org, name, kind)
        batch_ids = {}
        for source_id, (org, name, category) in SOURCES.items():
            sources.ensure_source(
                session,
                source_id=source_id,
                organisation_id=org,
                name=name,
                format="csv",
                category=category,
                mapping_text="source: " + source_id,
                mapping_sha256="0" * 64,
            )
            batch = batches.start_batch(
                session, source_id=source_id, file_name="bench.csv", file_sha256="0" * 64, full=True
            )
            batch_ids[source_id] = batch.id
        run = LinkRun(mode="full", engine="duckdb", status="done", started_at=now)
        session.add(run)
        session.flush()
        rows: list[dict[str, object]] = []
        people: list[dict[str, object]] = []
        members: list[dict[str, object]] = []
        uprn = 100_000
        household_left = 0
        for n in range(persons):
            if household_left == 0:
                uprn += 1
                household_left = rng.randint(1, 3)
            household_left -= 1
            pid = person_id(n)
            person: dict[str, object] = {
                "given_name": rng.choice(GIVEN),
                "family_name": rng.choice(FAMILY),
                "date_of_birth": f"{rng.randint(1930, 2010)}-{rng.randint(1, 12):02d}-"
                f"{rng.randint(1, 28):02d}",
                "house_number": str(uprn % 200 + 1),
                "street": "Mill Lane",
                "town": "Northbridge",
                "postcode": f"NB{uprn % 9 + 1} {uprn % 10}AB",
                "uprn": str(uprn),
                "phones": [f"+4477009{n:05d}"[:13]],
            }
            person["year_of_birth"] = int(str(person["date_of_birth"])[:4])
            others = ["gp_registrations", "adult_social_care", "befriending"]
            chosen = ["council_tax", *rng.sample(others, rng.randint(1, 3))]
            for source_id in chosen:
                record_id = f"{source_id[:2].upper()}{n}"
                rows.append(
                    {
                        "source_id": source_id,
                        "record_id": record_id,
                        "version": 1,
                        "content_hash": f"{source_id}-{record_id}",
                        "raw": {"id": record_id},
                        "batch_id": batch_ids[source_id],
                        "valid_from": now - timedelta(days=rng.randint(1, 900)),
                        "attributes": {"since": "2020-01-01", "note": "synthetic"},
                        **person,
                    }
                )
                members.append(
                    {"record_key": f"{source_id}|{record_id}", "person_id": pid, "from_run": run.id}
                )
            people.append({"person_id": pid, "created_run": run.id, "status": "active"})
        for start in range(0, len(rows), 5_000):
            records.insert_versions(session, rows[start : start + 5_000])
        session.execute(insert(Person), people)
        session.execute(insert(PersonMember), members)
        user = accounts.create_user(
            session,
            username=USERNAME,
            display_name="Benchmark Social Worker",
            role="social_worker",
            organisation_id=COUNCIL,
        )
        issued = accounts.issue_token(session, user_id=user.id, name="benchmark", scopes=["read"])
        return issued.secret
