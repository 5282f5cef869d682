"""The household section of a joined view: other persons at the same address (UPRN).

Only addresses the requester may already see (from released ``identity.core`` items) are
looked up. Each other person found there is a person in their own right: policy decides, for
the same requester and purpose, whether their identity is released, and an audit event records
that decision under *their* id — so a resident's access log shows that their name was seen as
part of someone else's household. Without a release the member is listed by id only, with the
reason. The events are handed back to the joined view, which appends them with its own, in one
batch, at the end of its unit of work.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.audit.log import NewEvent
from joinedup.policy.request import Decision
from joinedup.services.access import (
    IDENTITY,
    SourceInfo,
    current_records,
    decide_for,
    member_keys,
    policy_inputs_for,
)
from joinedup.services.actor import Actor
from joinedup.services.views import HouseholdMember
from joinedup.store.linkage_tables import PersonMember
from joinedup.store.tables import SourceRecord

# A "household" larger than this is a hostel, a care home or a bad UPRN: listing it would
# disclose many people for little purpose, so only this many are shown.
MAX_MEMBERS = 12


def _residents(session: Session, uprns: set[str], person_id: str) -> list[str]:
    keys = [
        f"{source_id}|{record_id}"
        for source_id, record_id in session.execute(
            select(SourceRecord.source_id, SourceRecord.record_id).where(
                SourceRecord.valid_to.is_(None), SourceRecord.uprn.in_(sorted(uprns))
            )
        )
    ]
    if not keys:
        return []
    found = session.scalars(
        select(PersonMember.person_id)
        .where(PersonMember.to_run.is_(None), PersonMember.record_key.in_(keys))
        .distinct()
    )
    return sorted(set(found) - {person_id})[:MAX_MEMBERS]


def household(
    session: Session,
    actor: Actor,
    person_id: str,
    shown: Sequence[SourceRecord],
    *,
    purpose: str,
    now: datetime,
    sources: dict[str, SourceInfo],
) -> tuple[tuple[HouseholdMember, ...], tuple[Decision, ...], tuple[NewEvent, ...]]:
    """Other persons at the UPRNs of ``shown`` (records already released), names where permitted.

    Returns the members, the decision for each and the ``person.household`` audit event for
    each; the caller appends the events (with its own) before its unit of work commits, and
    must not return the members otherwise. Reads every member's records and policy inputs in a
    handful of queries, whatever the size of the household.
    """
    uprns = {r.uprn for r in shown if r.uprn}
    if not uprns:
        return (), (), ()
    members = _residents(session, uprns, person_id)
    if not members:
        return (), (), ()
    keys = member_keys(session, members)
    owner = {key: member for member, held in keys.items() for key in held}
    records_of: dict[str, list[SourceRecord]] = {member: [] for member in members}
    for record in current_records(session, list(owner)):
        records_of[owner[f"{record.source_id}|{record.record_id}"]].append(record)
    inputs = policy_inputs_for(session, members, actor=actor, now=now)
    out, decisions, events = [], [], []
    for member in members:
        records = records_of[member]
        request, decision = decide_for(
            session,
            actor,
            member,
            records,
            purpose=purpose,
            now=now,
            sources=sources,
            inputs=inputs[member],
        )
        released = {s for s, c in decision.released if c == IDENTITY}
        named = [r for r in records if r.source_id in released and r.uprn in uprns]
        labels = tuple(sorted({f"{r.source_id}/{IDENTITY}" for r in named}))
        event = NewEvent.from_decision(request, decision, action="person.household")
        decisions.append(decision)
        events.append(
            dataclasses.replace(
                event,
                decision=("permit" if labels else "deny"),
                categories=labels,
                reason=f"household of {person_id}",
            )
        )
        if named:
            first = named[0]
            out.append(HouseholdMember(member, first.given_name, first.family_name))
        else:
            out.append(HouseholdMember(member, None, None, _why(decision)))
    return tuple(out), tuple(decisions), tuple(events)


def _why(decision: Decision) -> str:
    # Codes only: an item's message may name a sealed source of the *other* person.
    reasons = decision.reasons or tuple(
        reason for item in decision.items for reason in item.reasons[:1]
    )
    codes = sorted({reason.code for reason in reasons}) or ["deny_no_agreement"]
    return "Their identity is not released to you for this purpose (" + ", ".join(codes) + ")."
