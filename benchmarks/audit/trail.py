"""A year of a borough's audit trail, written through the chain's own appender.

Events go through :func:`joinedup.audit.log.append_all` — the live path: the chain lock, the head
read, the same canonical JSON and SHA-256 (on PostgreSQL computed by the database and checked
against Python's), a signed checkpoint every ``JOINEDUP_AUDIT_CHECKPOINT_EVERY`` events — in
batches of :data:`BATCH` per unit of work, so ``joinedup audit verify`` passes on the result.

The mix: 60 practitioners of six organisations, some far busier than others; three in four
events a view of a person (permit, partial, a few denied, one in two hundred a break-glass),
the rest searches, household views and declared relationships. Persons are drawn half
uniformly and half skewed towards the low ids (a few residents are seen thousands of times a
year, as a looked-after child or a frequent A&E attender is). Times rise through the year.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy.engine import Engine

from benchmarks.api import seed
from benchmarks.audit.hub import Hub, Practitioner
from joinedup.audit.log import NewEvent, append_all, audited_engine
from joinedup.store.db import session_scope

BATCH = 5_000
CATEGORY = {source: category for source, (_org, _name, category) in seed.SOURCES.items()}
PURPOSES = ("direct_care", "safeguarding", "care_coordination")
AGREEMENT = {"id": "northbridge-isa", "version": 3, "sha256": "a" * 64}


def _person(rng: random.Random, persons: int) -> int:
    if rng.random() < 0.5:
        return rng.randrange(persons)
    return int(persons * rng.random() ** 2)


def events(hub: Hub, count: int, *, seed_value: int = 11) -> Iterator[NewEvent]:
    """``count`` events over the hub's year, oldest first."""
    rng = random.Random(seed_value)
    staff = hub.practitioners
    # Busy and quiet practitioners: weight 1 to 10.
    weights = [1 + (i * 7919) % 10 for i in range(len(staff))]
    step = (timedelta(days=365) - timedelta(minutes=1)) / count
    for n in range(count):
        at = hub.start + step * n
        who: Practitioner = rng.choices(staff, weights)[0]
        pid = seed.person_id(_person(rng, hub.persons))
        if at >= hub.merged_at and pid in hub.retired:
            pid = hub.retired[pid]
        purpose = rng.choice(PURPOSES)
        case = f"CASE-{rng.randrange(100_000):05d}"
        roll = rng.random()
        common = {
            "actor": who.user,
            "organisation": who.organisation,
            "role": who.role,
            "purpose": purpose,
            "case_reference": case,
            "request_id": f"req-{n:09d}",
            "at": at,
        }
        if roll < 0.75:
            held = hub.held.get(pid, ())
            kind = rng.random()
            if kind < 0.005:
                yield NewEvent(
                    **common, action="person.view", decision="permit", person_id=pid,
                    categories=[f"{s}/{CATEGORY[s]}" for s in held], agreements=[AGREEMENT],
                    break_glass=True, reason="break-glass: unconscious in A&E, no next of kin",
                )  # fmt: skip
            elif kind < 0.06:
                yield NewEvent(
                    **common, action="person.view", decision="deny", person_id=pid,
                    reason="no agreement covers this role and purpose",
                )  # fmt: skip
            else:
                released = [s for s in held if rng.random() < 0.8] or list(held[:1])
                yield NewEvent(
                    **common, action="person.view",
                    decision="permit" if len(released) == len(held) else "partial",
                    person_id=pid, categories=[f"{s}/{CATEGORY[s]}" for s in released],
                    agreements=[AGREEMENT],
                )  # fmt: skip
        elif roll < 0.93:
            yield NewEvent(
                **{**common, "case_reference": None}, action="person.search", decision="permit",
                categories=["identity.search"],
            )  # fmt: skip
        elif roll < 0.98:
            yield NewEvent(
                **common, action="person.household", decision="permit", person_id=pid,
                categories=["identity.household"], agreements=[AGREEMENT],
            )  # fmt: skip
        else:
            yield NewEvent(
                **common, action="relationship.declare", person_id=pid,
                reason="allocated case worker",
            )  # fmt: skip


def write(engine: Engine, hub: Hub, count: int, *, progress: bool = True) -> None:
    """Append ``count`` events to the (empty) trail, :data:`BATCH` per unit of work."""
    batch: list[NewEvent] = []
    written = 0
    for event in events(hub, count):
        batch.append(event)
        if len(batch) == BATCH:
            _append(engine, batch)
            written += len(batch)
            batch = []
            if progress and written % 100_000 == 0:
                print(f"  {written:,} events written", flush=True)
    if batch:
        _append(engine, batch)


def _append(engine: Engine, batch: list[NewEvent]) -> None:
    with session_scope(audited_engine(engine)) as session:
        append_all(session, batch)
