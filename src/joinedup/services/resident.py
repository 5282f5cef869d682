"""The resident's own services: my record, who accessed it and why, and my choices.

A resident signs in as themselves (their account names their master person id) and may see
everything the hub holds about them — UK GDPR Art. 15, the rule ``policy.decide`` also applies
(``permit_subject_access``). Every read is on the audit trail as an access by the resident, in
the caller's unit of work, *before* anything personal is read: if the event cannot be written
the request fails with 503 (fail closed) as every other read does.

The access log shows which organisation looked, in what role, when, for what purpose, whether
it was break-glass — never the individual member of staff, and never the reason text of
ordinary accesses (a household look-up's reason names another person's id). A break-glass
reason is shown only once an IG officer has released it or redacted it with a summary (it may
name other people: :mod:`joinedup.services.break_glass_reasons`); until then it is "under
review". The resident's own reads of their record are left out of it: it answers "who else
looked".

Services take the caller's ``Session`` and an :class:`Actor` and return frozen dataclasses; the
API (``api/resident_routes.py``) and the web pages call the same functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.audit import queries
from joinedup.audit.decision_inputs import ChoiceOnRecord, choices_of
from joinedup.audit.governance import CHOICE_KINDS, record_choice
from joinedup.audit.log import NewEvent
from joinedup.linkage.persons import PersonNotFound, lookup_person
from joinedup.policy.engine import agreements_in_force, choice_in_effect
from joinedup.policy.request import ChoiceKind, ResidentChoice
from joinedup.policy.vocabulary import PERMIT_SUBJECT_ACCESS, PURPOSES, is_sealed
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
    ServiceError,
)
from joinedup.services.agreements_store import current_agreements
from joinedup.services.break_glass_reasons import UNDER_REVIEW, ReasonShown, reasons_shown
from joinedup.services.resident_holds import refuse_if_held
from joinedup.services.text import has_control_characters
from joinedup.services.whose_events import ACROSS_A_SPLIT, Seen, events_of
from joinedup.store.base import utcnow
from joinedup.store.governance_tables import AuditEvent
from joinedup.store.tables import Organisation, SourceRecord

SUBJECT_ACCESS_REASON = "the resident's own record (UK GDPR Art. 15 right of access)"
# One visit can write several events (a person page reads the record, person.view, and the
# evidence for its matches, person.explain, in one request): the resident sees one line for it.
# Events are one visit when they share a request id, the member of staff, their organisation and
# role, and fall within this window — request ids can come from the client, so a reused id
# alone must not fold separate visits together.
VISIT_WINDOW = timedelta(minutes=1)
NOTE_MAX = 500
ACCESS_LOG_MAX = 200

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
# What each audited action means, said to the resident.
ACTION_WORDS: dict[str, str] = {
    "person.view": "looked at your joined-up record",
    "person.search": "found you in a search",
    "person.household": "looked at who lives at your address",
    "person.explain": "checked why records from different services were matched as yours",
    "break_glass.start": "used emergency access (break-glass) to your record",
    "break_glass.refused": "asked for emergency access (break-glass) to your record; refused",
    "relationship.declare": "declared that they work with you",
    "choice.record": "recorded one of your choices",
    "review.view": "compared two of your records to check they belong together",
    "review.decide": "decided whether two records are both yours",
    "break_glass.reason_read": "checked the reason given for opening your record in an emergency",
    "break_glass.reason_release": "decided you can see that reason as it was written",
    "break_glass.reason_redact": "wrote a summary of that reason for you",
    # An information governance officer checking on accesses to the resident's record.
    "audit.search": "searched the list of who has looked at your record",
    "alert.acknowledge": "looked into an alert about someone accessing your record",
    "alert.close": "closed an alert about someone accessing your record, after checking it",
    # An administrator's changes to the resident's own account, and to tokens that act as them.
    "account.create": "made an account for you to use this service",
    "account.disable": "switched off your account",
    "account.enable": "switched your account back on",
    "account.person_confirmed": "checked which records are yours and set your account to them",
    "account.password_reset": "set a new password for your account, which you then had to change",
    "account.password_change": "changed the password of your account",
    "token.issue": "gave a computer system a key (an API token) that acts as you",
    "token.revoke": "withdrew a key (an API token) that acted as you",
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


@dataclass(frozen=True)
class AccessEntry:
    """One access to the resident's data by someone else, as the resident sees it."""

    seq: int
    at: datetime
    organisation: str
    organisation_name: str
    role: str
    purpose: str | None
    purpose_description: str | None
    action: str
    what: str
    decision: str
    categories: tuple[str, ...]
    break_glass: bool
    # The reason for emergency access as an IG officer released it (as typed, or a redacted
    # summary); ``None`` while it is under review, and for every other access.
    break_glass_reason: str | None
    # Every action of the visit, first to last (``action`` is the first).
    actions: tuple[str, ...] = ()
    # under_review | released | redacted for a break-glass access, else ``None``.
    break_glass_reason_status: str | None = None
    # Data of a service the resident had objected to sharing for this purpose was released all
    # the same (an agreement overrides objections there, e.g. to keep someone safe).
    despite_objection: bool = False


@dataclass(frozen=True)
class AccessHistory:
    """A page of the resident's access log, newest first."""

    person_id: str
    entries: tuple[AccessEntry, ...]
    next_before_seq: int | None


@dataclass(frozen=True)
class ChoiceEntry:
    """An objection or consent, given or withdrawn, at a time."""

    kind: str
    purpose: str
    purpose_description: str
    source: str | None
    given: bool
    at: datetime
    by_resident: bool
    note: str | None
    # Made under an id that held some of the resident's records while linkage had joined them
    # with another person's; kept to be safe, the resident may take it back.
    inherited: bool = False


@dataclass(frozen=True)
class ConsentAsked:
    """A place where an agreement shares the resident's data only with their consent."""

    purpose: str
    source: str
    agreement: str
    clause: str
    recipients: tuple[str, ...]


@dataclass(frozen=True)
class ObjectionOverridden:
    """A place where an agreement shares the resident's data for a purpose even if they object,
    on stated grounds (a clause with ``objection: override``, such as safeguarding)."""

    purpose: str
    source: str
    agreement: str
    clause: str
    grounds: str


@dataclass(frozen=True)
class MyChoices:
    """The resident's choices in force, their history, where consent is asked for, and where
    an objection would not stop the sharing."""

    person_id: str
    current: tuple[ChoiceEntry, ...]
    history: tuple[ChoiceEntry, ...]
    consent_asked: tuple[ConsentAsked, ...]
    objection_overridden: tuple[ObjectionOverridden, ...] = ()

    def in_effect(self, kind: str, purpose: str, source: str | None = None) -> bool:
        """Whether policy now treats ``kind`` for ``purpose`` as given for ``source`` (for a
        choice about every source when ``None``): the rule ``decide`` applies, so that a page
        never says "you said yes" where sharing is refused, or the reverse."""
        return choice_in_effect(
            (
                ResidentChoice(cast(ChoiceKind, c.kind), c.purpose, c.given, c.at, c.source)
                for c in self.history
            ),
            kind,
            purpose,
            source or "",
            utcnow(),
        )


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


def access_history(
    session: Session,
    actor: Actor,
    *,
    before_seq: int | None = None,
    limit: int = 50,
    audit_read: bool = True,
) -> AccessHistory:
    """Who else accessed the resident's data — organisation, role, when, why — newest first.

    Refused attempts are included (decision ``deny``); break-glass accesses are flagged with the
    stated reason. The events one visit wrote are one entry (see :data:`VISIT_WINDOW`), and
    ``limit`` counts entries. Page back with ``before_seq`` = the previous page's
    ``next_before_seq``.
    Audited as ``resident.access_log`` unless ``audit_read`` is false (the subject access pack
    audits itself once).
    """
    if not 1 <= limit <= ACCESS_LOG_MAX:
        raise ServiceError(f"limit must be between 1 and {ACCESS_LOG_MAX}")
    if before_seq is not None and before_seq < 1:
        raise ServiceError("before_seq must be a positive event number")
    person_id = own_person_id(session, actor, ended_too=True)
    if audit_read:
        audit_own_read(session, actor, person_id, action="resident.access_log")
    names = organisation_names(session)
    # Accesses recorded under an id since merged into the resident's are theirs too, and those
    # about their records under the id they were split from — only as far as they were theirs.
    theirs = events_of(session, person_id)
    seen: dict[int, Seen] = {}
    visits: list[list[AuditEvent]] = []
    open_visits: dict[tuple[str, str, str, str], int] = {}
    cursor = before_seq
    exhausted = full_stop = False
    # The resident's own reads are skipped, so a page may need more than one fetch to fill.
    # Once the page is full, only events of a visit already on it are taken: the first other
    # event starts the next page, so a visit is never split across two.
    while not exhausted and not full_stop:
        batch = queries.search(
            session, before_seq=cursor, limit=queries.MAX_LIMIT, within=theirs.condition
        )
        exhausted = len(batch) < queries.MAX_LIMIT
        for event in batch:
            if event.role != "resident":
                shown = theirs.seen(event)
                if shown is None:  # about records that are someone else's now
                    cursor = event.seq
                    continue
                seen[event.seq] = shown
            key = _visit_key(event)
            index = open_visits.get(key) if key else None
            if index is not None and abs(visits[index][0].at - event.at) <= VISIT_WINDOW:
                visits[index].append(event)
            elif len(visits) == limit:
                full_stop = True
                break
            elif event.role != "resident":
                if key:
                    open_visits[key] = len(visits)
                visits.append([event])
            cursor = event.seq
    reasons = shown_reasons(session, (e for events in visits for e in events), seen)
    choices = policy_choices(session, person_id)
    categories = {seq: s.categories for seq, s in seen.items()}
    return AccessHistory(
        person_id=person_id,
        entries=tuple(
            noting_objection(visit_entry(events, names, reasons, categories), choices)
            for events in visits
        ),
        next_before_seq=cursor if full_stop else None,
    )


def shown_reasons(
    session: Session, events: Iterable[AuditEvent], seen: Mapping[int, Seen]
) -> dict[int, ReasonShown]:
    """What the resident may see of each break-glass event's reason: as an IG officer reviewed
    it (:func:`~joinedup.services.break_glass_reasons.reasons_shown`), but nothing of one
    written across a split — about the record linkage had joined with another resident's."""
    reasons = reasons_shown(session, events)
    for seq in reasons:
        if seq in seen and seen[seq].across_split:
            reasons[seq] = ReasonShown(ACROSS_A_SPLIT, None)
    return reasons


def policy_choices(session: Session, person_id: str) -> tuple[ResidentChoice, ...]:
    """The choices of ``person_id`` as policy reads them (``audit.decision_inputs.choices_of``)."""
    return tuple(
        ResidentChoice(
            cast(ChoiceKind, c.row.kind), c.row.purpose, c.row.given, c.row.at, c.row.source
        )
        for c in choices_of(session, person_id)
    )


def noting_objection(entry: AccessEntry, choices: Sequence[ResidentChoice]) -> AccessEntry:
    """``entry`` marked ``despite_objection`` when it released a service's data for a purpose
    the resident had objected to for that service at the time — which policy allows only where
    an agreement overrides objections on stated grounds. A resident who said no and sees only
    "looked at your joined-up record" would think their choice was ignored, or broken."""
    if not entry.purpose or entry.decision not in ("permit", "partial"):
        return entry
    # Released items are "source/category"; a search's "identity.search" names no service.
    sources = {label.split("/", 1)[0] for label in entry.categories if "/" in label}
    if any(
        choice_in_effect(choices, "objection", entry.purpose, source, entry.at)
        for source in sources
    ):
        return replace(entry, despite_objection=True)
    return entry


def _visit_key(event: AuditEvent) -> tuple[str, str, str, str] | None:
    if not event.request_id or event.role == "resident":
        return None
    return (event.request_id, event.actor, event.organisation, event.role)


def visit_entry(
    events: Sequence[AuditEvent],
    names: dict[str, str],
    reasons: Mapping[int, ReasonShown] | None = None,
    categories: Mapping[int, tuple[str, ...]] | None = None,
) -> AccessEntry:
    """The events of one visit as one line of the access log, in the order they happened.

    ``what`` joins each action's words (``looked at your joined-up record and checked why …``);
    categories are every one released; the decision is ``partial`` when the events' differ.
    ``reasons`` is what the resident may see of each break-glass event's reason
    (:func:`~joinedup.services.break_glass_reasons.reasons_shown`); without it, none is shown.
    ``categories`` is what of each event's released items is the resident's
    (:mod:`joinedup.services.whose_events`); without it, all of them.
    """
    parts = [
        access_entry(e, names, reasons, categories) for e in sorted(events, key=lambda e: e.seq)
    ]
    first = parts[0]
    if len(parts) == 1:
        return first
    glass = [p for p in parts if p.break_glass]
    purpose = next((p for p in parts if p.purpose), first)
    return replace(
        first,
        seq=parts[-1].seq,
        what=join_words(list(dict.fromkeys(p.what for p in parts))),
        decision=_visit_decision({p.decision for p in parts}),
        categories=tuple(dict.fromkeys(c for p in parts for c in p.categories)),
        purpose=purpose.purpose,
        purpose_description=purpose.purpose_description,
        break_glass=bool(glass),
        break_glass_reason=next(
            (p.break_glass_reason for p in glass if p.break_glass_reason), None
        ),
        break_glass_reason_status=next(
            (p.break_glass_reason_status for p in glass if p.break_glass_reason), UNDER_REVIEW
        )
        if glass
        else None,
        actions=tuple(p.action for p in parts),
    )


def _visit_decision(decisions: set[str]) -> str:
    # "none" is an event that needed no decision (declaring a relationship): it neither
    # allows nor refuses anything, so the others decide.
    decided = decisions - {"none"}
    if not decided:
        return "none"
    if len(decided) == 1:
        return decided.pop()
    return "partial"


def join_words(words: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def access_entry(
    event: AuditEvent,
    names: dict[str, str],
    reasons: Mapping[int, ReasonShown] | None = None,
    categories: Mapping[int, tuple[str, ...]] | None = None,
) -> AccessEntry:
    """An audit event as the resident's access log shows it.

    Of the reasons stated, only a break-glass one is ever shown, and only as ``reasons`` has it
    — released or redacted by an IG officer: as typed it may name other people. Other reasons
    are never shown (a household look-up's names another person's id).
    """
    rule = PURPOSES.get(event.purpose or "")
    shown = (
        (reasons or {}).get(event.seq, ReasonShown(UNDER_REVIEW, None))
        if event.break_glass
        else None
    )
    return AccessEntry(
        seq=event.seq,
        at=event.at,
        organisation=event.organisation,
        organisation_name=names.get(event.organisation, event.organisation),
        role=event.role,
        purpose=event.purpose,
        purpose_description=rule.description if rule else None,
        action=event.action,
        what=ACTION_WORDS.get(event.action, event.action.replace(".", " ").replace("_", " ")),
        decision=event.decision,
        categories=(categories or {}).get(event.seq, tuple(event.categories or ())),
        break_glass=event.break_glass,
        break_glass_reason=shown.text if shown else None,
        actions=(event.action,),
        break_glass_reason_status=shown.status if shown else None,
    )


def _choice(choice: ChoiceOnRecord, actor: Actor) -> ChoiceEntry:
    row = choice.row
    return ChoiceEntry(
        kind=row.kind,
        purpose=row.purpose,
        purpose_description=PURPOSES[row.purpose].description
        if row.purpose in PURPOSES
        else row.purpose,
        source=row.source,
        given=row.given,
        at=row.at,
        by_resident=row.recorded_by == actor.user and not choice.inherited,
        note=row.note,
        inherited=choice.inherited,
    )


def consent_asked(held_sources: set[str]) -> tuple[ConsentAsked, ...]:
    """Where an agreement in force shares one of ``held_sources`` only with consent."""
    out: list[ConsentAsked] = []
    for agreement in agreements_in_force(current_agreements(), utcnow()):
        for clause in agreement.clauses:
            if clause.consent_required and clause.source in held_sources:
                out.extend(
                    ConsentAsked(
                        purpose, clause.source, agreement.ref, clause.id, clause.recipients
                    )
                    for purpose in clause.purposes
                )
    return tuple(sorted(set(out), key=lambda c: (c.purpose, c.source, c.agreement, c.clause)))


def objection_overridden(held_sources: set[str]) -> tuple[ObjectionOverridden, ...]:
    """Where an agreement in force shares one of ``held_sources`` for a purpose whatever the
    resident says: they must be told before they object, not find out afterwards."""
    out: list[ObjectionOverridden] = []
    for agreement in agreements_in_force(current_agreements(), utcnow()):
        for clause in agreement.clauses:
            if clause.objection == "override" and clause.source in held_sources:
                out.extend(
                    ObjectionOverridden(
                        purpose,
                        clause.source,
                        agreement.ref,
                        clause.id,
                        clause.override_grounds or "",
                    )
                    for purpose in clause.purposes
                )
    return tuple(sorted(set(out), key=lambda o: (o.purpose, o.source, o.agreement, o.clause)))


def my_choices(session: Session, actor: Actor, *, audit_read: bool = True) -> MyChoices:
    """The resident's objections and consents in force, their full history, and where consent
    is asked for. Audited as ``resident.choices`` (unless ``audit_read`` is false)."""
    person_id = own_person_id(session, actor, ended_too=True)
    if audit_read:
        audit_own_read(session, actor, person_id, action="resident.choices")
    return choices_for(session, actor, person_id)


def choices_for(session: Session, actor: Actor, person_id: str) -> MyChoices:
    """The choices of ``person_id`` as ``actor`` sees them (no audit: the caller audits).

    Choices made under an id since merged into ``person_id``, and objections inherited with
    records that another id held (a split: ``inherited``), are included: policy obeys them
    (:func:`joinedup.audit.decision_inputs.choices_of`), so the resident sees them.
    """
    entries = [_choice(choice, actor) for choice in choices_of(session, person_id)]
    keys = member_keys(session, [person_id])[person_id]
    held = {key.split("|", 1)[0] for key in keys}
    return MyChoices(
        person_id=person_id,
        current=in_force(entries),
        history=tuple(entries),
        consent_asked=consent_asked(held),
        objection_overridden=objection_overridden(held),
    )


def in_force(history: Sequence[ChoiceEntry]) -> tuple[ChoiceEntry, ...]:
    """The choices of ``history`` (oldest first) that policy still applies, sorted.

    The latest per (kind, purpose, source), except a choice about one source made before a
    later one about every source for the same kind and purpose: policy takes the latest choice
    whatever its scope (:func:`joinedup.policy.engine.choice_in_effect`), so a consent to one
    service withdrawn "for every service" is withdrawn, and must not be listed as given.
    """
    latest: dict[tuple[str, str, str | None], ChoiceEntry] = {}
    for entry in history:
        latest[(entry.kind, entry.purpose, entry.source)] = entry
    current = [
        entry
        for entry in latest.values()
        if entry.source is None
        or (general := latest.get((entry.kind, entry.purpose, None))) is None
        or entry.at >= general.at
    ]
    return tuple(sorted(current, key=lambda c: (c.kind, c.purpose, c.source or "")))


def record_my_choice(
    session: Session,
    actor: Actor,
    *,
    kind: str,
    purpose: str,
    given: bool,
    source: str | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> MyChoices:
    """Record the resident's objection or consent (given or withdrawn); effective at once.

    The history keeps every change (a change of mind is a new row). A consent is accepted only
    where an agreement in force asks for it for that purpose (and source, when one is named);
    an objection may be made to any purpose, for all sources or one that holds the resident's
    data. Audited as ``choice.record`` in the same unit of work; the next decision reads it.
    """
    person_id = own_person_id(session, actor)
    if kind not in CHOICE_KINDS:
        raise ServiceError(f"A choice is an objection or a consent, not {kind!r}.")
    if purpose not in PURPOSES:
        raise ServiceError(
            f"{purpose!r} is not a purpose; choose one of {', '.join(sorted(PURPOSES))}."
        )
    note = (note or "").strip() or None
    if note is not None and len(note) > NOTE_MAX:
        raise ServiceError(f"A note may be at most {NOTE_MAX} characters.")
    if note is not None and has_control_characters(note):
        raise ServiceError("The note holds control characters: write it in ordinary text.")
    keys = member_keys(session, [person_id])[person_id]
    held = {key.split("|", 1)[0] for key in keys}
    # Taking a choice back is always possible (UK GDPR Art. 7(3): as easy as giving it), for a
    # service that no longer holds the resident's records or under an agreement no longer
    # asking: were either to come back, the consent or objection would be in force again.
    made_before = {c.row.source for c in choices_of(session, person_id) if c.row.source}
    if source is not None and source not in held and (given or source not in made_before):
        raise ServiceError(f"No service called {source!r} holds records about you.")
    if kind == "consent" and given:
        asked = [
            c for c in consent_asked(held) if c.purpose == purpose and source in (None, c.source)
        ]
        if not asked:
            raise ServiceError(
                f"No agreement asks for your consent to share for {purpose}"
                + (f" from {source}" if source else "")
                + ": there is nothing to consent to. You can object instead."
            )
    moment = now or utcnow()
    record_choice(
        session,
        person_id=person_id,
        kind=kind,
        purpose=purpose,
        given=given,
        recorded_by=actor.user,
        source=source,
        note=note,
        at=moment,
    )
    verb = (
        ("given" if given else "withdrawn")
        if kind == "consent"
        else ("made" if given else "withdrawn")
    )
    audit(
        session,
        NewEvent(
            actor=actor.user,
            organisation=actor.organisation or "resident",
            role=actor.role,
            action="choice.record",
            decision="none",
            purpose=purpose,
            person_id=person_id,
            request_id=actor.request_id,
            credential=actor.credential,
            reason=f"{kind} {verb} by the resident" + (f" for source {source}" if source else ""),
            at=moment,
        ),
    )
    return choices_for(session, actor, person_id)
