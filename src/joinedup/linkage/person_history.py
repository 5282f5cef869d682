"""A person's history in the index: the merges and splits of its id and of the ids it absorbed.

``joinedup person`` and ``explain_person`` list it. Events are stored naming the person they are
about first (a merge's survivor, a split's larger part); a person split off from another is
named later in its split's ids, so its history is found by the run that created it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select, type_coerce
from sqlalchemy.orm import Session

from joinedup.store.base import UTCDateTime
from joinedup.store.linkage_tables import LinkRun, Person, PersonEvent


def person_events(
    session: Session, person_id: str, absorbed: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """The merges and splits of a person and of the ids it absorbed, oldest first, each with
    when its run took effect; a split that made the person says which id it came from.

    Each is plain data: ``run_id``, ``at`` (ISO time the run took effect, ``None`` while it is
    saving), ``kind``, ``person_ids`` and ``record_counts`` (the kept or surviving id first),
    and ``split_from``: for the split that created ``person_id``, the id that kept the larger
    part (``None`` otherwise), so a person split off lists its split as the kept side does.
    """
    # The indexed first id finds this person's events and those of the ids it absorbed.
    ids = sorted({person_id, *absorbed})
    rows = list(
        session.scalars(
            select(PersonEvent).where(PersonEvent.person_id.in_(ids)).order_by(PersonEvent.id)
        )
    )
    created_run = session.scalar(select(Person.created_run).where(Person.person_id == person_id))
    made_by = session.scalars(
        select(PersonEvent)
        .where(PersonEvent.run_id == created_run, PersonEvent.kind == "split")
        .order_by(PersonEvent.id)
    )
    made = [e for e in made_by if person_id in e.person_ids[1:] and e.person_id not in ids]
    rows = sorted([*rows, *made], key=lambda event: event.id)
    took_effect = func.coalesce(LinkRun.finished_at, LinkRun.started_at)
    when = dict(
        session.execute(
            select(LinkRun.id, type_coerce(took_effect, UTCDateTime())).where(
                LinkRun.id.in_({event.run_id for event in rows})
            )
        ).all()
    )
    return [
        {
            "run_id": event.run_id,
            "at": when[event.run_id].isoformat() if when.get(event.run_id) else None,
            "kind": event.kind,
            "person_ids": list(event.person_ids),
            "record_counts": list(event.record_counts),
            "split_from": event.person_id if event in made else None,
        }
        for event in rows
    ]
