"""Building a policy request from the database, and writing its audit event fail-closed.

Shared by the search, the joined view, the household and the governance actions: a person's
current records and the holdings they make (source, provider, categories), the agreements in
force, the requester's relationships, the resident's choices and any break-glass session — all
gathered into one :class:`joinedup.policy.AccessRequest` for the pure ``decide``. Then
:func:`audit` appends the event in the caller's transaction; any failure there becomes
:class:`AuditUnavailable` (503) and the unit of work rolls back, so no data leaves without its
audit row.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, Row, and_, bindparam, or_, select, text
from sqlalchemy.orm import Session

from joinedup.audit.decision_inputs import PolicyInputs, policy_inputs
from joinedup.audit.governance import GovernanceError
from joinedup.audit.log import NewEvent

# Every audit write of the services goes through this one name, a batch append (one event or a
# view's several): the fail-closed tests replace it to break the trail for every route at once.
from joinedup.audit.log import append_all as append
from joinedup.linkage.ids import normalise_person_id
from joinedup.linkage.persons import PersonLookup, PersonNotFound, lookup_person
from joinedup.policy.agreements import AgreementError
from joinedup.policy.engine import decide
from joinedup.policy.model import Agreement
from joinedup.policy.request import AccessRequest, Decision, Holding
from joinedup.policy.vocabulary import is_sealed
from joinedup.services.actor import (
    Actor,
    AgreementsUnversioned,
    AuditUnavailable,
    PersonGone,
    PersonNotFoundError,
    ServiceError,
)
from joinedup.services.agreements_store import current_agreements, ensure_recorded
from joinedup.store.linkage_tables import Person, PersonMember
from joinedup.store.prepared import Prepared
from joinedup.store.records import split_record_key
from joinedup.store.tables import Organisation, Source, SourceRecord

IDENTITY = "identity.core"
# IN lists are split so that no statement carries more parameters than SQLite allows.
_CHUNK = 400
_AGREEMENTS_KEY = "joinedup.agreements"

# The hot reads of a view are Core statements built once, with their values bound at run time:
# building and caching-keying an ORM statement, and loading ORM objects, cost more CPU than the
# database takes to answer (a view's reads were most of its CPU).
_PERSONS = Person.__table__.c
_MEMBERS = PersonMember.__table__.c
_RECORDS = SourceRecord.__table__.c
_SOURCES = Source.__table__.c
_ORGS = Organisation.__table__.c
_PERSON_STATUS = Prepared(
    select(_PERSONS.status).where(_PERSONS.person_id == bindparam("person_id"))
)
# An active person's current record keys with its status, in one statement (a view's first).
_PERSON_KEYS = Prepared(
    select(_PERSONS.status, _MEMBERS.record_key)
    .select_from(
        Person.__table__.outerjoin(
            PersonMember.__table__,
            and_(_MEMBERS.person_id == _PERSONS.person_id, _MEMBERS.to_run.is_(None)),
        )
    )
    .where(_PERSONS.person_id == bindparam("person_id"))
)
_SOURCE_ROWS = Prepared(
    select(
        _SOURCES.id, _SOURCES.name, _SOURCES.organisation_id, _SOURCES.category, _ORGS.name
    ).select_from(
        Source.__table__.outerjoin(Organisation.__table__, _ORGS.id == _SOURCES.organisation_id)
    )
)
_MEMBER_KEYS = Prepared(
    select(_MEMBERS.person_id, _MEMBERS.record_key).where(
        _MEMBERS.to_run.is_(None), _MEMBERS.person_id.in_(bindparam("ids", expanding=True))
    )
)
# What a view shows or decides on; not the raw row, the data-quality notes or the hashes, which
# are the bulk of a record and never shown.
_VIEW_COLUMNS = (
    *(_RECORDS[name] for name in ("source_id", "record_id", "version", "valid_from", "valid_to")),
    *(_RECORDS[name] for name in ("attributes", "title", "given_name", "middle_names")),
    *(_RECORDS[name] for name in ("family_name", "preferred_name", "date_of_birth", "nhs_number")),
    *(_RECORDS[name] for name in ("flat", "house_number", "house_name", "street", "locality")),
    *(_RECORDS[name] for name in ("town", "postcode", "uprn", "phones", "emails")),
)
# A record as a view reads it: an ORM ``SourceRecord`` or a row of :func:`record_rows`, which
# has the same attribute names for the columns a view uses.
RecordLike = SourceRecord | Row[Any]
_R = TypeVar("_R", SourceRecord, Row[Any])

log = logging.getLogger(__name__)


class AgreementsUnavailable(ServiceError):
    """The data sharing agreements cannot be read, so nothing can be shared (503)."""

    http_status = 503

    def __init__(self) -> None:
        super().__init__(
            "The data sharing agreements cannot be read just now, so no personal data can be "
            "shown. Tell your system administrator."
        )


class PersonMoved(PersonNotFoundError):
    """The id asked for was retired: its records now belong to ``person_id``.

    The API answers this with a redirect (301) to the person's current address; it carries no
    personal data, only the two ids.
    """

    http_status = 404

    def __init__(self, lookup: PersonLookup) -> None:
        self.lookup = lookup
        self.requested = lookup.requested
        self.person_id = lookup.person_id or ""
        super().__init__(f"Person {lookup.requested} is now {self.person_id}.")


@dataclass(frozen=True)
class SourceInfo:
    """A source system as the views need it: who provides it and which category it holds."""

    id: str
    name: str
    organisation: str
    category: str | None
    # How the organisation reads to people ("Northbridge Borough Council"); None when the
    # organisation has no row, and then its id is what there is to show.
    organisation_name: str | None = None

    @property
    def categories(self) -> tuple[str, ...]:
        """``identity.core`` and the source's own category (when the source states one)."""
        if self.category and self.category != IDENTITY:
            return (IDENTITY, self.category)
        return (IDENTITY,)

    @property
    def sensitive(self) -> bool:
        """Whether merely naming this source says something sealed about a person."""
        return any(is_sealed(category) for category in self.categories)


def hold_audit_lock(session: Session) -> None:
    """Make sure this unit of work can append to the audit chain at its end, on SQLite.

    On SQLite a transaction that reads and then writes fails at once ("database is locked")
    when another connection has committed in between — which every concurrent audited read
    does. So the unit of work must hold SQLite's (single) write lock from its first read: one
    opened on :func:`joinedup.audit.audited_engine` (every API and page request is) already
    does, since its ``BEGIN IMMEDIATE``, and this is then free. Otherwise what it did so far is
    committed and the next transaction starts by taking the write lock through the one-row
    ``audit_chain_lock`` table. PostgreSQL needs nothing here: the append at the end takes a
    transaction-scoped advisory lock, held only from the append to the commit, and
    read-committed reads do not conflict.
    """
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if bind.get_execution_options().get("sqlite_begin") == "IMMEDIATE":
        return
    session.commit()
    session.execute(text("UPDATE audit_chain_lock SET id = id WHERE id = 1"))


def person_id_as_issued(person_id: str) -> str:
    """``person_id`` as the index issued it, from however a caller typed it (case, spaces), for
    a front end that wants its links and addresses to name the id as everyone else sees it."""
    return normalise_person_id(person_id)


def resolve_person(session: Session, person_id: str) -> str:
    """The active id for ``person_id``; :class:`PersonMoved`, :class:`PersonGone` or 404 else.
    ``person_id`` is as a caller typed it: case and spaces do not matter (``normalise_person_id``).
    """
    wanted = normalise_person_id(person_id)
    status = _PERSON_STATUS.first(session, {"person_id": wanted})
    if status is not None and status[0] == "active":
        return wanted
    try:
        found = lookup_person(session, person_id)
    except PersonNotFound:
        raise PersonNotFoundError(f"There is no person with the id {person_id!r}.") from None
    if found.person_id is None:
        raise PersonGone(
            f"Person {person_id} is no longer held: every record about them has ended."
        )
    if found.moved:
        raise PersonMoved(found)
    return found.person_id


def resolve_with_keys(session: Session, person_id: str) -> tuple[str, list[str]]:
    """:func:`resolve_person` and the active id's record keys (:func:`member_keys`), in one
    statement when the id is active; raises as :func:`resolve_person` otherwise."""
    wanted = normalise_person_id(person_id)
    rows = _PERSON_KEYS.all(session, {"person_id": wanted})
    if rows and rows[0][0] == "active":
        return wanted, [key for _, key in rows if key is not None]
    active = resolve_person(session, person_id)
    return active, member_keys(session, [active])[active]


def sources_by_id(session: Session) -> dict[str, SourceInfo]:
    """Every source system (a handful of rows), by id."""
    return {
        id_: SourceInfo(id_, name, organisation, category, organisation_name)
        for id_, name, organisation, category, organisation_name in _SOURCE_ROWS.all(session)
    }


def member_keys(session: Session, person_ids: Iterable[str]) -> dict[str, list[str]]:
    """Person id → the record keys the index holds for it now."""
    ids = sorted(set(person_ids))
    out: dict[str, list[str]] = {pid: [] for pid in ids}
    for start in range(0, len(ids), _CHUNK):
        for pid, key in _MEMBER_KEYS.all(session, {"ids": ids[start : start + _CHUNK]}):
            out[pid].append(key)
    return out


def _keyed(pairs: Sequence[tuple[str, str]]) -> ColumnElement[bool]:
    """``(source_id, record_id)`` in ``pairs``, written so that both backends use the index.

    SQLite plans a row-value ``IN (VALUES ...)`` — what ``tuple_(...).in_()`` becomes there — as
    a scan of every record, which grows with the borough; one ``source_id = ? AND record_id
    IN (...)`` per source is a search of the ``(source_id, record_id)`` index on both.
    """
    by_source: dict[str, list[str]] = defaultdict(list)
    for source_id, record_id in pairs:
        by_source[source_id].append(record_id)
    return or_(
        *(
            and_(SourceRecord.source_id == source_id, SourceRecord.record_id.in_(record_ids))
            for source_id, record_ids in sorted(by_source.items())
        )
    )


def current_records(session: Session, keys: Sequence[str]) -> list[SourceRecord]:
    """The current version of each record key (records ended since the last run are left out)."""
    pairs = sorted({split_record_key(key) for key in keys})
    rows: list[SourceRecord] = []
    for start in range(0, len(pairs), _CHUNK):
        query = select(SourceRecord).where(
            SourceRecord.valid_to.is_(None), _keyed(pairs[start : start + _CHUNK])
        )
        rows.extend(session.scalars(query))
    rows.sort(key=lambda r: (r.source_id, r.record_id))
    return rows


def record_versions(session: Session, keys: Sequence[str]) -> list[SourceRecord]:
    """Every version, current or ended, of each record key: one query where the view needs
    both the current records (``valid_to`` unset) and their history."""
    pairs = sorted({split_record_key(key) for key in keys})
    rows: list[SourceRecord] = []
    for start in range(0, len(pairs), _CHUNK):
        query = select(SourceRecord).where(_keyed(pairs[start : start + _CHUNK]))
        rows.extend(session.scalars(query))
    return rows


@lru_cache(maxsize=64)
def _rows_statement(sources: int, *, current_only: bool) -> Prepared:
    """The view's record lookup for ``sources`` distinct sources, built once per shape.

    ``source_id = :s0 AND record_id IN (:r0) OR source_id = :s1 AND ...``: one search of the
    (source_id, record_id) index per source on both backends. Not a row-value ``IN``, which
    SQLite answers with a scan of every record, nor ``source_id IN (...) AND record_id IN
    (...)``, which PostgreSQL 15 answers by reading every record of those sources.
    """
    keyed = or_(
        *(
            and_(
                _RECORDS.source_id == bindparam(f"s{n}"),
                _RECORDS.record_id.in_(bindparam(f"r{n}", expanding=True)),
            )
            for n in range(sources)
        )
    )
    statement = select(*_VIEW_COLUMNS).where(keyed)
    return Prepared(statement.where(_RECORDS.valid_to.is_(None)) if current_only else statement)


def record_rows(session: Session, keys: Iterable[str], *, current_only: bool = False) -> list[Any]:
    """The versions of each record key (only the current ones with ``current_only``) as rows
    (named tuples) with the columns a view uses, named as on :class:`SourceRecord`. Sorted by
    source, record and version."""
    pairs = sorted({split_record_key(key) for key in keys})
    rows: list[Any] = []
    for start in range(0, len(pairs), _CHUNK):
        by_source: dict[str, list[str]] = defaultdict(list)
        for source_id, record_id in pairs[start : start + _CHUNK]:
            by_source[source_id].append(record_id)
        values: dict[str, Any] = {}
        for n, (source_id, record_ids) in enumerate(sorted(by_source.items())):
            values[f"s{n}"], values[f"r{n}"] = source_id, record_ids
        statement = _rows_statement(len(by_source), current_only=current_only)
        rows.extend(statement.all(session, values))
    rows.sort(key=lambda r: (r.source_id, r.record_id, r.version))
    return rows


def current_of(versions: Iterable[_R]) -> list[_R]:
    """The current versions among ``versions``, in the order :func:`current_records` gives."""
    rows = [row for row in versions if row.valid_to is None]
    rows.sort(key=lambda r: (r.source_id, r.record_id))
    return rows


def holdings(records: Iterable[RecordLike], sources: dict[str, SourceInfo]) -> tuple[Holding, ...]:
    """One holding per source the records come from, with the source's provider and categories."""
    seen = sorted({record.source_id for record in records})
    out = []
    for source_id in seen:
        info = sources.get(source_id)
        if info is not None:
            out.append(Holding(source_id, info.organisation, info.categories))
    return tuple(out)


def _agreements(session: Session) -> tuple[Agreement, ...]:
    # Once per unit of work, not per decision: a view decides once for the person and once per
    # household member, and each look at the directory costs a listing and a stat per file.
    cached = session.info.get(_AGREEMENTS_KEY)
    if cached is None:
        cached = session.info[_AGREEMENTS_KEY] = current_agreements()
    return cast("tuple[Agreement, ...]", cached)


def access_request(
    session: Session,
    actor: Actor,
    person_id: str,
    held: tuple[Holding, ...],
    *,
    purpose: str,
    now: datetime,
    inputs: PolicyInputs | None = None,
) -> AccessRequest:
    """The policy request for ``actor`` to see ``held`` about ``person_id`` for ``purpose``.

    Reads the person's declared relationships with the actor's organisation, their choices and
    the actor's open break-glass session (unless ``inputs`` already holds them, read for several
    persons at once by :func:`joinedup.audit.decision_inputs.policy_inputs_for`); the
    agreements come from the cached directory.
    """
    if inputs is None:
        inputs = policy_inputs(
            session,
            person_id=person_id,
            actor=actor.user,
            organisation=actor.organisation,
            now=now,
        )
    try:
        agreements = _agreements(session)
    except AgreementError as exc:
        # A configuration fault, not the caller's: refuse everything and say so (503).
        raise AgreementsUnavailable() from exc
    return AccessRequest(
        actor=actor.user,
        organisation=actor.organisation,
        role=actor.role,
        purpose=purpose,
        person_id=person_id,
        now=now,
        holdings=held,
        agreements=agreements,
        relationships=inputs.relationships,
        choices=inputs.choices,
        break_glass=inputs.break_glass,
        case_reference=actor.case_reference,
        request_id=actor.request_id,
        requester_person_id=actor.person_id if actor.role == "resident" else None,
    )


def decide_for(
    session: Session,
    actor: Actor,
    person_id: str,
    records: Sequence[RecordLike],
    *,
    purpose: str,
    now: datetime,
    sources: dict[str, SourceInfo],
    inputs: PolicyInputs | None = None,
) -> tuple[AccessRequest, Decision]:
    """Build the request for these records and let policy decide."""
    request = access_request(
        session,
        actor,
        person_id,
        holdings(records, sources),
        purpose=purpose,
        now=now,
        inputs=inputs,
    )
    return request, decide(request)


def audit(session: Session, *events: NewEvent) -> None:
    """Append ``events`` in the caller's transaction, failing closed.

    Any failure — the database refusing the row, a lock, a missing signing key at a checkpoint —
    is raised as :class:`AuditUnavailable` (503). Deliberately broad: whatever stops the audit
    row stops the data, and the original error stays chained for the server's log. Call it as
    late in the unit of work as possible: from here to the commit the chain is locked.
    """
    try:
        append(session, events)
    except Exception as exc:  # fail closed on any audit failure
        raise AuditUnavailable() from exc


def record_agreements(session: Session, *decisions: Decision) -> None:
    """Store the texts of the agreement versions the decisions relied on (fail closed)."""
    cited = tuple(dict.fromkeys(ref for d in decisions for ref in d.agreements_used))
    try:
        ensure_recorded(session, cited)
    except GovernanceError as exc:
        # The message names the file and the agreement, nothing personal: what the IG officer
        # must put right.
        log.error("sharing paused: %s", exc)
        raise AgreementsUnversioned() from exc
    except Exception as exc:  # the cited text is part of the audit record
        raise AuditUnavailable() from exc


def audit_decision(
    session: Session,
    request: AccessRequest,
    decision: Decision,
    *,
    action: str,
    credential: str | None,
) -> None:
    """Record a policy decision (and the agreement texts it relied on) before any data is read;
    ``credential`` is the actor's (:attr:`Actor.credential`)."""
    record_agreements(session, decision)
    audit(session, NewEvent.from_decision(request, decision, action=action, credential=credential))
