"""The borough behind the audit benchmark: the API benchmark's index, a year of linkage history,
six organisations' practitioners, and the residents and IG officers whose reads are timed.

The index is :func:`benchmarks.api.seed.seed` (persons with two to four records across four
sources of three organisations). To it are added three organisations with no source of their
own (their IG officers' remit is their staff's events alone) and a second link run half-way
through the year that merged one person in a hundred into their neighbour: the retired ids
keep the events recorded under them, so the resident's lineage and the IG remit's "held then"
branch read real history.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from benchmarks.api import seed
from joinedup.services.actor import Actor
from joinedup.store import sources
from joinedup.store.base import utcnow
from joinedup.store.db import session_scope
from joinedup.store.linkage_tables import LinkRun, Person, PersonMember

HOSPITAL, HOMES, POLICE = "northbridge-hospitals", "northbridge-homes", "northbridge-police"
#: Organisation → (display name, kind, practitioner role, staff): 60 practitioners in all.
ORGANISATIONS: dict[str, tuple[str, str, str, int]] = {
    seed.COUNCIL: ("Northbridge Borough Council", "council", "social_worker", 20),
    seed.ICB: ("NHS Northbridge Integrated Care Board", "nhs", "gp", 14),
    seed.CHARITY: ("Northbridge Befriending", "charity", "charity_caseworker", 6),
    HOSPITAL: ("Northbridge Hospitals NHS Trust", "nhs", "gp", 10),
    HOMES: ("Northbridge Homes", "housing", "housing_officer", 6),
    POLICE: ("Northbridge Police", "police", "social_worker", 4),
}
#: Every this many persons, the next one was merged into it half-way through the year.
MERGE_EVERY = 100
YEAR = timedelta(days=365)


@dataclass(frozen=True)
class Practitioner:
    user: str
    organisation: str
    role: str


@dataclass(frozen=True)
class Hub:
    """What the trail is written about, and when the year began and the merge run took effect."""

    persons: int
    start: datetime
    merged_at: datetime
    practitioners: tuple[Practitioner, ...]
    # Person id → the sources holding a record of them (their view's categories).
    held: dict[str, tuple[str, ...]]
    # Retired id → the person it was merged into.
    retired: dict[str, str]


def practitioners() -> tuple[Practitioner, ...]:
    return tuple(
        Practitioner(f"{role}.{n:02d}@{org}.example.org", org, role)
        for org, (_name, _kind, role, staff) in ORGANISATIONS.items()
        for n in range(staff)
    )


def ig_officer(organisation: str) -> Actor:
    """The IG officer of ``organisation``, as the governance routes build one."""
    return Actor(
        user=f"ig@{organisation}.example.org", organisation=organisation, role="ig_officer"
    )


def resident(person_id: str) -> Actor:
    """The resident whose account is linked to ``person_id``."""
    return Actor(
        user=f"resident.{person_id}@example.org",
        organisation="",
        role="resident",
        person_id=person_id,
    )


def build(engine: Engine, persons: int) -> Hub:
    """Seed an empty, migrated database with the borough; returns what the trail needs."""
    seed.seed(engine, persons)
    now = utcnow()
    start, merged_at = now - YEAR, now - YEAR / 2
    retired: dict[str, str] = {}
    with session_scope(engine) as session:
        for org, (name, kind, _role, _staff) in ORGANISATIONS.items():
            sources.ensure_organisation(session, org, name, kind)
        # The seed's run linked everyone "now"; the trail's year needs the index before it.
        session.execute(update(LinkRun).values(started_at=start, finished_at=start))
        run = LinkRun(
            mode="incremental", engine="duckdb", status="done", started_at=merged_at,
            finished_at=merged_at,
        )  # fmt: skip
        session.add(run)
        session.flush()
        for n in range(0, persons - 1, MERGE_EVERY):
            retired[seed.person_id(n + 1)] = seed.person_id(n)
        moved = session.execute(
            select(PersonMember.record_key, PersonMember.person_id).where(
                PersonMember.person_id.in_(retired)
            )
        ).all()
        session.execute(
            update(PersonMember).where(PersonMember.person_id.in_(retired)).values(to_run=run.id)
        )
        session.execute(
            insert(PersonMember),
            [
                {"record_key": key, "person_id": retired[pid], "from_run": run.id}
                for key, pid in moved
            ],
        )
        for old, new in retired.items():
            session.execute(
                update(Person)
                .where(Person.person_id == old)
                .values(status="retired", redirect_to=new, retired_run=run.id)
            )
        held: dict[str, set[str]] = defaultdict(set)
        for key, pid in session.execute(select(PersonMember.record_key, PersonMember.person_id)):
            held[pid].add(key.split("|", 1)[0])
    return Hub(
        persons=persons,
        start=start,
        merged_at=merged_at,
        practitioners=practitioners(),
        held={pid: tuple(sorted(s)) for pid, s in held.items()},
        retired=retired,
    )
