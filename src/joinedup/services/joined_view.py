"""The joined view of a person for a stated purpose, filtered by policy and audited first.

``joined_view(session, actor, person_id)``:

1. resolves the id (a retired id raises :class:`PersonMoved` naming where it went);
2. reads the person's current records and builds the policy request from the database —
   holdings per source, the agreements in force, relationships, choices, break-glass;
3. calls the pure ``decide``;
4. builds each section from the released (source, category) items only: identity and contacts
   from sources whose ``identity.core`` is released, service details and the timeline from
   sources whose own category is released, the household through a decision per member;
5. appends the ``person.view`` event and one ``person.household`` event per member, in one
   batch, in the caller's transaction, last — so the audit chain is locked only from the append
   to the commit, not while the view is read. The view is returned only if they were written:
   an append that fails raises :class:`AuditUnavailable` (503), the unit of work rolls back
   and nothing is returned (fail closed).

Every item not released is listed in ``withheld`` with its reason — except those of a source
whose very name is special category data (adult social care, a GP register) when nothing of it
is released: whether a person is known to one must not show, so it is neither listed nor
counted in the outcome shown (:func:`masked_sources`, :func:`shown_outcome`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from joinedup.audit.decision_inputs import policy_inputs_for
from joinedup.audit.log import NewEvent
from joinedup.policy.request import Decision, closest_reason
from joinedup.policy.vocabulary import is_sealed
from joinedup.services.access import (
    IDENTITY,
    RecordLike,
    SourceInfo,
    audit,
    current_of,
    decide_for,
    hold_audit_lock,
    record_agreements,
    record_rows,
    resolve_with_keys,
    sources_by_id,
)
from joinedup.services.actor import Actor, require_person_level_purpose, require_practitioner
from joinedup.services.household import household, neighbours
from joinedup.services.views import (
    Contact,
    Identity,
    JoinedView,
    Service,
    TimelineEntry,
    WithheldItem,
)
from joinedup.store.base import utcnow

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def joined_view(
    session: Session, actor: Actor, person_id: str, *, now: datetime | None = None
) -> JoinedView:
    """The joined view of ``person_id`` for ``actor``'s stated purpose and case reference.

    Raises ``NotPermitted`` (403) for a role or purpose that never sees a person's data,
    ``ServiceError`` (400) without a purpose and case reference, ``PersonNotFoundError`` (404),
    ``PersonMoved`` for a retired id, ``PersonGone`` (410) when nothing is held any more, and
    ``AuditUnavailable`` (503) when the audit event cannot be written. Example::

        with session_scope(audited_engine(engine)) as session:
            view = joined_view(session, actor, "P7K2M9QX4TB1A")
            view.withheld   # what was not released, and why
    """
    require_practitioner(actor)
    purpose = require_person_level_purpose(actor)
    hold_audit_lock(session)
    moment = now or utcnow()
    active, keys = resolve_with_keys(session, person_id)
    sources = sources_by_id(session)
    versions = record_rows(session, keys)
    records = current_of(versions)
    nearby = neighbours(session, {r.uprn for r in records if r.uprn}, active)
    inputs = policy_inputs_for(
        session,
        [active, *nearby],
        actor=actor.user,
        organisation=actor.organisation,
        now=moment,
    )
    request, decision = decide_for(
        session,
        actor,
        active,
        records,
        purpose=purpose,
        now=moment,
        sources=sources,
        inputs=inputs[active],
    )
    identity_sources = {s for s, c in decision.released if c == IDENTITY}
    detail_sources = {
        s for s, c in decision.released if c != IDENTITY or sources[s].categories == (IDENTITY,)
    }
    shown = [r for r in records if r.source_id in identity_sources]
    released_sources = {source for source, _ in decision.released}
    released_keys = {(r.source_id, r.record_id) for r in records if r.source_id in released_sources}
    history = [v for v in versions if (v.source_id, v.record_id) in released_keys]
    members, member_decisions, member_events = household(
        session,
        actor,
        shown,
        nearby=nearby,
        inputs=inputs,
        of=active,
        purpose=purpose,
        now=moment,
        sources=sources,
    )
    view = JoinedView(
        person_id=active,
        purpose=purpose,
        case_reference=actor.case_reference,
        outcome=shown_outcome(decision, sources),
        break_glass_used=decision.break_glass_used,
        released=decision.released_labels,
        identity=_identity(shown) if shown else None,
        services=_services(history, records, sources, decision, detail_sources),
        contacts=_contacts(shown),
        timeline=_timeline(history, records, detail_sources),
        household=members if shown else None,
        withheld=_withheld(decision, sources),
        reasons=tuple(reason.to_dict() for reason in decision.reasons),
        agreements=tuple(decision.agreement_citations()),
    )
    # Last, so the chain is locked only from here to the commit. Same transaction as the reads
    # above: if these rows cannot be written, it all rolls back and the view is never returned.
    record_agreements(session, decision, *member_decisions)
    event = NewEvent.from_decision(
        request, decision, action="person.view", credential=actor.credential
    )
    audit(session, event, *member_events)
    return view


def _identity(records: Sequence[RecordLike]) -> Identity:
    names: dict[tuple[str | None, ...], set[str]] = defaultdict(set)
    addresses: dict[tuple[str | None, ...], set[str]] = defaultdict(set)
    for r in records:
        names[(r.title, r.given_name, r.middle_names, r.family_name, r.preferred_name)].add(
            r.source_id
        )
        place = (r.flat, r.house_number, r.house_name, r.street, r.locality, r.town, r.postcode)
        if any(place):
            addresses[(*place, r.uprn)].add(r.source_id)
    name_keys = ("title", "given_name", "middle_names", "family_name", "preferred_name")
    address_keys = ("flat", "house_number", "house_name", "street", "locality", "town")
    return Identity(
        names=tuple(
            {**dict(zip(name_keys, key, strict=True)), "sources": sorted(found)}
            for key, found in sorted(names.items(), key=lambda kv: sorted(kv[1]))
        ),
        dates_of_birth=tuple(sorted({r.date_of_birth for r in records if r.date_of_birth})),
        nhs_numbers=tuple(sorted({r.nhs_number for r in records if r.nhs_number})),
        addresses=tuple(
            {
                **dict(zip(address_keys, key[:6], strict=True)),
                "postcode": key[6],
                "uprn": key[7],
                "sources": sorted(found),
            }
            for key, found in sorted(addresses.items(), key=lambda kv: sorted(kv[1]))
        ),
    )


def _contacts(records: Sequence[RecordLike]) -> tuple[Contact, ...]:
    seen: dict[tuple[str, str], str] = {}
    for r in records:
        for phone in r.phones or ():
            seen.setdefault(("phone", phone), r.source_id)
        for email in r.emails or ():
            seen.setdefault(("email", email), r.source_id)
    return tuple(Contact(kind, value, source) for (kind, value), source in sorted(seen.items()))


def _services(
    versions: Sequence[RecordLike],
    records: Sequence[RecordLike],
    sources: dict[str, SourceInfo],
    decision: Decision,
    detail_sources: set[str],
) -> tuple[Service, ...]:
    released_sources = {source for source, _ in decision.released}
    by_source: dict[str, list[RecordLike]] = defaultdict(list)
    for r in records:
        if r.source_id in released_sources:
            by_source[r.source_id].append(r)
    out = []
    for source_id, rows in sorted(by_source.items()):
        info = sources[source_id]
        firsts = [v.valid_from for v in versions if v.source_id == source_id and v.valid_from]
        out.append(
            Service(
                source=source_id,
                name=info.name,
                organisation=info.organisation,
                category=info.category,
                since=min(firsts).date().isoformat() if firsts else None,
                records=len(rows),
                details=tuple(dict(r.attributes or {}) for r in rows)
                if source_id in detail_sources
                else None,
                organisation_name=info.organisation_name,
            )
        )
    return tuple(out)


def _timeline(
    versions: Sequence[RecordLike], records: Sequence[RecordLike], detail_sources: set[str]
) -> tuple[TimelineEntry, ...]:
    chosen = [r for r in records if r.source_id in detail_sources]
    entries: list[TimelineEntry] = []
    for version in versions:
        if version.source_id not in detail_sources:
            continue
        kind = "record_added" if version.version == 1 else "record_updated"
        words = "Record added" if version.version == 1 else f"Record updated ({version.version})"
        entries.append(
            TimelineEntry(version.valid_from.isoformat(), version.source_id, kind, words)
        )
    for r in chosen:
        for name, value in sorted((r.attributes or {}).items()):
            if isinstance(value, str) and _ISO_DATE.match(value):
                label = name.replace("_", " ").capitalize()
                entries.append(TimelineEntry(value, r.source_id, "attribute", label))
    entries.sort(key=lambda e: (e.at, e.source, e.kind), reverse=True)
    return tuple(entries)


def masked_sources(decision: Decision, sources: dict[str, SourceInfo]) -> set[str]:
    """The sources whose very name says something sealed and of which nothing is released.

    That a person is known to one (adult social care, a GP register) is itself special
    category data, so nothing the requester sees may depend on whether there is one: such a
    source is not listed as withheld, not even as an unnamed line, and is left out of the
    outcome shown (see :func:`shown_outcome`). The audit trail keeps policy's full decision.
    """
    released = {source for source, _ in decision.released}
    return {
        item.source
        for item in decision.items
        if item.source not in released
        and (info := sources.get(item.source)) is not None
        and info.sensitive
    }


def shown_outcome(decision: Decision, sources: dict[str, SourceInfo]) -> str:
    """Policy's outcome, as the requester may see it: ``permit`` when everything held outside
    the :func:`masked_sources` is released, ``partial`` when some of it is not, ``deny`` when
    nothing is. Policy's own outcome said ``partial`` for a person known to a sealed service
    and ``permit`` for one who was not — telling a housing officer, say, that someone is known
    to social care or a GP without naming either."""
    if not decision.released:
        return "deny"
    masked = masked_sources(decision, sources)
    visible = [item for item in decision.items if item.source not in masked]
    return "permit" if all(item.permitted for item in visible) else "partial"


def _withheld(decision: Decision, sources: dict[str, SourceInfo]) -> tuple[WithheldItem, ...]:
    masked = masked_sources(decision, sources)
    out = []
    for item in decision.items:
        if item.permitted or item.source in masked:
            continue
        reason = closest_reason(item.reasons)
        code = reason.code if reason else "deny"
        text = reason.message if reason else "Not released."
        out.append(WithheldItem(item.source, item.category, is_sealed(item.category), code, text))
    return tuple(out)
