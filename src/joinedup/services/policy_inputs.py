"""What policy needs from the store about several persons at once: a joined view and its household.

:func:`policy_inputs_for` reads what :func:`joinedup.audit.governance.policy_inputs` reads — the
relationships declared with the requester's organisation, the resident's choices, the
requester's open break-glass session — for the person and every household member in three
queries instead of three each. The statements are built once, with their values as bound
parameters, because building and keying a statement costs more CPU than SQLite takes to answer
it. The reference stays ``policy_inputs``; a test keeps the two in agreement.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from joinedup.audit.governance import PolicyInputs
from joinedup.policy.request import BreakGlass, Relationship, ResidentChoice
from joinedup.services.actor import Actor
from joinedup.store.governance_tables import (
    BreakGlassSession,
    DeclaredRelationship,
    ResidentChoiceRow,
)

# Person ids per statement, well inside SQLite's limit on bound parameters.
_CHUNK = 400

_RELATIONSHIPS = select(
    DeclaredRelationship.person_id,
    DeclaredRelationship.organisation,
    DeclaredRelationship.reason,
    DeclaredRelationship.starts_at,
    DeclaredRelationship.expires_at,
    DeclaredRelationship.actor,
).where(
    DeclaredRelationship.person_id.in_(bindparam("ids", expanding=True)),
    DeclaredRelationship.organisation == bindparam("organisation"),
    DeclaredRelationship.ended_at.is_(None),
    DeclaredRelationship.expires_at > bindparam("now"),
    or_(DeclaredRelationship.actor.is_(None), DeclaredRelationship.actor == bindparam("actor")),
)
# Newest first, so the first row per person is the session ``active_break_glass`` returns.
_BREAK_GLASS = (
    select(
        BreakGlassSession.person_id,
        BreakGlassSession.actor,
        BreakGlassSession.reason,
        BreakGlassSession.started_at,
        BreakGlassSession.expires_at,
    )
    .where(
        BreakGlassSession.actor == bindparam("actor"),
        BreakGlassSession.person_id.in_(bindparam("ids", expanding=True)),
        BreakGlassSession.started_at <= bindparam("now"),
        BreakGlassSession.expires_at > bindparam("now"),
        BreakGlassSession.ended_at.is_(None),
    )
    .order_by(BreakGlassSession.started_at.desc())
)
# Oldest first: policy takes the latest choice per (kind, purpose, source) as the one in force.
_CHOICES = (
    select(
        ResidentChoiceRow.person_id,
        ResidentChoiceRow.kind,
        ResidentChoiceRow.purpose,
        ResidentChoiceRow.given,
        ResidentChoiceRow.at,
        ResidentChoiceRow.source,
    )
    .where(ResidentChoiceRow.person_id.in_(bindparam("ids", expanding=True)))
    .order_by(ResidentChoiceRow.at, ResidentChoiceRow.id)
)


def policy_inputs_for(
    session: Session, person_ids: Iterable[str], *, actor: Actor, now: datetime
) -> dict[str, PolicyInputs]:
    """Person id → the :class:`PolicyInputs` for ``actor`` at ``now``, for every id given."""
    ids = sorted(set(person_ids))
    rels: dict[str, list[Relationship]] = {pid: [] for pid in ids}
    glass: dict[str, BreakGlass] = {}
    choices: dict[str, list[ResidentChoice]] = {pid: [] for pid in ids}
    for start in range(0, len(ids), _CHUNK):
        values = {
            "ids": ids[start : start + _CHUNK],
            "organisation": actor.organisation,
            "actor": actor.user,
            "now": now,
        }
        for pid, org, reason, starts, expires, who in session.execute(_RELATIONSHIPS, values):
            rels[pid].append(Relationship(org, reason, starts, expires, who))
        for pid, who, reason, started, expires in session.execute(_BREAK_GLASS, values):
            glass.setdefault(pid, BreakGlass(who, reason, started, expires))
        for pid, kind, purpose, given, at, source in session.execute(_CHOICES, values):
            choices[pid].append(ResidentChoice(kind, purpose, given, at, source))  # type: ignore[arg-type]
    return {pid: PolicyInputs(tuple(rels[pid]), tuple(choices[pid]), glass.get(pid)) for pid in ids}
