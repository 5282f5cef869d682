"""The resident's access log: who else accessed their record, when and why.

The access log shows which organisation looked, in what role, when, for what purpose, whether
it was break-glass — never the individual member of staff, and never the reason text of
ordinary accesses (a household look-up's reason names another person's id). A break-glass
reason is shown only once an IG officer has released it or redacted it with a summary (it may
name other people: :mod:`joinedup.services.break_glass_reasons`); until then it is "under
review". The resident's own reads of their record are left out of it: it answers "who else
looked".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from joinedup.audit import queries
from joinedup.policy.engine import choice_in_effect
from joinedup.policy.request import ResidentChoice
from joinedup.policy.vocabulary import PURPOSES
from joinedup.services.actor import (
    Actor,
    ServiceError,
)
from joinedup.services.break_glass_reasons import UNDER_REVIEW, ReasonShown, reasons_shown
from joinedup.services.resident import audit_own_read, organisation_names, own_person_id
from joinedup.services.resident_choices import policy_choices
from joinedup.services.whose_events import ACROSS_A_SPLIT, Seen, events_of
from joinedup.store.governance_tables import AuditEvent

# One visit can write several events (a person page reads the record, person.view, and the
# evidence for its matches, person.explain, in one request): the resident sees one line for it.
# Events are one visit when they share a request id, the member of staff, their organisation and
# role, and fall within this window — request ids can come from the client, so a reused id
# alone must not fold separate visits together.
VISIT_WINDOW = timedelta(minutes=1)
ACCESS_LOG_MAX = 200
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
    "audit.export": "downloaded the list of who has looked at your record",
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
