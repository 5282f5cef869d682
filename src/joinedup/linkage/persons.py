"""Reading and writing the master person index: membership, persons, events, look-ups, export.

Inserts go straight to the driver (``store.bulk``: executemany on SQLite, COPY on PostgreSQL),
updates in executemany chunks, and reads select only the columns they need, so a full run over
a million records stays a matter of seconds here. Membership is history: moving a record closes
its row (``to_run``) and opens another; nothing is deleted.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from joinedup.errors import JoinedupError
from joinedup.linkage.ids import Assignment, normalise_person_id
from joinedup.store.bulk import BulkInsert, JsonText
from joinedup.store.linkage_tables import Person, PersonEvent, PersonMember
from joinedup.store.records import split_record_key
from joinedup.store.tables import SourceRecord

_MEMBERS = cast(Table, PersonMember.__table__)
_PERSONS = cast(Table, Person.__table__)
_EVENTS = cast(Table, PersonEvent.__table__)
_CHUNK = 5_000
_IN_CHUNK = 900
# Past this many ids a look-up reads the whole persons table once: the index is searched per
# id either way, and one statement per 900 ids costs more than reading rows not asked for.
_SCAN_OVER = 50_000
_REDIRECT_HOPS = 64
# The kind of ``person_events`` row written when an id merged away earlier is pointed at the
# person now holding its records (``_follow_records``); ``ids`` makes the other kinds.
REDIRECT = "redirect"


class PersonNotFound(JoinedupError):
    """No person has ever had this id."""

    exit_code = 3


@dataclass(frozen=True)
class Linked:
    """A record's current place in the index: its person and the version that was linked."""

    person_id: str
    version: int | None


@dataclass(frozen=True)
class PersonLookup:
    """Where a person id leads: the active person now holding its records, and the path taken.

    ``person_id`` is the active id (``None`` when the records are gone: every record of the
    person ended); ``requested`` the id asked for; ``redirects`` the retired ids passed through,
    with the run that retired each.
    """

    requested: str
    person_id: str | None
    status: str
    redirects: tuple[tuple[str, int | None], ...] = ()

    @property
    def moved(self) -> bool:
        """Whether the id asked for is retired."""
        return bool(self.redirects)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON and the API."""
        return {
            "requested": self.requested,
            "person_id": self.person_id,
            "status": self.status,
            "redirects": [{"person_id": p, "retired_run": r} for p, r in self.redirects],
        }


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def current_membership(session: Session, keys: Collection[str] | None = None) -> dict[str, Linked]:
    """Every record currently in a person (or just ``keys``): record key → :class:`Linked`."""
    columns = (_MEMBERS.c.record_key, _MEMBERS.c.person_id, _MEMBERS.c.record_version)
    base = select(*columns).where(_MEMBERS.c.to_run.is_(None))
    out: dict[str, Linked] = {}
    if keys is None:
        for key, person_id, version in session.execute(base.execution_options(yield_per=20_000)):
            out[key] = Linked(person_id, version)
        return out
    for part in _chunks(sorted(set(keys)), _IN_CHUNK):
        for key, person_id, version in session.execute(base.where(_MEMBERS.c.record_key.in_(part))):
            out[key] = Linked(person_id, version)
    return out


def members_of(session: Session, person_ids: Collection[str]) -> dict[str, Linked]:
    """The current records of these persons: record key → :class:`Linked`."""
    columns = (_MEMBERS.c.record_key, _MEMBERS.c.person_id, _MEMBERS.c.record_version)
    out: dict[str, Linked] = {}
    for part in _chunks(sorted(set(person_ids)), _IN_CHUNK):
        query = select(*columns).where(_MEMBERS.c.to_run.is_(None), _MEMBERS.c.person_id.in_(part))
        for key, person_id, version in session.execute(query):
            out[key] = Linked(person_id, version)
    return out


def created_order(session: Session, person_ids: Collection[str]) -> dict[str, int]:
    """The run that created each of these persons, which is what "older" means for a merge."""
    wanted = set(person_ids)
    columns = (_PERSONS.c.person_id, _PERSONS.c.created_run)
    if len(wanted) > _SCAN_OVER:
        # A full run asks about every person: one scan, not a query per 900 ids.
        rows = session.execute(select(*columns).execution_options(yield_per=50_000))
        return {pid: run for pid, run in rows if pid in wanted}
    out: dict[str, int] = {}
    for part in _chunks(sorted(wanted), _IN_CHUNK):
        query = select(*columns).where(_PERSONS.c.person_id.in_(part))
        out.update(dict(session.execute(query).all()))
    return out


def existing_ids(session: Session, person_ids: Collection[str]) -> set[str]:
    """Which of these ids are already taken (active or retired)."""
    wanted = set(person_ids)
    if len(wanted) > _SCAN_OVER:
        # A first full run makes an id for every person: one scan, not a query per 900 ids.
        query = select(_PERSONS.c.person_id).execution_options(yield_per=50_000)
        return {pid for pid in session.scalars(query) if pid in wanted}
    found: set[str] = set()
    for part in _chunks(sorted(wanted), _IN_CHUNK):
        found.update(
            session.scalars(select(_PERSONS.c.person_id).where(_PERSONS.c.person_id.in_(part)))
        )
    return found


def apply_assignment(
    session: Session,
    run_id: int,
    previous: Mapping[str, Linked],
    assignment: Assignment,
    versions: Mapping[str, int],
    ended: Iterable[str] = (),
) -> None:
    """Write one run's assignment: new persons, retirements with redirects, membership, events.

    ``previous`` is the membership before the run for (at least) every record the assignment
    covers; ``versions`` the ``source_records.id`` now linked per record; ``ended`` the records
    that left the index. Redirect chains are kept one hop deep: ids that redirected to a person
    retired now are pointed at its successor; and an id merged away earlier follows the records
    it brought when its person loses them (:func:`_follow_records`, a ``redirect`` event).
    """
    if assignment.created:
        BulkInsert(session, _PERSONS, ("person_id", "created_run", "status")).write(
            (pid, run_id, "active") for pid in assignment.created
        )
    if assignment.retired:
        # One statement each, executed many times: ten thousand merges built one statement at
        # a time cost seconds. Every retirement is written before any repointing, so an id
        # that pointed at a person retired now ends one hop from the survivor.
        retire = (
            update(_PERSONS)
            .where(_PERSONS.c.person_id == bindparam("old"))
            .values(status="retired", redirect_to=bindparam("new"), retired_run=run_id)
        )
        repoint = (
            update(_PERSONS)
            .where(_PERSONS.c.redirect_to == bindparam("old"))
            .values(redirect_to=bindparam("new"))
        )
        retired = [{"old": old, "new": new} for old, new in assignment.retired.items()]
        connection = session.connection()
        for part in _chunks(retired, _CHUNK):
            connection.execute(retire, part)
        for part in _chunks([r for r in retired if r["new"] is not None], _CHUNK):
            connection.execute(repoint, part)

    moved: list[str] = []
    opened: list[tuple[str, str, int, int | None]] = []
    revised: list[dict[str, Any]] = []
    for key, person_id in assignment.membership.items():
        before = previous.get(key)
        version = versions.get(key)
        if before is None or before.person_id != person_id:
            if before is not None:
                moved.append(key)
            opened.append((key, person_id, run_id, version))
        elif before.version != version:
            revised.append({"key": key, "version": version})
    moved.extend(key for key in ended if key in previous)
    for part in _chunks(moved, _IN_CHUNK):
        session.execute(
            update(_MEMBERS)
            .where(_MEMBERS.c.to_run.is_(None), _MEMBERS.c.record_key.in_(part))
            .values(to_run=run_id)
        )
    BulkInsert(session, _MEMBERS, ("record_key", "person_id", "from_run", "record_version")).write(
        opened
    )
    if revised:
        statement = (
            update(_MEMBERS)
            .where(_MEMBERS.c.to_run.is_(None), _MEMBERS.c.record_key == bindparam("key"))
            .values(record_version=bindparam("version"))
        )
        for part in _chunks(revised, _CHUNK):
            session.connection().execute(statement, part)
    losers = {previous[key].person_id for key in moved}
    followed = _follow_records(session, run_id, losers, assignment.retired)
    rows: list[tuple[str, tuple[str, ...], tuple[int, ...]]] = [
        (e.kind, e.person_ids, e.record_counts) for e in assignment.events
    ]
    rows += [(REDIRECT, (old, new), (count,)) for old, new, count in followed]
    if rows:
        columns = ("run_id", "kind", "person_ids", "record_counts", "person_id")
        BulkInsert(session, _EVENTS, columns).write(
            (run_id, kind, _ids_json(ids), _counts_json(counts), ids[0])
            for kind, ids, counts in rows
        )
    session.flush()


def _follow_records(
    session: Session, run_id: int, losers: set[str], retired_now: Mapping[str, str | None]
) -> list[tuple[str, str, int]]:
    """Point ids merged away in earlier runs at where the records they brought are now.

    A redirect says where an id's records went. When the person an id was merged into later
    loses those records — a split that undoes a wrong merge, most often — the redirect would
    send the old id (a practitioner's bookmark, a resident's account, a relationship declared
    under it, an objection made under it) to a person who no longer holds anything it stood
    for. So each id retired before this run that redirects to a person that lost records in it
    is pointed at the person now holding most of the records it brought (of several as many,
    the one it points at already, then the smallest id); when none of them is held by anyone
    it keeps its redirect. Returns ``(id, new redirect, records there)`` for each repointed.
    """
    if not losers:
        return []
    # A person that lost records and was merged away in this run: its redirects already
    # point at the survivor (``apply_assignment`` repointed them).
    targets = losers | {new for old, new in retired_now.items() if old in losers and new}
    pointing: dict[str, str] = {}
    for part in _chunks(sorted(targets), _IN_CHUNK):
        query = select(_PERSONS.c.person_id, _PERSONS.c.redirect_to).where(
            _PERSONS.c.status == "retired",
            _PERSONS.c.redirect_to.in_(part),
            _PERSONS.c.retired_run < run_id,
        )
        pointing.update({pid: target for pid, target in session.execute(query)})
    if not pointing:
        return []
    # The records each brought: its membership rows closed by the run that retired it.
    brought: dict[str, list[str]] = {}
    for part in _chunks(sorted(pointing), _IN_CHUNK):
        query = (
            select(_MEMBERS.c.person_id, _MEMBERS.c.record_key)
            .select_from(_MEMBERS.join(_PERSONS, _PERSONS.c.person_id == _MEMBERS.c.person_id))
            .where(_MEMBERS.c.person_id.in_(part), _MEMBERS.c.to_run == _PERSONS.c.retired_run)
        )
        for pid, key in session.execute(query):
            brought.setdefault(pid, []).append(key)
    held = current_membership(session, {key for keys in brought.values() for key in keys})
    followed: list[tuple[str, str, int]] = []
    for pid in sorted(brought):
        counts: dict[str, int] = {}
        for key in brought[pid]:
            if key in held:
                counts[held[key].person_id] = counts.get(held[key].person_id, 0) + 1
        if not counts:
            continue  # every record it brought ended: nowhere better to point
        now = pointing[pid]
        best = min(counts, key=lambda holder: (-counts[holder], holder != now, holder))
        if best != now:
            followed.append((pid, best, counts[best]))
    if followed:
        statement = (
            update(_PERSONS)
            .where(_PERSONS.c.person_id == bindparam("old"))
            .values(redirect_to=bindparam("new"))
        )
        session.connection().execute(statement, [{"old": o, "new": n} for o, n, _ in followed])
    return followed


# A first full run writes an event per person, most of a million: their two short JSON lists,
# written as the compact encoder writes them (``store.db``), cost a fifth of the encoder's time.
# Ids of other characters, and counts not plain ints, go to the encoder as before.
_PLAIN_ID = re.compile(r"[0-9A-Za-z_-]*")


def _ids_json(person_ids: tuple[str, ...]) -> JsonText | list[str]:
    if person_ids and all(type(p) is str and _PLAIN_ID.fullmatch(p) for p in person_ids):
        return JsonText('["' + '","'.join(person_ids) + '"]')
    return list(person_ids)


def _counts_json(counts: tuple[int, ...]) -> JsonText | list[int]:
    if all(type(c) is int for c in counts):
        return JsonText("[" + ",".join([str(c) for c in counts]) + "]")
    return list(counts)


def count_active(session: Session) -> int:
    """How many persons are active."""
    return int(session.scalar(select(func.count()).where(_PERSONS.c.status == "active")) or 0)


def lookup_person(session: Session, person_id: str) -> PersonLookup:
    """Find a person by id, following redirects from retired ids to where their records went.

    Returns a :class:`PersonLookup`: for an active id, itself; for a merged-away id, the active
    person it now redirects to and the retired ids passed through; for an id whose records all
    ended, ``person_id`` ``None`` and status ``retired``. An id never issued raises
    :class:`PersonNotFound`. ``person_id`` is taken as typed: its case and spaces do not matter
    (:func:`joinedup.linkage.ids.normalise_person_id`), and ``requested`` is its stored form.
    """
    person_id = normalise_person_id(person_id)
    requested = person_id
    hops: list[tuple[str, int | None]] = []
    for _ in range(_REDIRECT_HOPS):
        person = session.get(Person, person_id)
        if person is None:
            if not hops:
                raise PersonNotFound(f"no person has the id {requested!r}")
            raise RuntimeError(f"person redirect leads to a missing id from {requested!r}")
        if person.status == "active":
            return PersonLookup(requested, person.person_id, "active", tuple(hops))
        hops.append((person.person_id, person.retired_run))
        if person.redirect_to is None:
            return PersonLookup(requested, None, "retired", tuple(hops))
        person_id = person.redirect_to
    raise RuntimeError(f"person redirects from {requested!r} do not end")


def merged_ids(session: Session, person_id: str) -> tuple[str, ...]:
    """``person_id`` and every retired id whose records went to it, oldest merge first.

    What was recorded against an id before it was merged away — a resident's objection, who
    looked at their record — still belongs to the person: the resident's choices, access log
    and policy read it under all of these ids. Redirect chains are one hop deep
    (:func:`apply_assignment`), so one query finds them all.

    >>> merged_ids(session, "PANNE00000001")   # doctest: +SKIP
    ('PANNE00000001', 'POLD000000003')
    """
    retired = session.scalars(
        select(_PERSONS.c.person_id)
        .where(_PERSONS.c.redirect_to == person_id, _PERSONS.c.status == "retired")
        .order_by(_PERSONS.c.retired_run, _PERSONS.c.person_id)
    )
    return (person_id, *retired)


def ended_member_keys(session: Session, person_ids: Iterable[str]) -> list[str]:
    """Record keys that were the persons' and are now no one's: their records ended.

    A record that moved to another person (a split, a merge) is that person's now and is left
    out; a record that left the index because its source no longer holds it is still stored,
    with its versions, and is still about the person (a subject access pack includes it).
    """
    ids = sorted(set(person_ids))
    now = _MEMBERS.alias("now")
    # Correlated, so each key is one look-up in the (record_key, to_run) index.
    held_now = (
        select(now.c.record_key)
        .where(now.c.record_key == _MEMBERS.c.record_key, now.c.to_run.is_(None))
        .exists()
    )
    out: set[str] = set()
    for part in _chunks(ids, _IN_CHUNK):
        out.update(
            session.scalars(
                select(_MEMBERS.c.record_key).where(
                    _MEMBERS.c.person_id.in_(part), _MEMBERS.c.to_run.is_not(None), ~held_now
                )
            )
        )
    return sorted(out)


def export_rows(session: Session) -> Iterator[tuple[str, str, str]]:
    """``(source, source_record_id, person_id)`` for every current stored record, ordered.

    A stored record the index does not hold yet (ingested after the last run) has an empty
    person id, so the export still has one row per current record.
    """
    records = cast(Table, SourceRecord.__table__)
    query = (
        select(records.c.source_id, records.c.record_id, _MEMBERS.c.person_id)
        .select_from(
            records.outerjoin(
                _MEMBERS,
                (_MEMBERS.c.to_run.is_(None))
                & (_MEMBERS.c.record_key == records.c.source_id + "|" + records.c.record_id),
            )
        )
        .where(records.c.valid_to.is_(None))
        .order_by(records.c.source_id, records.c.record_id)
        .execution_options(yield_per=20_000)
    )
    for source_id, record_id, pid in session.execute(query):
        yield source_id, record_id, pid or ""


def members_view(session: Session, person_id: str) -> list[tuple[str, str, str, int]]:
    """The current records of one person as ``(record_key, source, record_id, from_run)``."""
    query = (
        select(_MEMBERS.c.record_key, _MEMBERS.c.from_run)
        .where(_MEMBERS.c.to_run.is_(None), _MEMBERS.c.person_id == person_id)
        .order_by(_MEMBERS.c.record_key)
    )
    out = []
    for key, from_run in session.execute(query):
        source_id, record_id = split_record_key(key)
        out.append((key, source_id, record_id, from_run))
    return out
