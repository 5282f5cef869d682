"""The index as a link run finds it: the current records' frame, versions, membership and
reviewers' decisions, read whole for a full run or as far as an incremental run reaches."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

import pyarrow as pa
from sqlalchemy.orm import Session

from joinedup.linkage import candidates, feed, frame_cache, review
from joinedup.linkage.incremental import Delta, find_delta
from joinedup.linkage.persons import Linked, current_membership, members_of

Progress = Callable[[str], None]


@dataclass
class Loaded:
    """The index as a run finds it.

    ``table`` is every current record's model frame with its version (``frame_cache.schema``).
    A full run also has every version and the whole membership. An incremental run that
    started from the cache has ``versions`` and ``linked`` only for the records it reaches,
    read as it goes (``complete`` is false).
    ``taken_in`` and ``taken_out`` are the versions the run marks in the change feed
    (``feed``); ``refreshed`` says how the table differs from the cache it came from.
    """

    table: pa.Table
    versions: dict[str, int]
    linked: dict[str, Linked]
    decisions: dict[tuple[str, str], str]
    delta: Delta
    complete: bool
    taken_in: frozenset[int] = frozenset()
    taken_out: frozenset[int] = frozenset()
    refreshed: frame_cache.Refreshed | None = None

    def reach(self, session: Session, keys: Collection[str]) -> None:
        """Make sure ``versions`` and ``linked`` hold these records (those still current)."""
        if self.complete:
            return
        wanted = set(keys) - self.versions.keys()
        if not wanted:
            return
        rows = candidates.only(self.table, wanted)
        found = rows.column("unique_id").to_pylist()
        self.versions.update(
            zip(found, rows.column(frame_cache.VERSION_COLUMN).to_pylist(), strict=True)
        )
        missing = set(keys) - self.linked.keys()
        if missing:
            self.linked.update(current_membership(session, missing))

    def reach_persons(self, session: Session, person_ids: Collection[str]) -> None:
        """Make sure ``linked`` and ``versions`` hold every record of these persons."""
        if self.complete or not person_ids:
            return
        members = members_of(session, person_ids)
        self.linked.update(members)
        self.reach(session, members)


def load(
    session: Session,
    cached: frame_cache.Cached | None,
    full: bool,
    adults: frozenset[str],
    say: Progress,
) -> Loaded:
    say("reading records")
    decisions = review.decisions_in_force(session)
    changes = feed.read(session)
    refreshed: frame_cache.Refreshed | None = None
    if cached is not None:
        refreshed = frame_cache.refresh(session, cached.table, changes, adult_sources=adults)
        table = refreshed.table
    else:
        table, versions = frame_cache.from_store(session, adult_sources=adults)
    if full or cached is None:
        if cached is not None:
            ids = table.column("unique_id").to_pylist()
            numbers = table.column(frame_cache.VERSION_COLUMN).to_pylist()
            versions = dict(zip(ids, numbers, strict=True))
        linked = current_membership(session)
        data = Loaded(table, versions, linked, {}, find_delta(versions, linked), True)
        data.taken_in = _taken_in(versions, linked, changes, refreshed)
        present: set[str] = set(versions)
    else:
        assert refreshed is not None  # an incremental run from the cache
        present = candidates.present(table, {key for pair in decisions for key in pair})
        # The cache is the last run's index, so a fresh record it held under an older version
        # changed, a fresh record it did not hold is new, and a record it held whose version is
        # no longer current, with no fresh version, ended.
        delta = Delta(
            new=refreshed.fresh - refreshed.stale,
            changed=refreshed.fresh & refreshed.stale,
            ended=refreshed.stale - refreshed.fresh,
        )
        data = Loaded(table, {}, {}, {}, delta, complete=False)
        data.taken_in = refreshed.linked
        data.reach(session, delta.scored | delta.ended)
    data.taken_out = frozenset(int(v) for v in changes.ended)
    data.refreshed = refreshed
    data.decisions = {
        pair: decision
        for pair, decision in decisions.items()
        if pair[0] in present and pair[1] in present
    }
    data.reach(session, {key for pair in data.decisions for key in pair})
    return data


def _taken_in(
    versions: Mapping[str, int],
    linked: Mapping[str, Linked],
    changes: feed.Feed,
    refreshed: frame_cache.Refreshed | None,
) -> frozenset[int]:
    """The versions a run that read every current record takes into the index: those no
    person held at that version, and those still pending in the feed."""
    if refreshed is not None:
        return refreshed.linked
    held = {linked_record.version for linked_record in linked.values()}
    current = set(versions.values())
    pending = {int(v) for v in changes.pending} & current
    return frozenset({v for v in current if v not in held} | pending)
