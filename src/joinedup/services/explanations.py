"""Why a person's records are one person: the linkage evidence, filtered by policy and audited.

The evidence names records (source and record id) and how strongly each matched another, so it
is personal data about who is known to which service. It is released as the joined view is:
``decide`` for the caller's role, organisation and stated purpose, a ``person.explain`` audit
event in the caller's transaction before anything is read (fail closed), and then only records
of sources of which policy released something. A record's best match in a source not released
is not named — saying "a record you cannot see" is all that leaves, since even the source's name
could disclose a sealed service. Where that source is one the view does not even list as
withheld (a sealed service that releases nothing: ``joined_view.masked_sources``), not even that
much is said: the record is explained as one with no match, as a person's first record is, so
nothing in the explanation depends on whether the person is known to such a service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from joinedup.linkage.explain import explain_person, starting_weight
from joinedup.services.access import (
    audit_decision,
    current_records,
    decide_for,
    hold_audit_lock,
    member_keys,
    resolve_person,
    sources_by_id,
)
from joinedup.services.actor import Actor, require_person_level_purpose, require_practitioner
from joinedup.services.joined_view import masked_sources, shown_outcome
from joinedup.store.base import utcnow

ACTION = "person.explain"


@dataclass(frozen=True)
class RecordEvidence:
    """Why one record is in its person: the record it matched best, and how strongly.

    ``basis`` is ``model`` (scored by the matcher), ``review`` (joined by a reviewer's decision)
    or ``alone`` (the person's first record, nothing to match). ``matched_record_key`` is
    ``None`` when there is no match *or* when the match is in a source not released to the
    caller; ``matched_hidden`` tells the two apart, except for a source the caller is not told
    of at all (then the record reads as ``alone``, with no scores). ``field_weights`` are match
    weights per comparison (log2 of the Bayes factor: positive for, negative against);
    ``start_weight`` where the matcher starts before comparing any (the prior: the total less
    the fields' weights, ``linkage.explain.starting_weight``), so the figures add up.
    """

    record_key: str
    source: str
    source_name: str
    source_record_id: str
    basis: str
    matched_record_key: str | None
    matched_hidden: bool
    match_probability: float | None
    match_weight: float | None
    field_weights: dict[str, float] = field(default_factory=dict)
    start_weight: float | None = None


@dataclass(frozen=True)
class Explanation:
    """The evidence the caller may see for one person, for their stated purpose."""

    person_id: str
    purpose: str
    outcome: str
    records: tuple[RecordEvidence, ...]


def explain(
    session: Session, actor: Actor, person_id: str, *, now: datetime | None = None
) -> Explanation:
    """The linkage evidence for ``person_id`` that ``actor`` may see, audited as ``person.explain``.

    Raises as :func:`joinedup.services.joined_view.joined_view` does: ``NotPermitted`` (403) for
    a role or purpose that never sees a person, ``ServiceError`` (400) without a purpose,
    ``PersonNotFoundError`` (404), ``PersonMoved`` for a retired id, ``PersonGone`` (410) and
    ``AuditUnavailable`` (503). Example::

        why = explain(session, actor, "P7K2M9QX4TB1A")
        [(r.source, r.basis, r.match_probability) for r in why.records]
    """
    require_practitioner(actor)
    purpose = require_person_level_purpose(actor)
    hold_audit_lock(session)
    active = resolve_person(session, person_id)
    sources = sources_by_id(session)
    records = current_records(session, member_keys(session, [active])[active])
    request, decision = decide_for(
        session, actor, active, records, purpose=purpose, now=now or utcnow(), sources=sources
    )
    audit_decision(session, request, decision, action=ACTION, credential=actor.credential)
    shown = {source for source, _ in decision.released}
    unmentioned = masked_sources(decision, sources)
    evidence: tuple[RecordEvidence, ...] = ()
    if shown:
        found = explain_person(session, active)
        evidence = tuple(
            _evidence(
                row,
                shown,
                unmentioned,
                sources[row["source"]].name if row["source"] in sources else "",
            )
            for row in found["records"]
            if row["source"] in shown
        )
    return Explanation(active, purpose, shown_outcome(decision, sources), evidence)


def _evidence(
    row: dict[str, Any], shown: set[str], unmentioned: set[str], source_name: str
) -> RecordEvidence:
    matched = row["matched_record_key"]
    matched_source = matched.split("|", 1)[0] if matched else None
    if matched_source in unmentioned:
        # Even "a record you cannot see", or its scores (an NHS number agreeing), would say the
        # person is known to a service the caller is not told of.
        return RecordEvidence(
            record_key=row["record_key"],
            source=row["source"],
            source_name=source_name or row["source"],
            source_record_id=row["source_record_id"],
            basis="alone",
            matched_record_key=None,
            matched_hidden=False,
            match_probability=None,
            match_weight=None,
        )
    hidden = matched is not None and matched_source not in shown
    return RecordEvidence(
        record_key=row["record_key"],
        source=row["source"],
        source_name=source_name or row["source"],
        source_record_id=row["source_record_id"],
        basis=row["basis"],
        matched_record_key=None if hidden else matched,
        matched_hidden=hidden,
        match_probability=row["match_probability"],
        match_weight=row["match_weight"],
        field_weights=dict(row["field_weights"] or {}),
        start_weight=starting_weight(row["match_weight"], row["field_weights"]),
    )
