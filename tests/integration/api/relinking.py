"""Link runs on the tiny Northbridge of ``practitioner_hub``: new records, merges and splits.

The hub is built by direct inserts, with no Splink run; these helpers move its records between
persons as a link run would — ``ids.assign_ids`` decides the ids (the older survives a merge,
the larger part keeps the id in a split) and ``persons.apply_assignment`` writes them, with the
run's events and its redirects — so a test says which records belong together and gets the ids
linkage would give.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine

from joinedup.linkage.ids import assign_ids
from joinedup.linkage.persons import apply_assignment, created_order, current_membership
from joinedup.services import resident_holds
from joinedup.store import batches, records
from joinedup.store.account_tables import User
from joinedup.store.base import utcnow
from joinedup.store.db import session_scope
from joinedup.store.linkage_tables import LinkRun
from joinedup.store.records import split_record_key


def add_record(engine: Engine, key: str, person: dict[str, object], **extra: object) -> str:
    """Store a first version of record ``key`` (``source|record_id``) with ``person``'s fields;
    it belongs to no person until :func:`relink` puts it in one. Returns ``key``."""
    source, record_id = split_record_key(key)
    with session_scope(engine) as session:
        batch = batches.start_batch(
            session, source_id=source, file_name="x.csv", file_sha256="0" * 64, full=False
        )
        row = {
            "source_id": source,
            "record_id": record_id,
            "version": 1,
            "content_hash": f"{source}-{record_id}-1",
            "raw": {"id": record_id},
            "batch_id": batch.id,
            **person,
            **extra,
        }
        records.insert_versions(session, [row])
    return key


@dataclass(frozen=True)
class Relinked:
    """A run made by :func:`relink`: its id, each record's person now, the ids it retired."""

    run_id: int
    membership: dict[str, str]
    retired: dict[str, str | None]


def relink(engine: Engine, *groups: Sequence[str]) -> Relinked:
    """One link run that finds each of ``groups`` (record keys) to be one person.

    Give every record of every person the run touches: a person's records left out stay where
    they are.
    """
    clusters = {key: str(label) for label, group in enumerate(groups) for key in group}
    moment = utcnow()
    with session_scope(engine) as session:
        run = LinkRun(
            mode="incremental",
            engine="duckdb",
            status="done",
            started_at=moment,
            finished_at=moment,
        )
        session.add(run)
        session.flush()
        previous = current_membership(session, clusters)
        versions = {}
        for key in clusters:
            current = records.get_current(session, *split_record_key(key))
            assert current is not None, f"no current version of {key}"
            versions[key] = current.id
        order = created_order(session, {linked.person_id for linked in previous.values()})
        assignment = assign_ids(
            {key: linked.person_id for key, linked in previous.items()},
            clusters,
            created_order=order,
        )
        apply_assignment(session, run.id, previous, assignment, versions)
        return Relinked(run.id, assignment.membership, assignment.retired)


def person_of(run: Relinked, key: str) -> str:
    """The person ``key`` belongs to after the run."""
    return run.membership[key]


def split_off_the_residents_records(engine: Engine, resident: str) -> Relinked:
    """Linkage finds that Anne's council tax and befriending records are someone else's, and
    the resident account ``resident`` is theirs: an administrator points it at their new id."""
    run = relink(
        engine,
        ["gp_registrations|G1", "adult_social_care|S1"],
        ["council_tax|C1", "befriending|B1"],
    )
    confirm_resident(engine, resident, person_of(run, "council_tax|C1"))
    return run


def confirm_resident(engine: Engine, username: str, person_id: str) -> None:
    """An administrator checks with the resident ``username`` after a split: their account
    speaks for ``person_id`` (which ends the hold the split put on it)."""
    with session_scope(engine) as session:
        user_id = session.scalar(select(User.id).where(User.username == username))
        assert user_id is not None, username
        resident_holds.confirm_person(session, user_id, person_id, by=None)
