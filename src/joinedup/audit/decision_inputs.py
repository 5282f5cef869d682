"""What :func:`joinedup.policy.decide` reads from the store about a person, in one statement.

A person's declared relationships with an organisation, their choices and the actor's open
break-glass session — each also as recorded under ids linkage has since merged into the
person's, and the objections a person split off another inherits (``docs/governance.md``, "When
linkage merges or splits a person"). The repositories that write these rows are
:mod:`joinedup.audit.governance`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
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

from joinedup.policy.request import BreakGlass, Relationship, ResidentChoice
from joinedup.store.base import UTCDateTime, utcnow
from joinedup.store.governance_tables import (
    BreakGlassSession,
    DeclaredRelationship,
    ResidentChoiceRow,
)
from joinedup.store.linkage_tables import LinkRun, Person, PersonMember
from joinedup.store.prepared import Prepared


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
            "now": now if now is not None else utcnow(),
        }
        for tag, pid, first, second, one, two, three, flag, _ in _INPUTS.all(session, values):
            if tag == "r":
                rels[pid].append(Relationship(one, two, first, second, three))
            elif tag == "g":
                glass[pid] = BreakGlass(one, two, first, second)
            else:
                choices[pid].append(ResidentChoice(one, two, bool(flag), first, three))
    return {pid: PolicyInputs(tuple(rels[pid]), tuple(choices[pid]), glass.get(pid)) for pid in ids}
