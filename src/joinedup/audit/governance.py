"""Governance records that policy decisions rest on, and the IG officer's alert queue.

Repositories over the governance tables (migration 0003): declared relationships, resident
choices, break-glass sessions, alerts and agreement versions. Like every repository they take
the caller's ``Session``, add and flush, and never commit. :func:`policy_inputs` turns a
person's rows into the values :func:`joinedup.policy.decide` reads — also those recorded under
ids linkage has since merged into the person's, and the objections a person split off another
inherits (``docs/governance.md``, "When linkage merges or splits a person"). Auditing the
governance actions themselves (``relationship.declare``, ``choice.record``,
``break_glass.start``) is the caller's job, with :func:`joinedup.audit.append`, in the same unit
of work.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Integer,
    Select,
    Text,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.expression import Executable

from joinedup.errors import JoinedupError
from joinedup.linkage.lineage import lineage
from joinedup.policy.agreements import agreement_files, load_agreement
from joinedup.policy.engine import BREAK_GLASS_MAX
from joinedup.policy.request import BreakGlass, Relationship, ResidentChoice
from joinedup.policy.vocabulary import PURPOSES
from joinedup.store.base import UTCDateTime, utcnow
from joinedup.store.governance_tables import (
    AgreementVersion,
    Alert,
    AlertHandling,
    BreakGlassSession,
    DeclaredRelationship,
    ResidentChoiceRow,
)
from joinedup.store.linkage_tables import LinkRun, Person, PersonEvent, PersonMember
from joinedup.store.prepared import Prepared

ALERT_STATUSES = ("open", "acknowledged", "closed")
# What raises an alert for the IG officer: a break-glass session, a declared relationship, and a
# link run that split a person whose resident had made choices (:func:`flag_split_choices`).
ALERT_KINDS = ("break_glass", "relationship_declared", "split_choices")
CHOICE_KINDS = ("objection", "consent")
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


@dataclass(frozen=True)
class PolicyInputs:
    """What the store knows that :func:`joinedup.policy.decide` needs about one person."""

    relationships: tuple[Relationship, ...]
    choices: tuple[ResidentChoice, ...]
    break_glass: BreakGlass | None


def policy_inputs(
    session: Session,
    *,
    person_id: str,
    actor: str,
    organisation: str,
    now: datetime | None = None,
) -> PolicyInputs:
    """The person's current relationships with ``organisation``, all their choices, and the
    actor's open break-glass session, as policy values for an ``AccessRequest`` — each also as
    recorded under an id since merged into theirs."""
    found = policy_inputs_for(session, [person_id], actor=actor, organisation=organisation, now=now)
    return found[person_id]


# Person ids per statement, well inside SQLite's limit on bound parameters.
_CHUNK = 400

# Table columns, not ORM attributes: a Core statement skips the ORM's per-execution set-up.
_REL = DeclaredRelationship.__table__.c
_GLASS = BreakGlassSession.__table__.c
_CHOICE = ResidentChoiceRow.__table__.c
# The three kinds of input in one statement (one round trip, not three): a tag, the person, two
# times, three texts, a flag and an id, each branch filling what it has.
_NO_TIME = cast(null(), UTCDateTime)
_NO_TEXT = cast(null(), Text)
_PERSON = Person.__table__.c
_PERSONS = Person.__table__


def _merged_into(table: Any, person: ColumnElement[str]) -> Any:
    """``table`` joined to the ids merged away into a person: ``persons.redirect_to`` is then the
    person asked about. Chains of redirects are one hop deep, and a redirect follows the records
    it stands for (``linkage.persons``), so what was recorded under a retired id is read as its
    successor's."""
    return _PERSONS.join(table, person == _PERSON.person_id)


def _relationship_row(person: ColumnElement[str]) -> Select[Any]:
    """A declared relationship as one row of the policy inputs' union, under ``person``'s id."""
    return select(
        literal_column("'r'", Text).label("tag"),
        person.label("person_id"),
        _REL.starts_at.label("t1"),
        _REL.expires_at.label("t2"),
        _REL.organisation.label("s1"),
        _REL.reason.label("s2"),
        _REL.actor.label("s3"),
        cast(null(), Boolean).label("flag"),
        cast(null(), Integer).label("row_id"),
    ).where(
        _REL.organisation == bindparam("organisation"),
        _REL.ended_at.is_(None),
        _REL.expires_at > bindparam("now"),
        or_(_REL.actor.is_(None), _REL.actor == bindparam("actor")),
    )


def _break_glass_row(person: ColumnElement[str]) -> Select[Any]:
    """The actor's open break-glass session as one row of the union, under ``person``'s id."""
    return select(
        literal_column("'g'", Text),
        person,
        _GLASS.started_at,
        _GLASS.expires_at,
        _GLASS.actor,
        _GLASS.reason,
        _NO_TEXT,
        cast(null(), Boolean),
        cast(null(), Integer),
    ).where(
        _GLASS.actor == bindparam("actor"),
        _GLASS.started_at <= bindparam("now"),
        _GLASS.expires_at > bindparam("now"),
        _GLASS.ended_at.is_(None),
    )


def _choice_row(person: ColumnElement[Any]) -> Select[Any]:
    """A choice as one row of the policy inputs' union, under ``person``'s id."""
    return select(*_choice_columns("c", person))


def _choice_columns(tag: str, person: ColumnElement[Any]) -> tuple[ColumnElement[Any], ...]:
    """A choice's columns in the union, labelled as its first statement's are."""
    return (
        literal_column(f"'{tag}'", Text).label("tag"),
        person.label("person_id"),
        _CHOICE.at.label("t1"),
        _NO_TIME.label("t2"),
        _CHOICE.kind.label("s1"),
        _CHOICE.purpose.label("s2"),
        _CHOICE.source.label("s3"),
        _CHOICE.given.label("flag"),
        _CHOICE.id.label("row_id"),
    )


_IDS: BindParameter[Any] = bindparam("ids", expanding=True)
_MERGED = (_PERSON.redirect_to.in_(_IDS), _PERSON.status == "retired")
# Each kind of input twice: recorded under the person's own id, and under an id since merged
# into theirs. Linkage finding more of a resident's records must neither drop an objection they
# made nor take away a relationship a practitioner declared, or a break-glass session opened,
# with them under the id they had then (it failed closed, but locked out the one practitioner
# caring for the person).
_RELATIONSHIPS = _relationship_row(_REL.person_id).where(_REL.person_id.in_(_IDS))
_MERGED_RELATIONSHIPS = (
    _relationship_row(_PERSON.redirect_to)
    .select_from(_merged_into(DeclaredRelationship.__table__, _REL.person_id))
    .where(*_MERGED)
)
_BREAK_GLASS = _break_glass_row(_GLASS.person_id).where(_GLASS.person_id.in_(_IDS))
_MERGED_BREAK_GLASS = (
    _break_glass_row(_PERSON.redirect_to)
    .select_from(_merged_into(BreakGlassSession.__table__, _GLASS.person_id))
    .where(*_MERGED)
)
_CHOICES = _choice_row(_CHOICE.person_id).where(_CHOICE.person_id.in_(_IDS))
_MERGED_CHOICES = (
    _choice_row(_PERSON.redirect_to)
    .select_from(_merged_into(ResidentChoiceRow.__table__, _CHOICE.person_id))
    .where(*_MERGED)
)
# Objections a person inherits from the ids that held their records before (a split, most
# often): each of the person's current records, each earlier membership of it under another
# id, and the objections recorded under that id while it held the record — from the run that
# put the record there to the one that took it away. Linkage had put two residents together, so
# whose objection it was cannot be told: both parts keep it (fail safe), and the resident of
# each may take it back. Consents are not inherited: sharing must not rest on a yes the resident
# may never have given. Tagged 'i' (policy reads it as a choice; the resident's page says so).
_HELD = PersonMember.__table__.alias("held")
_BEFORE = PersonMember.__table__.alias("before")
_JOINED = LinkRun.__table__.alias("joined_run")
_LEFT = LinkRun.__table__.alias("left_run")


def _run_time(run: Any) -> ColumnElement[Any]:
    # A run's changes take effect when it commits, just after ``finished_at`` is set.
    return func.coalesce(run.c.finished_at, run.c.started_at)


_INHERITED_OBJECTIONS = (
    select(*_choice_columns("i", _HELD.c.person_id))
    .select_from(
        _HELD.join(
            _BEFORE,
            and_(
                _BEFORE.c.record_key == _HELD.c.record_key,
                _BEFORE.c.to_run.is_not(None),
                _BEFORE.c.person_id != _HELD.c.person_id,
            ),
        )
        .join(_JOINED, _JOINED.c.id == _BEFORE.c.from_run)
        .join(_LEFT, _LEFT.c.id == _BEFORE.c.to_run)
        .join(ResidentChoiceRow.__table__, _CHOICE.person_id == _BEFORE.c.person_id)
    )
    .where(
        _HELD.c.person_id.in_(_IDS),
        _HELD.c.to_run.is_(None),
        _CHOICE.kind == "objection",
        _CHOICE.at >= _run_time(_JOINED),
        _CHOICE.at <= _run_time(_LEFT),
    )
    # One row per objection, however many of the person's records the id held.
    .distinct()
)
# Oldest first within each kind: policy takes the latest choice per (kind, purpose, source) as
# the one in force, and of several open break-glass sessions the newest (read last) counts.
_INPUTS = Prepared(
    union_all(
        _RELATIONSHIPS,
        _MERGED_RELATIONSHIPS,
        _BREAK_GLASS,
        _MERGED_BREAK_GLASS,
        _CHOICES,
        _MERGED_CHOICES,
        _INHERITED_OBJECTIONS,
    ).order_by("tag", "t1", "row_id")
)
# The choices alone, for the resident's own page: the same rows policy reads.
_CHOICE_INPUTS = Prepared(
    union_all(_CHOICES, _MERGED_CHOICES, _INHERITED_OBJECTIONS).order_by("t1", "row_id")
)


@dataclass(frozen=True)
class ChoiceOnRecord:
    """A choice policy applies to a person: the row, and whether it was inherited — made under
    an id that held some of the person's records while linkage had them joined with another
    resident's (see :func:`choices_of`)."""

    row: ResidentChoiceRow
    inherited: bool


def choices_of(session: Session, person_id: str) -> list[ChoiceOnRecord]:
    """Every choice :func:`policy_inputs_for` reads for ``person_id``, oldest first: those made
    under their id and under ids since merged into it, and the objections inherited with
    records that other ids held (a split). What the resident's page and pack show, so that they
    never say something other than what policy does.
    """
    own: set[int] = set()
    inherited: set[int] = set()
    for tag, *_, row_id in _CHOICE_INPUTS.all(session, {"ids": [person_id]}):
        (inherited if tag == "i" else own).add(row_id)
    ids = sorted(own | inherited)
    rows: list[ResidentChoiceRow] = []
    for start in range(0, len(ids), _CHUNK):
        rows.extend(
            session.scalars(
                select(ResidentChoiceRow).where(
                    ResidentChoiceRow.id.in_(ids[start : start + _CHUNK])
                )
            )
        )
    rows.sort(key=lambda row: (row.at, row.id))
    return [ChoiceOnRecord(row, row.id not in own) for row in rows]


def policy_inputs_for(
    session: Session,
    person_ids: Iterable[str],
    *,
    actor: str,
    organisation: str,
    now: datetime | None = None,
) -> dict[str, PolicyInputs]:
    """Person id → its :class:`PolicyInputs` (as :func:`policy_inputs`) for every id given, in
    one query however many persons: a joined view reads them for the whole household.

    The statement is built once, with its values as bound parameters, because building and
    keying a statement costs more CPU than SQLite takes to answer it; and it is one statement,
    not one per kind of input, because on PostgreSQL each is a round trip.
    """
    ids = sorted(set(person_ids))
    rels: dict[str, list[Relationship]] = {pid: [] for pid in ids}
    glass: dict[str, BreakGlass] = {}
    choices: dict[str, list[ResidentChoice]] = {pid: [] for pid in ids}
    for start in range(0, len(ids), _CHUNK):
        values = {
            "ids": ids[start : start + _CHUNK],
            "organisation": organisation,
            "actor": actor,
            "now": _now(now),
        }
        for tag, pid, first, second, one, two, three, flag, _ in _INPUTS.all(session, values):
            if tag == "r":
                rels[pid].append(Relationship(one, two, first, second, three))
            elif tag == "g":
                glass[pid] = BreakGlass(one, two, first, second)
            else:
                choices[pid].append(ResidentChoice(one, two, bool(flag), first, three))
    return {pid: PolicyInputs(tuple(rels[pid]), tuple(choices[pid]), glass.get(pid)) for pid in ids}


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
