"""The resident's own services: my record, who accessed it and why, and my choices.

A resident signs in as themselves (their account names their master person id) and may see
everything the hub holds about them — UK GDPR Art. 15, the rule ``policy.decide`` also applies
(``permit_subject_access``). Every read is on the audit trail as an access by the resident, in
the caller's unit of work, *before* anything personal is read: if the event cannot be written
the request fails with 503 (fail closed) as every other read does.

This module holds what every resident read shares (who the resident is, auditing their own
read, the organisations' names) and "my record"; the access log is
:mod:`joinedup.services.resident_access_log`, the resident's choices
:mod:`joinedup.services.resident_choices`.

Services take the caller's ``Session`` and an :class:`Actor` and return frozen dataclasses; the
API (``api/resident_routes.py``) and the web pages call the same functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.audit.log import NewEvent
from joinedup.linkage.persons import PersonNotFound, lookup_person
from joinedup.policy.vocabulary import PERMIT_SUBJECT_ACCESS, is_sealed
from joinedup.services.access import (
    SourceInfo,
    audit,
    current_records,
    member_keys,
    sources_by_id,
)
from joinedup.services.actor import (
    Actor,
    NotPermitted,
    PersonGone,
    PersonNotFoundError,
)
from joinedup.services.resident_holds import refuse_if_held
from joinedup.store.base import utcnow
from joinedup.store.tables import Organisation, SourceRecord

SUBJECT_ACCESS_REASON = "the resident's own record (UK GDPR Art. 15 right of access)"

# Plain words for the categories agreements are written in; an unknown one is shown as written.
CATEGORY_WORDS: dict[str, str] = {
    "identity.core": "your name, date of birth, address and contact details",
    "health.gp_registration": "your registration with a GP practice",
    "social_care.adult": "adult social care you receive",
    "social_care.children": "children's social care",
    "finance.council_tax": "your council tax account",
    "finance.housing_benefit": "housing benefit and council tax support",
    "charity.befriending": "befriending support from a charity",
    "education.school_census": "school census records",
}


def category_words(category: str) -> str:
    """What a data category means in plain words (``finance.council_tax`` → council tax …)."""
    return CATEGORY_WORDS.get(category) or category.replace(".", ": ").replace("_", " ")


@dataclass(frozen=True)
class HeldItem:
    """One source system holding records about the resident."""

    source: str
    source_name: str
    organisation: str
    organisation_name: str
    categories: tuple[str, ...]
    described: tuple[str, ...]
    records: int
    since: datetime
    special_category: bool


@dataclass(frozen=True)
class MyRecord:
    """Which organisations hold what about the resident, in plain terms."""

    person_id: str
    held: tuple[HeldItem, ...]
    generated_at: datetime


def require_resident(actor: Actor) -> None:
    """Refuse (403) anyone but a resident whose account names their person id."""
    if actor.role != "resident":
        raise NotPermitted("Only a resident can use this, for their own record.")
    if not actor.person_id:
        raise NotPermitted("Your account is not linked to a record yet; ask the hub's team.")


def own_person_id(session: Session, actor: Actor, *, ended_too: bool = False) -> str:
    """The resident's active person id, following merges; 404 for an id never issued.

    While linkage has split their person since an administrator last checked the account, it is
    403 (:mod:`joinedup.services.resident_holds`): the account may name the other resident.
    When every record about them has ended (the id retired without a successor) it is 410 —
    unless ``ended_too``: reading what the hub *still* holds about them (who looked at their
    record while it was held, their choices) is their right of access all the same, so the
    reads ask for the retired id and get it.
    """
    require_resident(actor)
    assert actor.person_id is not None
    refuse_if_held(session, actor.user)
    try:
        found = lookup_person(session, actor.person_id)
    except PersonNotFound:
        raise PersonNotFoundError("The hub holds no record linked to your account.") from None
    if found.person_id is None:
        if ended_too and found.redirects:
            return found.redirects[-1][0]
        raise PersonGone("The hub no longer holds any record about you.")
    return found.person_id


def audit_own_read(
    session: Session, actor: Actor, person_id: str, *, action: str, labels: tuple[str, ...] = ()
) -> None:
    """Write the audit event for the resident reading their own data (fail closed, 503)."""
    audit(
        session,
        NewEvent(
            actor=actor.user,
            # A resident belongs to no organisation; the trail still needs one to name.
            organisation=actor.organisation or "resident",
            role=actor.role,
            action=action,
            decision="permit",
            person_id=person_id,
            categories=labels,
            request_id=actor.request_id,
            credential=actor.credential,
            reason=f"{PERMIT_SUBJECT_ACCESS}: {SUBJECT_ACCESS_REASON}",
        ),
    )


def held_labels(records: list[SourceRecord], sources: dict[str, SourceInfo]) -> tuple[str, ...]:
    """``source/category`` for every item held (what a read of the whole record releases)."""
    out: list[str] = []
    for source_id in sorted({r.source_id for r in records}):
        info = sources.get(source_id)
        categories = info.categories if info else ("identity.core",)
        out.extend(f"{source_id}/{category}" for category in categories)
    return tuple(out)


def organisation_names(session: Session) -> dict[str, str]:
    """Organisation id → name (a handful of rows)."""
    return {
        org_id: name for org_id, name in session.execute(select(Organisation.id, Organisation.name))
    }


def _keys_and_sources(session: Session, person_id: str) -> tuple[list[str], dict[str, SourceInfo]]:
    return member_keys(session, [person_id])[person_id], sources_by_id(session)


def my_record(session: Session, actor: Actor, *, now: datetime | None = None) -> MyRecord:
    """Which organisations hold what about the signed-in resident: sources, categories, since.

    ``since`` is when the earliest version of any of the source's records about the resident
    was stored. Audited as ``resident.record``. Raises ``NotPermitted`` (403) for anyone but a
    resident, ``PersonNotFoundError`` (404), ``AuditUnavailable`` (503). When every record about
    the resident has ended, nothing is held (and not 410: see :func:`own_person_id`).
    """
    person_id = own_person_id(session, actor, ended_too=True)
    keys, sources = _keys_and_sources(session, person_id)
    records = current_records(session, keys)
    audit_own_read(
        session, actor, person_id, action="resident.record", labels=held_labels(records, sources)
    )
    first_seen = _first_stored(session, records)
    names = organisation_names(session)
    held = []
    for source_id in sorted({r.source_id for r in records}):
        info = sources.get(source_id) or SourceInfo(source_id, source_id, "", None)
        mine = [r for r in records if r.source_id == source_id]
        held.append(
            HeldItem(
                source=source_id,
                source_name=info.name,
                organisation=info.organisation,
                organisation_name=names.get(info.organisation, info.organisation),
                categories=info.categories,
                described=tuple(category_words(c) for c in info.categories),
                records=len(mine),
                since=min(first_seen.get((r.source_id, r.record_id), r.valid_from) for r in mine),
                special_category=any(is_sealed(c) for c in info.categories),
            )
        )
    return MyRecord(person_id=person_id, held=tuple(held), generated_at=now or utcnow())


def _first_stored(session: Session, records: list[SourceRecord]) -> dict[tuple[str, str], datetime]:
    out: dict[tuple[str, str], datetime] = {}
    for source_id in sorted({r.source_id for r in records}):
        ids = [r.record_id for r in records if r.source_id == source_id]
        for start in range(0, len(ids), 400):
            rows = session.execute(
                select(SourceRecord.record_id, SourceRecord.valid_from).where(
                    SourceRecord.source_id == source_id,
                    SourceRecord.record_id.in_(ids[start : start + 400]),
                )
            )
            for record_id, valid_from in rows:
                key = (source_id, record_id)
                if key not in out or valid_from < out[key]:
                    out[key] = valid_from
    return out
