"""Data for the practitioner and reviewer page tests, added to the live server's database.

The practitioner API's tiny Northbridge (``tests/integration/api/practitioner_hub.py``: Anne
and Robert Walker at one address, Clare Moss, a retired id) plus what the pages need besides:

- ``DORA``: Dora Finch, known only to the GP register and the befriending charity, so a council
  practitioner working on direct care has no relationship with her (declare one, or break glass);
- match evidence for Anne's records, so "why these records are one person" has a chart;
- four open review items — two possible wrong merges, two possible missed links — each test
  that decides one uses its own, found by its pair.

Adding is idempotent: the live server lives for the whole session and other modules may have
added the same borough first.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from joinedup.store import batches, records
from joinedup.store.db import session_scope
from joinedup.store.linkage_tables import (
    LinkRun,
    MatchEvidence,
    Person,
    PersonMember,
    ReviewItem,
)
from tests.integration.api.practitioner_hub import (
    ANNE,
    ANNE_NHS,
    BOB,
    CLARE,
    OLD,
    build_borough,
    nhs,
)

DORA = "PDORA00000006"
DORA_PERSON = {
    "title": "Ms",
    "given_name": "Dora",
    "family_name": "Finch",
    "date_of_birth": "1938-01-17",
    "year_of_birth": 1938,
    "sex": "female",
    "house_number": "7",
    "street": "Heron Close",
    "town": "Northbridge",
    "postcode": "NB3 4LP",
    "uprn": "100003",
}
DORA_NHS = nhs("999000027")

# Per-field weights as Splink gives them (bits); a realistic spread, for and against.
ANNE_EVIDENCE = {
    "gp_registrations|G1": (
        "adult_social_care|S1",
        0.99998,
        15.6,
        {"given_name": 3.4, "family_name": 5.1, "dob": 8.2, "nhs_number": 6.9, "location": 2.6},
    ),
    "adult_social_care|S1": (
        "gp_registrations|G1",
        0.99998,
        15.6,
        {"given_name": 3.4, "family_name": 5.1, "dob": 8.2, "nhs_number": 6.9, "location": 2.6},
    ),
    "council_tax|C1": (
        "gp_registrations|G1",
        0.9991,
        10.1,
        {"given_name": 3.4, "family_name": 5.1, "dob": 8.2, "location": 2.6, "phone": -1.4},
    ),
    "befriending|B1": (
        "council_tax|C1",
        0.994,
        7.4,
        {"given_name": 3.4, "family_name": 5.1, "dob": 8.2, "location": -2.1, "sex": 0.3},
    ),
}
_BOB_FIELDS = {"given_name": 1.2, "family_name": 5.1, "dob": 7.9, "location": 2.6, "sex": -3.2}
BOB_EVIDENCE = {
    "council_tax|C2": ("gp_registrations|G2", 0.9995, 11.0, _BOB_FIELDS),
    "gp_registrations|G2": ("council_tax|C2", 0.9995, 11.0, _BOB_FIELDS),
}
_CLARE_FIELDS = {"given_name": 4.0, "family_name": 6.3, "dob": 8.1, "location": 3.0, "phone": -2.4}
CLARE_EVIDENCE = {
    "adult_social_care|S3": ("council_tax|C3", 0.9991, 10.1, _CLARE_FIELDS),
    "council_tax|C3": ("adult_social_care|S3", 0.9991, 10.1, _CLARE_FIELDS),
}
# (left, right, reason, risk, probability, weight, person)
REVIEW_ITEMS = (
    ("council_tax|C2", "gp_registrations|G2", "weak_link", 1.7, 0.9995, 11.0, BOB),
    ("adult_social_care|S3", "council_tax|C3", "weak_link", 1.3, 0.9991, 10.1, CLARE),
    ("befriending|B9", "council_tax|C3", "uncertain", 0.9, 0.55, 0.3, None),
    ("befriending|B1", "befriending|B9", "uncertain", 0.4, 0.8, 2.0, None),
)
MOUSE_PAIR = REVIEW_ITEMS[0][:2]
KEYBOARD_PAIR = REVIEW_ITEMS[2][:2]
SCREENSHOT_PAIR = REVIEW_ITEMS[1][:2]


def record_row(source: str, record_id: str, person: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A first version of ``record_id`` in ``source`` holding ``person``, as the store takes it."""
    return {
        "source_id": source,
        "record_id": record_id,
        "version": 1,
        "content_hash": f"{source}-{record_id}-1",
        "raw": {"id": record_id},
        **person,
        **extra,
    }


def add_practitioner_and_review_data(engine: Engine) -> None:
    """Put the borough, Dora, the evidence and the review items in ``engine`` (once)."""
    with session_scope(engine) as session:
        if session.get(Person, DORA) is not None:
            return
        have_borough = session.get(Person, ANNE) is not None
    if not have_borough:
        build_borough(engine)
    with session_scope(engine) as session:
        run_id = session.scalar(select(func.max(LinkRun.id)))
        assert run_id is not None
        rows = [
            record_row("gp_registrations", "G9", {**DORA_PERSON, "nhs_number": DORA_NHS},
                 attributes={"registered": "2001-06-12", "practice": "Heron Close Surgery"}),
            record_row("befriending", "B9", DORA_PERSON, attributes={"befriender": "Wed"}),
        ]  # fmt: skip
        for row in rows:
            batch = batches.start_batch(
                session,
                source_id=row["source_id"],
                file_name="browser.csv",
                file_sha256="1" * 64,
                full=False,
            )
            row["batch_id"] = batch.id
        records.insert_versions(session, rows)
        session.add(Person(person_id=DORA, created_run=run_id, status="active"))
        session.flush()
        for key in ("gp_registrations|G9", "befriending|B9"):
            session.add(PersonMember(record_key=key, person_id=DORA, from_run=run_id))
        for person_id, evidence in (
            (ANNE, ANNE_EVIDENCE),
            (BOB, BOB_EVIDENCE),
            (CLARE, CLARE_EVIDENCE),
        ):
            for key, (matched, probability, weight, fields) in evidence.items():
                session.merge(
                    MatchEvidence(
                        record_key=key,
                        person_id=person_id,
                        run_id=run_id,
                        matched_record_key=matched,
                        match_probability=probability,
                        match_weight=weight,
                        field_weights=fields,
                        basis="model",
                    )
                )
        for left, right, reason, risk, probability, weight, person in REVIEW_ITEMS:
            session.add(
                ReviewItem(
                    record_key_l=left,
                    record_key_r=right,
                    match_weight=weight,
                    match_probability=probability,
                    reason=reason,
                    risk=risk,
                    status="open",
                    run_id=run_id,
                    person_id=person,
                )
            )


__all__ = [
    "ANNE",
    "ANNE_NHS",
    "BOB",
    "CLARE",
    "DORA",
    "KEYBOARD_PAIR",
    "MOUSE_PAIR",
    "OLD",
    "SCREENSHOT_PAIR",
    "add_practitioner_and_review_data",
]
