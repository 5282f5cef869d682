"""The subject access pack: everything the hub holds about a resident, as one document.

UK GDPR Art. 15 entitles a resident to a copy of their data and to know its purposes, its
recipients and where it came from. The pack gathers, in one read audited once
(``resident.subject_access``): each source's records about them with their data (current and
earlier versions), the purposes and recipients the agreements in force allow for each source,
the sources themselves, the whole access log, and their choices with history. The API serves it
as a JSON download; an IG officer answering a request by post can produce the same document.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from joinedup.audit import queries
from joinedup.linkage.persons import ended_member_keys, merged_ids
from joinedup.policy.engine import agreements_in_force
from joinedup.policy.model import Clause
from joinedup.policy.vocabulary import PURPOSES, is_sealed
from joinedup.services.access import (
    current_records,
    member_keys,
    record_versions,
    sources_by_id,
)
from joinedup.services.actor import Actor
from joinedup.services.agreements_store import current_agreements
from joinedup.services.resident import (
    SUBJECT_ACCESS_REASON,
    audit_own_read,
    category_words,
    held_labels,
    organisation_names,
    own_person_id,
)
from joinedup.services.resident_access_log import (
    AccessEntry,
    access_entry,
    noting_objection,
    shown_reasons,
)
from joinedup.services.resident_choices import MyChoices, choices_for, policy_choices
from joinedup.services.whose_events import events_of
from joinedup.store.base import utcnow
from joinedup.store.tables import PERSON_FIELDS, SourceRecord

# The standardised fields of a record, in the order the common person schema lists them.
FIELDS = PERSON_FIELDS


@dataclass(frozen=True)
class RecordCopy:
    """One version of one record about the resident, with its data."""

    record_id: str
    version: int
    current: bool
    valid_from: datetime
    valid_to: datetime | None
    data: dict[str, Any]
    attributes: dict[str, Any]


@dataclass(frozen=True)
class SharingTerm:
    """One clause under which a source's data may be shared: with whom, why, on what basis."""

    agreement: str
    agreement_title: str
    clause: str
    categories: tuple[str, ...]
    purposes: tuple[str, ...]
    recipients: tuple[str, ...]
    roles: tuple[str, ...]
    lawful_basis: str
    special_category_condition: str | None
    consent_required: bool
    objection: str


@dataclass(frozen=True)
class SourceSection:
    """A source system's part of the pack: who holds it, the data, and how it may be shared."""

    source: str
    source_name: str
    organisation: str
    organisation_name: str
    categories: tuple[str, ...]
    described: tuple[str, ...]
    records: tuple[RecordCopy, ...]
    shared_under: tuple[SharingTerm, ...]


@dataclass(frozen=True)
class SubjectAccessPack:
    """Everything about one resident: records per source, purposes, recipients, access, choices."""

    person_id: str
    generated_at: datetime
    legal_basis: str
    sources: tuple[SourceSection, ...]
    purposes: tuple[str, ...]
    recipients: tuple[str, ...]
    access_log: tuple[AccessEntry, ...]
    choices: MyChoices
    # Organisation id → name, for every organisation the pack names (holders, recipients, who
    # looked): "recipients" alone is ids, which a resident cannot be expected to decode.
    organisations: Mapping[str, str] = field(default_factory=dict)
    # Purpose id → what it means, for every purpose the pack names.
    purpose_descriptions: Mapping[str, str] = field(default_factory=dict)


def subject_access_pack(
    session: Session, actor: Actor, *, now: datetime | None = None
) -> SubjectAccessPack:
    """Build the signed-in resident's subject access pack, audited once before any read.

    Raises ``NotPermitted`` (403) for anyone but a resident, ``PersonNotFoundError`` (404) and
    ``AuditUnavailable`` (503), like the other resident services. When every record about the
    resident has ended, the pack still holds what the hub keeps: who looked, and their choices.
    """
    person_id = own_person_id(session, actor, ended_too=True)
    keys = member_keys(session, [person_id])[person_id]
    # Records whose source no longer holds them are still stored here, so still theirs to see.
    ids = merged_ids(session, person_id)
    ended = ended_member_keys(session, ids)
    sources = sources_by_id(session)
    current = current_records(session, keys)
    audit_own_read(
        session,
        actor,
        person_id,
        action="resident.subject_access",
        labels=held_labels(current, sources),
    )
    names = organisation_names(session)
    versions = _all_versions(session, [*keys, *ended])
    terms = _terms_by_source()
    sections = []
    for source_id in sorted({r.source_id for r in versions}):
        info = sources.get(source_id)
        categories = info.categories if info else ("identity.core",)
        organisation = info.organisation if info else ""
        sections.append(
            SourceSection(
                source=source_id,
                source_name=info.name if info else source_id,
                organisation=organisation,
                organisation_name=names.get(organisation, organisation),
                categories=categories,
                described=tuple(category_words(c) for c in categories),
                records=tuple(_copy(r) for r in versions if r.source_id == source_id),
                shared_under=tuple(
                    term
                    for clause, term in terms.get(source_id, ())
                    if any(clause.covers_category(c, sealed=is_sealed(c)) for c in categories)
                ),
            )
        )
    shared = [t for s in sections for t in s.shared_under]
    purposes = tuple(sorted({p for t in shared for p in t.purposes}))
    recipients = tuple(sorted({r for t in shared for r in t.recipients}))
    access_log = _whole_access_log(session, person_id, names)
    named = {
        *recipients,
        *(s.organisation for s in sections),
        *(e.organisation for e in access_log),
    }
    named.discard("")
    meant = {*purposes, *(e.purpose for e in access_log if e.purpose)}
    return SubjectAccessPack(
        person_id=person_id,
        generated_at=now or utcnow(),
        legal_basis=SUBJECT_ACCESS_REASON,
        sources=tuple(sections),
        purposes=purposes,
        recipients=recipients,
        access_log=access_log,
        choices=choices_for(session, actor, person_id),
        organisations={org: names.get(org, org) for org in sorted(named)},
        purpose_descriptions={
            p: PURPOSES[p].description if p in PURPOSES else p for p in sorted(meant)
        },
    )


def _all_versions(session: Session, keys: list[str]) -> list[SourceRecord]:
    rows = record_versions(session, keys)
    rows.sort(key=lambda r: (r.source_id, r.record_id, -r.version))
    return rows


def _copy(record: SourceRecord) -> RecordCopy:
    data: dict[str, Any] = {}
    for name in FIELDS:
        value = getattr(record, name)
        if value not in (None, "", [], ()):
            data[name] = list(value) if isinstance(value, list | tuple) else value
    return RecordCopy(
        record_id=record.record_id,
        version=record.version,
        current=record.valid_to is None,
        valid_from=record.valid_from,
        valid_to=record.valid_to,
        data=data,
        attributes=dict(record.attributes or {}),
    )


def _terms_by_source() -> dict[str, list[tuple[Clause, SharingTerm]]]:
    out: dict[str, list[tuple[Clause, SharingTerm]]] = {}
    # As policy decides today: a superseded version's clauses no longer share anything.
    for agreement in agreements_in_force(current_agreements(), utcnow()):
        for clause in agreement.clauses:
            out.setdefault(clause.source, []).append(
                (
                    clause,
                    SharingTerm(
                        agreement=agreement.ref,
                        agreement_title=agreement.title,
                        clause=clause.id,
                        categories=clause.categories,
                        purposes=clause.purposes,
                        recipients=clause.recipients,
                        roles=clause.roles,
                        lawful_basis=clause.article_6,
                        special_category_condition=clause.article_9,
                        consent_required=clause.consent_required,
                        objection=clause.objection,
                    ),
                )
            )
    return out


def _whole_access_log(
    session: Session, person_id: str, names: dict[str, str]
) -> tuple[AccessEntry, ...]:
    """Every access by someone else to the person's records, as their access log shows it:
    under their id or one merged into it, and under the id their records were split from, as
    far as it was theirs (:mod:`joinedup.services.whose_events`)."""
    entries: list[AccessEntry] = []
    cursor: int | None = None
    choices = policy_choices(session, person_id)
    theirs = events_of(session, person_id)
    while True:
        batch = queries.search(
            session, before_seq=cursor, limit=queries.MAX_LIMIT, within=theirs.condition
        )
        seen = {e.seq: shown for e in batch if e.role != "resident" if (shown := theirs.seen(e))}
        others = [e for e in batch if e.seq in seen]
        # A break-glass reason as an IG officer released or redacted it, never as typed.
        reasons = shown_reasons(session, others, seen)
        categories = {seq: shown.categories for seq, shown in seen.items()}
        entries.extend(
            noting_objection(access_entry(e, names, reasons, categories), choices) for e in others
        )
        if len(batch) < queries.MAX_LIMIT:
            return tuple(entries)
        cursor = batch[-1].seq
