"""Governance records that policy decisions rest on, and the IG officer's alert queue.

Repositories over the governance tables (migration 0003): declared relationships, resident
choices, break-glass sessions, alerts and agreement versions. Like every repository they take
the caller's ``Session``, add and flush, and never commit. What policy reads back from them
about a person is :mod:`joinedup.audit.decision_inputs`. Auditing the
governance actions themselves (``relationship.declare``, ``choice.record``,
``break_glass.start``) is the caller's job, with :func:`joinedup.audit.append`, in the same unit
of work.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable

from joinedup.audit.decision_inputs import choices_of
from joinedup.errors import JoinedupError
from joinedup.linkage.lineage import lineage
from joinedup.policy.agreements import agreement_files, load_agreement
from joinedup.policy.engine import BREAK_GLASS_MAX
from joinedup.policy.vocabulary import PURPOSES
from joinedup.store.base import utcnow
from joinedup.store.governance_tables import (
    AgreementVersion,
    Alert,
    AlertHandling,
    BreakGlassSession,
    DeclaredRelationship,
    ResidentChoiceRow,
)
from joinedup.store.linkage_tables import Person, PersonEvent

ALERT_STATUSES = ("open", "acknowledged", "closed")
# What raises an alert for the IG officer: a break-glass session, a declared relationship, and a
# link run that split a person whose resident had made choices (:func:`flag_split_choices`).
ALERT_KINDS = ("break_glass", "relationship_declared", "split_choices")
CHOICE_KINDS = ("objection", "consent")
# The audit actions recording a change to what policy decides about a resident's data besides a
# break-glass session (whose events carry ``break_glass``): a relationship declared, an
# objection or consent made or withdrawn. Each concerns every organisation holding a record of
# the resident, so each is in their IG officers' remit (services.ig_remit).
RELATIONSHIP_DECLARED = "relationship.declare"
CHOICE_RECORDED = "choice.record"
POLICY_INPUT_ACTIONS = (RELATIONSHIP_DECLARED, CHOICE_RECORDED)
# A declared relationship is reviewed at least this often: a longer one must be declared again.
RELATIONSHIP_MAX = timedelta(days=366)


class GovernanceError(JoinedupError):
    """A governance action that cannot be taken as asked (blank reason, too long, unknown id)."""


def _now(now: datetime | None) -> datetime:
    return now if now is not None else utcnow()


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise GovernanceError("a reason is required")
    return text


def raise_alert(
    session: Session,
    *,
    kind: str,
    actor: str,
    organisation: str,
    summary: str,
    person_id: str | None = None,
    subject: str | None = None,
    now: datetime | None = None,
) -> Alert:
    """Put an item on the IG officer's queue. ``summary`` must not contain personal data."""
    alert = Alert(
        kind=kind,
        raised_at=_now(now),
        person_id=person_id,
        actor=actor,
        organisation=organisation,
        subject=subject,
        summary=summary,
        status="open",
    )
    session.add(alert)
    session.flush()
    return alert


def alerts(session: Session, *, status: str | None = "open", limit: int = 100) -> list[Alert]:
    """Alerts with ``status`` (all when ``None``), newest first."""
    query = select(Alert).order_by(Alert.raised_at.desc(), Alert.id.desc()).limit(limit)
    if status is not None:
        query = query.where(Alert.status == status)
    return list(session.scalars(query))


def handle_alert(
    session: Session,
    alert_id: int,
    *,
    by: str,
    status: str,
    outcome: str | None = None,
    now: datetime | None = None,
    organisation: str | None = None,
) -> Alert:
    """Acknowledge or close an alert for ``organisation`` (default: the alert's own), recording
    who did it, when and the outcome.

    Each organisation handles an alert for itself (:class:`AlertHandling`); the alert's own
    columns keep the latest handling by anyone, for the operator's hub-wide list.
    """
    if status not in ALERT_STATUSES[1:]:
        raise GovernanceError(f"status must be acknowledged or closed, not {status!r}")
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise GovernanceError(f"no alert {alert_id}")
    if status == "closed" and not (outcome or "").strip():
        raise GovernanceError("closing an alert needs an outcome")
    moment = _now(now)
    org = organisation or alert.organisation
    handling = session.get(AlertHandling, (alert_id, org))
    if handling is None:
        handling = AlertHandling(alert_id=alert_id, organisation=org)
        session.add(handling)
    handling.status, handling.handled_by, handling.handled_at = status, by, moment
    handling.outcome = outcome
    alert.status, alert.handled_by, alert.handled_at = status, by, moment
    alert.outcome = outcome
    session.flush()
    return alert


def alert_handling(session: Session, alert_id: int, organisation: str) -> AlertHandling | None:
    """How ``organisation`` has handled the alert; ``None`` while it is open for them."""
    return session.get(AlertHandling, (alert_id, organisation))


def declare_relationship(
    session: Session,
    *,
    person_id: str,
    organisation: str,
    reason: str,
    expires_at: datetime,
    declared_by: str,
    actor: str | None = None,
    starts_at: datetime | None = None,
    now: datetime | None = None,
) -> DeclaredRelationship:
    """Declare a legitimate relationship (for ``actor`` alone, or the whole organisation).

    Needs a reason and an expiry within :data:`RELATIONSHIP_MAX`; raises a
    ``relationship_declared`` alert so the IG officer can review it.
    """
    moment = _now(now)
    start = starts_at or moment
    if expires_at <= start:
        raise GovernanceError("a relationship must expire after it starts")
    if expires_at - start > RELATIONSHIP_MAX:
        raise GovernanceError(f"a relationship may last at most {RELATIONSHIP_MAX.days} days")
    row = DeclaredRelationship(
        person_id=person_id,
        organisation=organisation,
        actor=actor,
        reason=_reason(reason),
        starts_at=start,
        expires_at=expires_at,
        declared_by=declared_by,
        declared_at=moment,
    )
    session.add(row)
    session.flush()
    raise_alert(
        session,
        kind="relationship_declared",
        actor=declared_by,
        organisation=organisation,
        person_id=person_id,
        subject=f"declared_relationships:{row.id}",
        summary=f"relationship declared until {expires_at:%Y-%m-%d %H:%M} UTC",
        now=moment,
    )
    return row


def end_relationship(
    session: Session, relationship_id: int, *, by: str, now: datetime | None = None
) -> DeclaredRelationship:
    """End a declared relationship now; the row stays for review."""
    row = session.get(DeclaredRelationship, relationship_id)
    if row is None:
        raise GovernanceError(f"no declared relationship {relationship_id}")
    row.ended_at, row.ended_by = _now(now), by
    session.flush()
    return row


def record_choice(
    session: Session,
    *,
    person_id: str,
    kind: str,
    purpose: str,
    given: bool,
    recorded_by: str,
    source: str | None = None,
    note: str | None = None,
    at: datetime | None = None,
) -> ResidentChoiceRow:
    """Record a resident's objection or consent (given or withdrawn) as a new history row."""
    if kind not in CHOICE_KINDS:
        raise GovernanceError(f"a choice is an objection or a consent, not {kind!r}")
    if purpose not in PURPOSES:
        raise GovernanceError(f"unknown purpose {purpose!r}")
    row = ResidentChoiceRow(
        person_id=person_id,
        kind=kind,
        purpose=purpose,
        source=source,
        given=given,
        at=_now(at),
        recorded_by=recorded_by,
        note=note,
    )
    session.add(row)
    session.flush()
    return row


def choice_history(session: Session, *person_ids: str) -> list[ResidentChoiceRow]:
    """Every choice made under any of ``person_ids``, oldest first.

    Give a person's id and the ids merged into it
    (:func:`joinedup.linkage.persons.merged_ids`): a choice made before a merge is still the
    resident's. What policy applies to a person — also the objections they inherited in a
    split — is :func:`choices_of`.
    """
    query = (
        select(ResidentChoiceRow)
        .where(ResidentChoiceRow.person_id.in_(person_ids))
        .order_by(ResidentChoiceRow.at, ResidentChoiceRow.id)
    )
    return list(session.scalars(query))


def current_choices(session: Session, *person_ids: str) -> list[ResidentChoiceRow]:
    """The latest choice per (kind, purpose, source): what the resident's settings page shows."""
    latest: dict[tuple[str, str, str | None], ResidentChoiceRow] = {}
    for row in choice_history(session, *person_ids):
        latest[(row.kind, row.purpose, row.source)] = row
    return list(latest.values())


def start_break_glass(
    session: Session,
    *,
    actor: str,
    organisation: str,
    role: str,
    person_id: str,
    reason: str,
    duration: timedelta = timedelta(hours=1),
    now: datetime | None = None,
) -> BreakGlassSession:
    """Open an emergency access session and raise a ``break_glass`` alert for the IG officer.

    The reason is required; ``duration`` may not exceed :data:`BREAK_GLASS_MAX`.
    """
    if duration <= timedelta(0) or duration > BREAK_GLASS_MAX:
        raise GovernanceError(f"break-glass lasts more than nothing and at most {BREAK_GLASS_MAX}")
    moment = _now(now)
    row = BreakGlassSession(
        actor=actor,
        organisation=organisation,
        role=role,
        person_id=person_id,
        reason=_reason(reason),
        started_at=moment,
        expires_at=moment + duration,
    )
    session.add(row)
    session.flush()
    raise_alert(
        session,
        kind="break_glass",
        actor=actor,
        organisation=organisation,
        person_id=person_id,
        subject=f"break_glass_sessions:{row.id}",
        summary=f"break-glass by a {role} until {row.expires_at:%Y-%m-%d %H:%M} UTC",
        now=moment,
    )
    return row


def active_break_glass(
    session: Session, *, actor: str, person_id: str, now: datetime | None = None
) -> BreakGlassSession | None:
    """The user's current break-glass session for the person, if one is open — opened under
    their id or under an id since merged into it, as policy counts it (:func:`policy_inputs`)."""
    moment = _now(now)
    merged = select(Person.person_id).where(
        Person.redirect_to == person_id, Person.status == "retired"
    )
    query = (
        select(BreakGlassSession)
        .where(
            BreakGlassSession.actor == actor,
            or_(BreakGlassSession.person_id == person_id, BreakGlassSession.person_id.in_(merged)),
            BreakGlassSession.started_at <= moment,
            BreakGlassSession.expires_at > moment,
            BreakGlassSession.ended_at.is_(None),
        )
        .order_by(BreakGlassSession.started_at.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def record_agreement_versions(
    session: Session, directory: str | Path, *, now: datetime | None = None
) -> list[AgreementVersion]:
    """Store the text of every agreement version under ``directory`` not stored already.

    A stored version whose hash differs from the file's is refused: a changed agreement needs a
    new version number, or audit rows would point at words that are no longer there.
    """
    added: list[AgreementVersion] = []
    for path in agreement_files(directory):
        agreement = load_agreement(path)
        existing = session.get(AgreementVersion, (agreement.id, agreement.version))
        if existing is not None:
            if existing.sha256 != agreement.sha256:
                raise GovernanceError(
                    f"{path}: {agreement.ref} is already recorded with different content; "
                    "bump the version"
                )
            continue
        values = {
            "agreement_id": agreement.id,
            "version": agreement.version,
            "sha256": agreement.sha256,
            "title": agreement.title,
            "valid_from": agreement.valid_from,
            "valid_to": agreement.valid_to,
            "text": Path(path).read_text(encoding="utf-8"),
            "loaded_at": _now(now),
            "parties": sorted(agreement.party_orgs),
        }
        # Concurrent first views each find the version missing: on a conflict the other
        # request's row stands (the same file, the same hash), instead of this request's whole
        # unit of work failing on the primary key (a 503 on a fresh PostgreSQL hub).
        written = session.execute(_insert_if_absent(session, values))
        row = session.get(AgreementVersion, (agreement.id, agreement.version))
        if row is None or row.sha256 != agreement.sha256:
            raise GovernanceError(
                f"{path}: {agreement.ref} is already recorded with different content; "
                "bump the version"
            )
        if written.rowcount:  # type: ignore[attr-defined]
            added.append(row)
    session.flush()
    return added


def _insert_if_absent(session: Session, values: dict[str, object]) -> Executable:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(AgreementVersion).values(values).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(AgreementVersion).values(values).on_conflict_do_nothing()


def flag_split_choices(
    session: Session, run_id: int, *, now: datetime | None = None
) -> list[Alert]:
    """Raise a ``split_choices`` alert for each person link run ``run_id`` split off another
    that inherits an objection, or whose other part keeps a consent made while the two were
    joined, which it does not inherit.

    A split means linkage had put two residents together, so a choice made while they were
    joined may have been either's: the part split off keeps the objections (policy reads them,
    :func:`choices_of`), not the consents, and an IG officer should check with the residents
    which were whose (and that each resident's account names the right part). The summary
    names the ids and counts, never a purpose or a reason. Idempotent: an alert already raised
    for a part (its ``subject``) is not raised again.
    """
    alerts: list[Alert] = []
    splits = session.scalars(
        select(PersonEvent)
        .where(PersonEvent.run_id == run_id, PersonEvent.kind == "split")
        .order_by(PersonEvent.id)
    )
    for event in list(splits):
        kept, *parts = event.person_ids
        consents = [c.row for c in choices_of(session, kept) if c.row.kind == "consent"]
        for part in parts:
            subject = f"person_events:{event.id}:{part}"[:100]
            if session.scalar(select(Alert.id).where(Alert.subject == subject)) is not None:
                continue
            carried = _in_force(
                c.row
                for c in choices_of(session, part)
                if c.inherited and c.row.kind == "objection"
            )
            # Consents made while the kept id held the part's records: they may have been the
            # part's resident's, and the part does not inherit them.
            together = [s for s in lineage(session, part).mine if s.holder == kept]
            kept_consents = _in_force(
                row
                for row in consents
                if any(s.start <= row.at and (s.end is None or row.at <= s.end) for s in together)
            )
            if not carried and not kept_consents:
                continue
            alerts.append(
                raise_alert(
                    session,
                    kind="split_choices",
                    actor="linkage",
                    organisation="hub",
                    person_id=part,
                    subject=subject,
                    summary=(
                        f"link run {run_id} split {part} off {kept}: {carried} objection(s) "
                        f"kept for both, {kept_consents} consent(s) left with {kept} only; "
                        "check with the residents whose choices they were"
                    ),
                    now=now,
                )
            )
    return alerts


def _in_force(rows: Iterable[ResidentChoiceRow]) -> int:
    """How many (kind, purpose, source) have a given choice as their latest among ``rows``."""
    latest: dict[tuple[str, str, str | None], ResidentChoiceRow] = {}
    for row in sorted(rows, key=lambda r: (r.at, r.id)):
        latest[(row.kind, row.purpose, row.source)] = row
    return sum(1 for row in latest.values() if row.given)
