"""A tiny Northbridge for the practitioner API tests: four sources, a household, retired ids.

Built by direct inserts through the store's repositories (no Splink run), so a test costs
milliseconds and the person ids are known:

- ``ANNE``: Anne Walker, 1950-03-04, NB1 2AB, UPRN 100001 — gp_registrations G1,
  adult_social_care S1, council_tax C1 (two versions), befriending B1;
- ``BOB``: Robert Walker at the same UPRN — council_tax C2, gp_registrations G2;
- ``CLARE``: Clare Moss, alone at UPRN 100002 — adult_social_care S3, council_tax C3 (no GP
  record, so a GP has no legitimate relationship with her until one is declared);
- ``OLD``: retired, redirects to ``ANNE``; ``GONE``: retired with no redirect.

Accounts: one per role, each in the organisation a role has in Northbridge (the GP in the ICB,
the charity caseworker at the befriending charity, everyone else at the council), each with a
``read``/``write`` token (``hub.bearer(role)``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.engine import Engine

from joinedup.api.app import create_app
from joinedup.config import Settings
from joinedup.policy.vocabulary import ROLES
from joinedup.services import accounts
from joinedup.standards.nhs_number import nhs_check_digit
from joinedup.store import batches, records, sources
from joinedup.store.base import utcnow
from joinedup.store.db import session_scope
from joinedup.store.linkage_tables import LinkRun, Person, PersonMember
from joinedup.store.tables import SourceRecord
from tests.integration.api.auth_hub import password_hash, username

ANNE, BOB, CLARE = "PANNE00000001", "PBOB000000002", "PCLARE0000005"
OLD, GONE, UNKNOWN = "POLD000000003", "PGONE00000004", "PNEVER0000009"
PERSONS = {"ANNE": ANNE, "BOB": BOB, "CLARE": CLARE, "OLD": OLD, "GONE": GONE, "UNKNOWN": UNKNOWN}
COUNCIL, ICB, CHARITY = "northbridge-council", "nhs-northbridge-icb", "northbridge-befriending"
ROLE_ORG = {"gp": ICB, "charity_caseworker": CHARITY}
SOURCES = {
    "gp_registrations": (ICB, "GP registrations", "health.gp_registration"),
    "adult_social_care": (COUNCIL, "Adult Social Care", "social_care.adult"),
    "council_tax": (COUNCIL, "Council Tax", "finance.council_tax"),
    "befriending": (CHARITY, "Befriending", "charity.befriending"),
}


def nhs(nine: str) -> str:
    """A valid NHS number from nine digits (the 999 range NHS England never issues)."""
    check = nhs_check_digit(nine)
    assert check is not None
    return f"{nine}{check}"


ANNE_NHS = nhs("999000001") if nhs_check_digit("999000001") is not None else nhs("999000002")
ANNE_PERSON = {
    "title": "Mrs",
    "given_name": "Anne",
    "family_name": "Walker",
    "date_of_birth": "1950-03-04",
    "year_of_birth": 1950,
    "sex": "female",
    "house_number": "12",
    "street": "Mill Lane",
    "town": "Northbridge",
    "postcode": "NB1 2AB",
    "uprn": "100001",
}
BOB_PERSON = {
    **ANNE_PERSON,
    "title": "Mr",
    "given_name": "Robert",
    "date_of_birth": "1948-07-01",
    "year_of_birth": 1948,
    "sex": "male",
}
CLARE_PERSON = {
    "given_name": "Clare",
    "family_name": "Moss",
    "date_of_birth": "1962-11-30",
    "year_of_birth": 1962,
    "house_number": "3",
    "street": "Weir Road",
    "town": "Northbridge",
    "postcode": "NB2 7QT",
    "uprn": "100002",
}
ANNE_PHONE = "+447700900123"
ANNE_EMAIL = "anne.walker@example.org"
# Values that must never appear in a response that releases nothing (the fail-closed test).
ANNE_SECRETS = ("Walker", "Anne", "1950-03-04", "NB1 2AB", ANNE_PHONE, ANNE_EMAIL, ANNE_NHS)


@dataclass
class PractitionerHub:
    engine: Engine
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)
    token_ids: dict[str, int] = field(default_factory=dict)

    def bearer(
        self,
        role: str,
        purpose: str | None = "safeguarding",
        case_reference: str = "CASE-1",
    ) -> dict[str, str]:
        """Headers for ``role``'s token, stating ``purpose`` (none when ``None``)."""
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        if purpose is not None:
            headers["Joinedup-Purpose"] = purpose
            headers["Joinedup-Case-Reference"] = case_reference
        return headers

    def break_glass_and_view(
        self, person: str, reason: str, role: str = "gp", purpose: str = "direct_care"
    ) -> dict[str, Any]:
        """``role`` breaks the glass on ``person`` for an hour and views them; the view's JSON."""
        headers = self.bearer(role, purpose)
        started = self.client.post(
            f"/api/v1/persons/{person}/break-glass",
            headers=headers,
            json={"reason": reason, "hours": 1},
        )
        assert started.status_code == 201, started.text
        view = self.client.get(f"/api/v1/persons/{person}", headers=headers)
        assert view.status_code == 200, view.text
        return dict(view.json())

    def add_ig_officer(self, name: str, organisation: str) -> dict[str, str]:
        """An IG officer account ``name`` at ``organisation`` (the hub's own is the council's),
        its token kept under ``name``; the headers to use it."""
        with session_scope(self.engine) as session:
            user = accounts.create_user(
                session,
                username=name,
                display_name=f"IG officer at {organisation}",
                role="ig_officer",
                password_hash=password_hash(),
                organisation_id=organisation,
            )
            issued = accounts.issue_token(
                session, user_id=user.id, name="t", scopes=["read", "write"]
            )
            self.tokens[name] = issued.secret
        return self.bearer(name, None)


def _rows(source: str, record_id: str, person: dict[str, object], **extra: object) -> dict:
    return {
        "source_id": source,
        "record_id": record_id,
        "version": 1,
        "content_hash": f"{source}-{record_id}-1",
        "raw": {"id": record_id},
        **person,
        **extra,
    }


def build_borough(engine: Engine) -> None:
    """Sources, records, persons and memberships for :data:`ANNE` and :data:`BOB`."""
    now = utcnow()
    earlier = now - timedelta(days=400)
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
                session, source_id=source_id, file_name="x.csv", file_sha256="0" * 64, full=True
            )
            batch_ids[source_id] = batch.id
        anne = {**ANNE_PERSON, "nhs_number": ANNE_NHS}
        rows = [
            _rows("gp_registrations", "G1", anne, phones=[ANNE_PHONE],
                  attributes={"registered": "2019-05-01", "practice": "Mill Lane Surgery"}),
            _rows("adult_social_care", "S1", anne, emails=[ANNE_EMAIL],
                  attributes={"start_date": "2024-02-01", "care_package": "Home care"}),
            {**_rows("council_tax", "C1", ANNE_PERSON, phones=[ANNE_PHONE],
                     attributes={"band": "C", "account_opened": "2010-09-01"}),
             "version": 2, "content_hash": "council_tax-C1-2",
             "valid_from": now - timedelta(days=30)},
            _rows("befriending", "B1", ANNE_PERSON, attributes={"befriender": "Mon/Thu"}),
            _rows("council_tax", "C2", BOB_PERSON),
            _rows("adult_social_care", "S3", CLARE_PERSON),
            _rows("council_tax", "C3", CLARE_PERSON),
            _rows("gp_registrations", "G2", {**BOB_PERSON, "nhs_number": nhs("999000010")}),
        ]  # fmt: skip
        for row in rows:
            row["batch_id"] = batch_ids[str(row["source_id"])]
        # Council tax C1 has a history: version 1 ended when version 2 came.
        first = _rows("council_tax", "C1", ANNE_PERSON, valid_from=earlier)
        records.insert_versions(session, [{**first, "batch_id": batch_ids["council_tax"]}])
        old = records.get_current(session, "council_tax", "C1")
        assert old is not None
        records.end_versions(session, [old.id], now - timedelta(days=30))
        records.insert_versions(session, rows)
        run = LinkRun(mode="full", engine="duckdb", status="done", started_at=now)
        session.add(run)
        session.flush()
        session.add_all(
            [
                Person(person_id=ANNE, created_run=run.id, status="active"),
                Person(person_id=BOB, created_run=run.id, status="active"),
                Person(person_id=CLARE, created_run=run.id, status="active"),
                Person(
                    person_id=OLD,
                    created_run=run.id,
                    status="retired",
                    redirect_to=ANNE,
                    retired_run=run.id,
                ),
                Person(person_id=GONE, created_run=run.id, status="retired", retired_run=run.id),
            ]
        )
        session.flush()
        members = {
            ANNE: [
                "gp_registrations|G1",
                "adult_social_care|S1",
                "council_tax|C1",
                "befriending|B1",
            ],
            BOB: ["council_tax|C2", "gp_registrations|G2"],
            CLARE: ["adult_social_care|S3", "council_tax|C3"],
        }
        for pid, keys in members.items():
            for key in keys:
                session.add(PersonMember(record_key=key, person_id=pid, from_run=run.id))


def make_practitioner_hub(engine: Engine) -> PractitionerHub:
    """The borough, an account and a token per role, and a client on a fresh app."""
    build_borough(engine)
    settings = Settings.from_env()
    settings = Settings(
        data_dir=settings.data_dir,
        database_url=str(engine.url),
        secret_key="test secret key, not for production",
    )
    hub = PractitionerHub(
        engine, TestClient(create_app(settings, engine), raise_server_exceptions=False)
    )
    with session_scope(engine) as session:
        for role in ROLES:
            user = accounts.create_user(
                session,
                username=username(role),
                display_name=role.replace("_", " ").title(),
                role=role,
                password_hash=password_hash(),
                organisation_id=None if role == "resident" else ROLE_ORG.get(role, COUNCIL),
                person_id=ANNE if role == "resident" else None,
            )
            scopes = ["read", "write", "admin"] if role == "admin" else ["read", "write"]
            issued = accounts.issue_token(session, user_id=user.id, name="tests", scopes=scopes)
            hub.tokens[role] = issued.secret
            hub.user_ids[role] = user.id
            hub.token_ids[role] = issued.record.id
    return hub


def open_hub(engine: Engine) -> Iterator[PractitionerHub]:
    """The hub, its client closed after the test. A test module's fixture:
    ``hub = pytest.fixture(open_hub, name="hub")``."""
    hub = make_practitioner_hub(engine)
    yield hub
    hub.client.close()


def hub_with_ig_officers(engine: Engine) -> Iterator[PractitionerHub]:
    """The hub with an IG officer at the ICB (``ig_icb``) and one at the charity
    (``ig_charity``), its client closed after the test. A fixture where oversight is asked of
    more than the council's IG officer: ``hub = pytest.fixture(hub_with_ig_officers, name="hub")``.
    """
    hub = make_practitioner_hub(engine)
    hub.add_ig_officer("ig_icb", ICB)
    hub.add_ig_officer("ig_charity", CHARITY)
    yield hub
    hub.client.close()


def at(days: int = 0) -> datetime:
    """A UTC time ``days`` from now."""
    return datetime.now(UTC) + timedelta(days=days)


def end_record(engine: Engine, source: str, record_id: str) -> None:
    """End a record's current version, as a full extract without it would."""
    with session_scope(engine) as session:
        session.execute(
            update(SourceRecord)
            .where(
                SourceRecord.source_id == source,
                SourceRecord.record_id == record_id,
                SourceRecord.valid_to.is_(None),
            )
            .values(valid_to=utcnow())
        )
