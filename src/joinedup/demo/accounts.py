"""The people who use the demo hub: one account per role, a resident, and a few resident choices.

Everything goes through the same services a real hub uses (accounts, governance), so the demo
shows the product as it is. The resident chosen is the one the mission describes: an older person
known to several services, including the befriending charity.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.audit.governance import current_choices, record_choice
from joinedup.services import accounts
from joinedup.store.linkage_tables import PersonMember
from joinedup.store.tables import Organisation

# Shown on screen by `joinedup demo`; the demo listens on 127.0.0.1 unless told otherwise.
DEFAULT_PASSWORD = "northbridge-demo-2026"

ORGANISATION_NAMES = {
    "northbridge-council": ("Northbridge Council", "local_authority"),
    "nhs-northbridge-icb": ("NHS Northbridge Integrated Care Board", "nhs"),
    "northbridge-befriending": ("Northbridge Befriending Network", "charity"),
}

STAFF = (
    # username, display name, role, organisation
    ("sam.social", "Sam Okafor (social worker)", "social_worker", "northbridge-council"),
    ("gita.gp", "Dr Gita Shah (GP)", "gp", "nhs-northbridge-icb"),
    ("harry.housing", "Harry Nowak (housing officer)", "housing_officer", "northbridge-council"),
    ("chloe.charity", "Chloe Byrne (befriending)", "charity_caseworker", "northbridge-befriending"),
    # One IG officer per organisation: each oversees its own staff and its own data.
    ("iris.ig", "Iris Adeyemi (IG officer)", "ig_officer", "northbridge-council"),
    ("ian.ig", "Ian Forde (IG officer, NHS)", "ig_officer", "nhs-northbridge-icb"),
    ("bea.ig", "Bea Lund (IG officer, charity)", "ig_officer", "northbridge-befriending"),
    ("rory.reviewer", "Rory Campbell (linkage reviewer)", "reviewer", "northbridge-council"),
    ("ada.admin", "Ada Lewis (administrator)", "admin", "northbridge-council"),
)
RESIDENT_USERNAME = "resident"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    display_name: str


def demo_password() -> str:
    """``JOINEDUP_DEMO_PASSWORD`` when set, else the documented demo password."""
    return os.environ.get("JOINEDUP_DEMO_PASSWORD") or DEFAULT_PASSWORD


def _ensure_organisations(session: Session) -> None:
    for org_id, (name, kind) in ORGANISATION_NAMES.items():
        org = session.get(Organisation, org_id)
        if org is None:
            accounts.create_organisation(session, org_id, name=name, kind=kind)
        else:
            org.name, org.kind = name, kind


def _showcase_person(session: Session) -> str | None:
    """The person known to the most sources, befriending among them (ties: lowest id)."""
    # Counted here, not in SQL: splitting a record key on "|" has no portable SQL function
    # (SQLite's instr does not exist on PostgreSQL), and a demo borough is small.
    rows = session.execute(
        select(PersonMember.person_id, PersonMember.record_key).where(PersonMember.to_run.is_(None))
    )
    sources: dict[str, set[str]] = {}
    for person_id, record_key in rows:
        sources.setdefault(person_id, set()).add(str(record_key).split("|", 1)[0])
    befriended = [(-len(s), p) for p, s in sources.items() if "befriending" in s]
    return min(befriended)[1] if befriended else None


def _other_persons(session: Session, exclude: str, limit: int) -> list[str]:
    rows = session.scalars(
        select(PersonMember.person_id)
        .where(PersonMember.to_run.is_(None), PersonMember.person_id != exclude)
        .distinct()
        .order_by(PersonMember.person_id)
        .limit(limit)
    )
    return list(rows)


def seed_accounts(session: Session) -> list[DemoAccount]:
    """Create (once) the demo organisations, one account per role and the resident's account.

    Idempotent: accounts that exist are left as they are, so re-running the demo keeps sessions
    and tokens valid. Returns the accounts to print.
    """
    _ensure_organisations(session)
    password_hash = accounts.hash_password(demo_password())
    # Usable at once, not "change at first sign-in": the borough is synthetic, the password is
    # printed for everyone trying the demo (so no administrator knows a secret of anyone's),
    # and `make demo` and the browser tests sign straight in with it.
    made: list[DemoAccount] = []
    existing = {u.username for u in accounts.list_users(session)}
    for username, display, role, org in STAFF:
        if username not in existing:
            accounts.create_user(
                session,
                username=username,
                display_name=display,
                role=role,
                organisation_id=org,
                password_hash=password_hash,
                must_change_password=False,
            )
        made.append(DemoAccount(username, role, display))
    person_id = _showcase_person(session)
    if person_id is not None:
        if RESIDENT_USERNAME not in existing:
            accounts.create_user(
                session,
                username=RESIDENT_USERNAME,
                display_name="A Northbridge resident",
                role="resident",
                person_id=person_id,
                password_hash=password_hash,
                must_change_password=False,
            )
        made.append(DemoAccount(RESIDENT_USERNAME, "resident", "A Northbridge resident"))
        _seed_choices(session, person_id)
    return made


def _seed_choices(session: Session, resident: str) -> None:
    """The showcase resident consents to the charity sharing; a few others object to a purpose."""
    if current_choices(session, resident):
        return
    record_choice(
        session,
        person_id=resident,
        kind="consent",
        purpose="direct_care",
        source="befriending",
        given=True,
        recorded_by="demo",
        note="Consented at a befriending visit to the charity sharing with their care team.",
    )
    for person_id, purpose in zip(
        _other_persons(session, resident, 3),
        ("housing_support", "debt_support", "safeguarding"),
        strict=False,
    ):
        record_choice(
            session,
            person_id=person_id,
            kind="objection",
            purpose=purpose,
            given=True,
            recorded_by="demo",
            note="Objected in writing (demo data).",
        )
