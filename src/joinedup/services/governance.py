"""The information governance officer's services: audit search, alerts, chain status.

An IG officer (or DPO) investigates who accessed what and why, works the alert queue that
break-glass sessions and declared relationships raise, reads the data sharing agreements in
force in a readable form, and checks that the audit trail is intact. Searching the trail reads
personal data (who looked at whom) and handling an alert changes the record, so both are
themselves on the trail (``audit.search``, ``alert.acknowledge``/``alert.close``).

The repositories are :mod:`joinedup.audit.queries` and :mod:`joinedup.audit.governance`; this
module adds the role check, validation with clear messages, and the audit events. The
agreements in readable form are in :mod:`joinedup.services.agreement_views`, an alert as an
officer sees it in :mod:`joinedup.services.alert_entries` and what of a decision's withholding
they are shown in :mod:`joinedup.services.audit_withheld` (the first two re-exported here).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from joinedup.audit import queries
from joinedup.audit import verify as verify_chain
from joinedup.audit.governance import ALERT_KINDS, ALERT_STATUSES, alert_handling, handle_alert
from joinedup.audit.log import DECISIONS, NewEvent
from joinedup.audit.signing import development_key_id
from joinedup.linkage.ids import normalise_person_id
from joinedup.linkage.lineage import lineage
from joinedup.linkage.persons import PersonNotFound, lookup_person
from joinedup.policy.vocabulary import PURPOSES, ROLES
from joinedup.services.access import audit
from joinedup.services.actor import Actor, ServiceError
from joinedup.services.agreement_views import (
    AgreementDetail,
    AgreementSummary,
    ClauseTerms,
    agreement_detail,
    list_agreements,
)
from joinedup.services.alert_entries import AlertEntry, OtherHandling, alert_entries
from joinedup.services.audit_context import (
    BreakGlassReview,
    ChoiceThen,
    break_glass_reviews,
    choices_then,
    clauses_relied_on,
)
from joinedup.services.audit_withheld import shown_withheld, sources_of
from joinedup.services.ig_officer import IG_ROLES, NotFound, require_ig_officer
from joinedup.services.ig_remit import alert_in_remit, alerts_in, audit_events_in, remit_of
from joinedup.services.text import has_control_characters, refuse_control_characters
from joinedup.store.base import utcnow
from joinedup.store.governance_tables import Alert, AlertHandling, AuditEvent

__all__ = [
    "IG_ROLES",
    "AgreementDetail",
    "AgreementSummary",
    "AlertEntry",
    "ClauseTerms",
    "NotFound",
    "OtherHandling",
    "agreement_detail",
    "list_agreements",
    "require_ig_officer",
]

PAGE_MAX = 200
# Counting every match reads every match: past this many the page says "more than".
TOTAL_MAX = 10_000
NOTE_MAX = 2000


class PersonUnknown(NotFound):
    """An audit search for a person id the index never issued (404)."""


@dataclass(frozen=True)
class AuditFilters:
    """What an audit search asks for; every filter given must match."""

    actor: str | None = None
    organisation: str | None = None
    role: str | None = None
    person_id: str | None = None
    purpose: str | None = None
    decision: str | None = None
    action: str | None = None
    break_glass: bool | None = None
    since: datetime | None = None
    until: datetime | None = None
    # "token:<id>" or "session:<id>": everything done with one credential (a token an
    # administrator issued, say).
    credential: str | None = None

    def described(self) -> str:
        """Which filters were used, for the audit row (the names, never the values)."""
        used = [name for name, value in vars(self).items() if value is not None]
        return "audit search on " + (", ".join(used) if used else "no filters")


@dataclass(frozen=True)
class AuditEntry:
    """One audit event as the IG officer sees it (everything but the chain's own fields)."""

    seq: int
    event_id: str
    at: datetime
    actor: str
    organisation: str
    role: str
    purpose: str | None
    case_reference: str | None
    person_id: str | None
    action: str
    decision: str
    categories: tuple[str, ...]
    agreements: tuple[dict[str, object], ...]
    request_id: str | None
    reason: str | None
    break_glass: bool
    # What the actor acted with: "session:<id>" or "token:<id>"; None before migration 0014.
    credential: str | None = None
    # For an administrator's change to an account: the account's organisation.
    account_organisation: str | None = None
    # The event's hash on the chain, to match against what `joinedup audit verify` checked.
    hash: str | None = None
    # What the decision did not release: {source, category, reason_code} per item, as the
    # officer may see them (services.audit_withheld); None for events recording no decision's
    # withholding (not an access decision, or written before migration 0016).
    withheld: tuple[dict[str, str], ...] | None = None
    # What the event meant then (services.audit_context): the resident's choices in force at
    # its time, and for a break-glass start, how it was reviewed. Each agreement relied on also
    # carries "clauses", derived from that version's terms.
    choices_then: tuple[ChoiceThen, ...] = ()
    break_glass_review: BreakGlassReview | None = None


@dataclass(frozen=True)
class AuditPage:
    """A page of events, newest first; ``next_before_seq`` fetches the next (older) page."""

    events: tuple[AuditEntry, ...]
    next_before_seq: int | None
    # How many events match on every page, counted up to TOTAL_MAX (then total_capped).
    total: int = 0
    total_capped: bool = False


@dataclass(frozen=True)
class ChainStatus:
    """What ``joinedup audit verify`` says about the trail now."""

    ok: bool
    events: int
    checkpoints: int
    head_seq: int | None
    head_hash: str | None
    last_checkpoint_seq: int | None
    unsigned_tail: int
    problems: tuple[dict[str, object], ...]
    checked_at: datetime
    # What was covered, for a report: the first event's number, the first and last times, and
    # each key whose good signatures seal checkpoints (development: the public demo key).
    first_seq: int | None = None
    first_at: datetime | None = None
    head_at: datetime | None = None
    signed_by: tuple[dict[str, object], ...] = ()


def _organisation(actor: Actor) -> str:
    return actor.organisation or "hub"


def _check_filters(filters: AuditFilters) -> None:
    refuse_control_characters({k: v for k, v in vars(filters).items() if isinstance(v, str)})
    if filters.decision is not None and filters.decision not in DECISIONS:
        raise ServiceError(f"decision must be one of {', '.join(DECISIONS)}.")
    if filters.role is not None and filters.role not in ROLES:
        raise ServiceError(f"role must be one of {', '.join(ROLES)}.")
    if filters.purpose is not None and filters.purpose not in PURPOSES:
        raise ServiceError(f"purpose must be one of {', '.join(sorted(PURPOSES))}.")
    for name in ("since", "until"):
        value = getattr(filters, name)
        if value is not None and value.tzinfo is None:
            raise ServiceError(f"{name} needs a time zone, e.g. 2026-01-31T09:00:00Z.")
        # The trail keeps UTC: a time whose UTC equivalent falls outside years 1 to 9999
        # (0001-01-01T00:00+14:00) cannot be compared with it, and the driver failed with a 500.
        try:
            if value is not None:
                value.astimezone(UTC)
        except OverflowError:
            raise ServiceError(
                f"{name} is out of range: give a time between the years 1 and 9999 in UTC."
            ) from None
    if filters.since and filters.until and filters.since >= filters.until:
        raise ServiceError("since must be before until.")


@dataclass(frozen=True)
class PreparedSearch:
    """An audit search checked and ready: the filters as searched (the person id as issued),
    the keyword filters for :func:`joinedup.audit.queries.search`, and the condition of the
    officer's remit (and the person's lineage)."""

    filters: AuditFilters
    values: dict[str, object]
    within: ColumnElement[bool]


def prepare_search(session: Session, actor: Actor, filters: AuditFilters) -> PreparedSearch:
    """Check ``actor`` and ``filters`` and build the search (shared by the page and export)."""
    require_ig_officer(actor)
    _check_filters(filters)
    if filters.person_id is not None:
        # Events hold ids as the index issued them: a person id typed in lower case, or pasted
        # with spaces, found no events and read as "nobody looked at this person".
        filters = replace(filters, person_id=normalise_person_id(filters.person_id))
    values: dict[str, object] = dict(vars(filters))
    within = audit_events_in(remit_of(session, actor))
    if filters.person_id:
        # The person's accesses under every id their records were held by at the time: ids
        # since merged into theirs, and the id their records were split from, until the split.
        values["person_id"] = None
        holders = lineage(session, filters.person_id).holders()
        within = and_(within, queries.about(holders))
    return PreparedSearch(filters, values, within)


def search_audit(
    session: Session,
    actor: Actor,
    filters: AuditFilters,
    *,
    before_seq: int | None = None,
    limit: int = 50,
) -> AuditPage:
    """Audit events matching ``filters``, newest first, a page at a time.

    Filters: actor, organisation, role, person, purpose, decision, action, break-glass, and a
    date range (``since`` inclusive, ``until`` exclusive). The search itself is audited
    (``audit.search``, naming which filters were used and the person searched for, if any).
    A person id no person ever had is :class:`NotFound`, not an empty page: a mistyped id
    must not read as "nobody looked at this resident".
    """
    if not 1 <= limit <= PAGE_MAX:
        raise ServiceError(f"limit must be between 1 and {PAGE_MAX}.")
    if before_seq is not None and before_seq < 1:
        raise ServiceError("before_seq must be a positive event number.")
    search = prepare_search(session, actor, filters)
    filters, values, within = search.filters, search.values, search.within
    rows = queries.search(session, **values, before_seq=before_seq, limit=limit + 1, within=within)
    if filters.person_id and not rows:
        require_person(session, filters.person_id)
    # Counted before the search's own event is appended, as the page is read.
    total = queries.count(session, **values, within=within, at_most=TOTAL_MAX + 1)
    # Appended after the search so that the page does not show its own event; both are in one
    # unit of work, so if the event cannot be written nothing is returned.
    audit(
        session,
        NewEvent(
            actor=actor.user,
            organisation=_organisation(actor),
            role=actor.role,
            action="audit.search",
            person_id=filters.person_id,
            request_id=actor.request_id,
            credential=actor.credential,
            reason=filters.described(),
        ),
    )
    page = rows[:limit]
    return AuditPage(
        events=audit_entries(session, page, _organisation(actor)),
        next_before_seq=page[-1].seq if len(rows) > limit else None,
        total=min(total, TOTAL_MAX),
        total_capped=total > TOTAL_MAX,
    )


def audit_entries(
    session: Session, rows: list[AuditEvent], organisation: str
) -> tuple[AuditEntry, ...]:
    """The events as ``organisation``'s IG officer sees them, with what each meant then."""
    choices = choices_then(session, rows)
    glass = break_glass_reviews(session, rows, organisation)
    own = sources_of(session, organisation) if any(row.withheld for row in rows) else frozenset()
    return tuple(
        replace(
            _audit_entry(row),
            agreements=tuple(clauses_relied_on(session, row)),
            choices_then=choices.get(row.seq, ()),
            break_glass_review=glass.get(row.seq),
            withheld=shown_withheld(row.withheld, row.categories or (), own),
        )
        for row in rows
    )


def require_person(session: Session, person_id: str) -> None:
    """:class:`NotFound` for an id the index never issued (a retired id is a person still)."""
    try:
        lookup_person(session, person_id)
    except PersonNotFound as exc:
        raise PersonUnknown(f"{exc}: check the id, as the index issued it.") from None


def _audit_entry(row: AuditEvent) -> AuditEntry:
    return AuditEntry(
        seq=row.seq,
        event_id=row.event_id,
        at=row.at,
        actor=row.actor,
        organisation=row.organisation,
        role=row.role,
        purpose=row.purpose,
        case_reference=row.case_reference,
        person_id=row.person_id,
        action=row.action,
        decision=row.decision,
        categories=tuple(row.categories or ()),
        agreements=tuple(dict(a) for a in row.agreements or ()),
        request_id=row.request_id,
        reason=row.reason,
        break_glass=row.break_glass,
        credential=row.credential,
        account_organisation=row.account_organisation,
        hash=row.hash,
    )


def _alert_filters(
    session: Session, actor: Actor, status: str | None, kind: str | None
) -> list[ColumnElement[bool]]:
    """The conditions of an alert query: the officer's remit, ``status`` and ``kind``.

    An unknown value is an error, not an empty queue: a mistyped filter must not read as
    "nothing to review".
    """
    require_ig_officer(actor)
    if status is not None and status not in ALERT_STATUSES:
        raise ServiceError(f"status must be one of {', '.join(ALERT_STATUSES)} or all.")
    if kind is not None and kind not in ALERT_KINDS:
        raise ServiceError(f"kind must be one of {', '.join(ALERT_KINDS)}.")
    conditions = [alerts_in(remit_of(session, actor))]
    if status is not None:
        # The officer's own organisation's handling: another's "closed" leaves it open here.
        mine = select(AlertHandling.alert_id).where(
            AlertHandling.organisation == _organisation(actor), AlertHandling.alert_id == Alert.id
        )
        if status == "open":
            conditions.append(~mine.exists())
        else:
            conditions.append(mine.where(AlertHandling.status == status).exists())
    if kind is not None:
        conditions.append(Alert.kind == kind)
    return conditions


def list_alerts(
    session: Session,
    actor: Actor,
    *,
    status: str | None = "open",
    kind: str | None = None,
    limit: int = 50,
    before_id: int | None = None,
) -> tuple[AlertEntry, ...]:
    """The alert queue (break-glass, declared relationships), newest first, a page at a time.

    ``status`` is ``open`` (the default), ``acknowledged``, ``closed`` or ``None`` for all;
    ``kind`` one of :data:`~joinedup.audit.governance.ALERT_KINDS` or ``None`` for all.
    ``before_id`` is the last alert of the previous page: the alerts that come after it in
    the queue's order (raised earlier, or at the same moment with a smaller id). An id outside
    the officer's remit has nothing after it.
    """
    conditions = _alert_filters(session, actor, status, kind)
    if not 1 <= limit <= PAGE_MAX:
        raise ServiceError(f"limit must be between 1 and {PAGE_MAX}.")
    if before_id is not None:
        # Keyset, not an offset: alerts handled while the officer pages on do not shift the
        # pages, so none is skipped or shown twice.
        last = select(Alert.raised_at).where(Alert.id == before_id, conditions[0]).scalar_subquery()
        conditions.append(
            or_(Alert.raised_at < last, and_(Alert.raised_at == last, Alert.id < before_id))
        )
    query = (
        select(Alert)
        .where(*conditions)
        .order_by(Alert.raised_at.desc(), Alert.id.desc())
        .limit(limit)
    )
    return alert_entries(session, list(session.scalars(query)), _organisation(actor))


def alert_entry(session: Session, actor: Actor, alert_id: int) -> AlertEntry:
    """One alert of the officer's queue, whatever its status; :class:`NotFound` outside it."""
    require_ig_officer(actor)
    row = session.get(Alert, alert_id)
    if row is None or not alert_in_remit(session, remit_of(session, actor), alert_id):
        raise NotFound(f"There is no alert {alert_id} for your organisation.")
    return alert_entries(session, [row], _organisation(actor))[0]


def count_alerts(
    session: Session, actor: Actor, *, status: str | None = "open", kind: str | None = None
) -> int:
    """How many alerts :func:`list_alerts` would page through with these filters."""
    conditions = _alert_filters(session, actor, status, kind)
    return session.scalar(select(func.count()).select_from(Alert).where(*conditions)) or 0


def acknowledge_alert(
    session: Session,
    actor: Actor,
    alert_id: int,
    *,
    note: str,
    close: bool = False,
    now: datetime | None = None,
) -> AlertEntry:
    """Acknowledge an alert with a note (or close it, the note being the outcome); audited.

    The note says what the IG officer found or did; it is kept with the alert and the audit
    event records that the alert was handled (not the note, which may name people). It is the
    officer's organisation's handling: the alert stays open on the queue of every other
    organisation it concerns until their own IG officer handles it.
    """
    require_ig_officer(actor)
    text = (note or "").strip()
    if not text:
        raise ServiceError("Write a note saying what you checked or decided.")
    if len(text) > NOTE_MAX:
        raise ServiceError(f"A note may be at most {NOTE_MAX} characters.")
    if has_control_characters(text):
        raise ServiceError("The note holds control characters: write it in ordinary text.")
    row = session.get(Alert, alert_id)
    if row is None or not alert_in_remit(session, remit_of(session, actor), alert_id):
        raise NotFound(f"There is no alert {alert_id} for your organisation.")
    organisation = _organisation(actor)
    handling = alert_handling(session, alert_id, organisation)
    if handling is not None and handling.status == "closed":
        raise ServiceError(f"Alert {alert_id} is closed already.")
    status = "closed" if close else "acknowledged"
    moment = now or utcnow()
    handle_alert(
        session,
        alert_id,
        by=actor.user,
        status=status,
        outcome=text,
        now=moment,
        organisation=organisation,
    )
    audit(
        session,
        NewEvent(
            actor=actor.user,
            organisation=_organisation(actor),
            role=actor.role,
            action="alert.close" if close else "alert.acknowledge",
            person_id=row.person_id,
            request_id=actor.request_id,
            credential=actor.credential,
            reason=f"{row.kind} alert {alert_id} {status}",
            at=moment,
        ),
    )
    return alert_entries(session, [row], organisation)[0]


def chain_status(session: Session, actor: Actor) -> ChainStatus:
    """Recompute the hash chain and checkpoints, as ``joinedup audit verify`` does."""
    require_ig_officer(actor)
    # verify reads on a connection of its own. The request's unit of work may hold SQLite's write
    # lock (API requests begin IMMEDIATE there), so that connection must begin deferred, as a
    # plain reader, or it would wait on its own request until the busy timeout.
    result = verify_chain(session.get_bind().engine.execution_options(sqlite_begin=""))
    return ChainStatus(
        ok=result.ok,
        events=result.events,
        checkpoints=result.checkpoints,
        head_seq=result.head_seq,
        head_hash=result.head_hash,
        last_checkpoint_seq=result.last_checkpoint_seq,
        unsigned_tail=result.unsigned_tail,
        problems=tuple(
            {"seq": p.seq, "kind": p.kind, "message": p.message} for p in result.problems
        ),
        checked_at=utcnow(),
        first_seq=result.first_seq,
        first_at=result.first_at,
        head_at=result.head_at,
        signed_by=tuple(
            {"key_id": key, "checkpoints": count, "development": key == development_key_id()}
            for key, count in sorted(result.signed_by.items())
        ),
    )
