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
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session

from joinedup.audit.decision_inputs import PolicyInputs
from joinedup.audit.log import NewEvent
from joinedup.policy.request import Decision
from joinedup.policy.vocabulary import DENY_NO_RELATIONSHIP
from joinedup.services.access import (
    IDENTITY,
    RecordLike,
    SourceInfo,
    decide_for,
    member_keys,
    record_rows,
)
from joinedup.services.actor import Actor
from joinedup.services.views import HouseholdMember
from joinedup.store.linkage_tables import PersonMember
from joinedup.store.prepared import Prepared
from joinedup.store.tables import SourceRecord

# A "household" larger than this is a hostel, a care home or a bad UPRN: listing it would
# disclose many people for little purpose, so only this many are shown.
MAX_MEMBERS = 12

# Built once, values bound at run time (see ``services.access``: building an ORM statement per
# request cost more than answering it).
_RECORDS = SourceRecord.__table__.c
_MEMBERS = PersonMember.__table__.c
# The persons holding a current record at one of the UPRNs: records by their UPRN index, then
# each one's membership by the index on record keys.
_AT_UPRNS = Prepared(
    select(_MEMBERS.person_id, _RECORDS.uprn)
    .select_from(
        SourceRecord.__table__.join(
            PersonMember.__table__,
            and_(
                _MEMBERS.record_key == _RECORDS.source_id + "|" + _RECORDS.record_id,
                _MEMBERS.to_run.is_(None),
            ),
        )
    )
    .where(_RECORDS.valid_to.is_(None), _RECORDS.uprn.in_(bindparam("uprns", expanding=True)))
)


def neighbours(session: Session, uprns: set[str], person_id: str) -> dict[str, set[str]]:
    """Other persons with a current record at one of ``uprns``: person id → which of them.

    Asked for every address the person's records give, before policy has decided which of
    them the requester may see: the view reads the policy inputs of the person and of everyone
    who might be listed in one go. Nothing of it is shown unless :func:`household` lists it.
    """
    if not uprns:
        return {}
    found: dict[str, set[str]] = defaultdict(set)
    for member, uprn in _AT_UPRNS.all(session, {"uprns": sorted(uprns)}):
        if member != person_id and uprn:
            found[member].add(uprn)
    return dict(found)


def household(
    session: Session,
    actor: Actor,
    shown: Sequence[RecordLike],
    *,
    nearby: dict[str, set[str]],
    inputs: dict[str, PolicyInputs],
    of: str,
    purpose: str,
    now: datetime,
    sources: dict[str, SourceInfo],
) -> tuple[tuple[HouseholdMember, ...], tuple[Decision, ...], tuple[NewEvent, ...]]:
    """The persons of ``nearby`` at the UPRNs of ``shown`` (records already released), named
    where policy permits; ``inputs`` holds each one's policy inputs, ``of`` is whose household.

    Returns the members, the decision for each and the ``person.household`` audit event for
    each; the caller appends the events (with its own) before its unit of work commits, and
    must not return the members otherwise.
    """
    uprns = {r.uprn for r in shown if r.uprn}
    members = sorted(m for m, where in nearby.items() if where & uprns)[:MAX_MEMBERS]
    if not members:
        return (), (), ()
    keys = member_keys(session, members)
    owner = {key: member for member, held in keys.items() for key in held}
    records_of: dict[str, list[RecordLike]] = {member: [] for member in members}
    for record in record_rows(session, list(owner), current_only=True):
        records_of[owner[f"{record.source_id}|{record.record_id}"]].append(record)
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
        event = NewEvent.from_decision(
            request, decision, action="person.household", credential=actor.credential
        )
        decisions.append(decision)
        events.append(
            dataclasses.replace(
                event,
                decision=("permit" if labels else "deny"),
                categories=labels,
                reason=f"household of {of}",
            )
        )
        if named:
            first = named[0]
            out.append(HouseholdMember(member, first.given_name, first.family_name))
        else:
            out.append(HouseholdMember(member, None, None, _why(decision)))
    return tuple(out), tuple(decisions), tuple(events)


def _why(decision: Decision) -> str:
    """Why a member's name is not shown, in words about the requester, never about the member.

    The reason codes were shown ("… (deny_consent_missing)", "… (deny_objection)"): that told a
    practitioner whether a neighbour had consented or objected — the member's own choices,
    which nothing released to them. Only what the requester could act on is said: that
    the purpose needs a relationship with that person too.
    """
    reasons = decision.reasons or tuple(
        reason for item in decision.items for reason in item.reasons[:1]
    )
    if any(reason.code == DENY_NO_RELATIONSHIP for reason in reasons):
        return NEEDS_RELATIONSHIP
    return NOT_SHARED


NOT_SHARED = "Their name is not shared with you for this purpose."
NEEDS_RELATIONSHIP = (
    "Their name is not shown to you: this purpose needs a relationship with them on record too."
)
