"""Which ids held a person's records, and when: to read what was recorded about them then.

Something recorded against a person id at a time — an access on the audit trail — is about the
records that id held at that time. Linkage moves records between ids: a merge brings another
id's records to a person, a split takes some away to a new person. So what was recorded about
a person's records may sit under other ids than theirs, and what sits under their id may be
about records that are someone else's now (linkage had joined two residents, and split them).

:func:`lineage` reads a person's records' membership history (``person_members``: each row is
an id holding a record from one run to another) with the times those runs took effect, so a
reader can ask, for an id and a time, which of the person's records that id held then.
Nothing here knows about users, purposes or the audit trail; ``services`` decide what to show.

Example::

    found = lineage(session, "PANNE00000001")
    found.holders()                  # {"PANNE00000001": None, "PSPLITFROM0001": <until>, …}
    found.records_at("PSPLITFROM0001", event.at)   # the person's records it held then
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, type_coerce
from sqlalchemy.orm import InstrumentedAttribute, Session

from joinedup.linkage.persons import ended_member_keys, members_of, merged_ids
from joinedup.store.base import UTCDateTime
from joinedup.store.linkage_tables import LinkRun, PersonMember

_IN_CHUNK = 900


@dataclass(frozen=True)
class Span:
    """``holder`` held ``record_key`` from ``start`` until ``end`` (``None``: still holds it)."""

    holder: str
    record_key: str
    start: datetime
    end: datetime | None

    def covers(self, at: datetime) -> bool:
        """Whether the record was ``holder``'s at ``at``."""
        return self.start <= at and (self.end is None or at < self.end)


@dataclass(frozen=True)
class Lineage:
    """A person's records and every id that held them, with when.

    ``family`` is the person's id and the ids merged into it (:func:`~joinedup.linkage.persons.
    merged_ids`): what is recorded under them is the person's by id. ``mine`` are the spans of
    the person's records (current, or ended while theirs) under every id that held them;
    ``others`` the spans, under the family's ids, of records that are someone else's now.
    """

    person_id: str
    family: tuple[str, ...]
    mine: tuple[Span, ...]
    others: tuple[Span, ...] = ()

    def holders(self) -> dict[str, datetime | None]:
        """Every id under which something about the person may be recorded → until when
        (``None``: any time). An id outside the family counts until it last held one of the
        person's records: what it recorded later is about someone else."""
        out: dict[str, datetime | None] = dict.fromkeys(self.family)
        for span in self.mine:
            if span.holder in self.family:
                continue
            if span.end is None:
                out[span.holder] = None
            elif span.holder not in out or (
                (until := out[span.holder]) is not None and until < span.end
            ):
                out[span.holder] = span.end
        return out

    def records_at(self, holder: str, at: datetime) -> tuple[str, ...]:
        """The person's records that ``holder`` held at ``at``, sorted."""
        return tuple(
            sorted({s.record_key for s in self.mine if s.holder == holder and s.covers(at)})
        )

    def held_others_at(self, holder: str, at: datetime) -> bool:
        """Whether ``holder`` (one of the family) held, at ``at``, records that are someone
        else's now."""
        return any(s.holder == holder and s.covers(at) for s in self.others)


def lineage(session: Session, person_id: str) -> Lineage:
    """The :class:`Lineage` of ``person_id``: its records' membership history, with times.

    A run's changes take effect when it commits, just after its ``finished_at`` (a run still
    recorded without one counts from its start). A record is the person's when it is a current
    record of theirs, or it ended (its source no longer holds it) while in the family's ids.
    """
    family = merged_ids(session, person_id)
    current = set(members_of(session, [person_id]))
    ended = set(ended_member_keys(session, family))
    rows = _rows(session, PersonMember.record_key, sorted(current | ended))
    latest: dict[str, tuple[int, str]] = {}
    for key, holder, _from_run, to_run in rows:
        place = (to_run if to_run is not None else 2**62, holder)
        if key not in latest or latest[key] < place:
            latest[key] = place
    # An ended record is the person's if it ended while the family held it (not after moving on).
    kept = current | {k for k in ended if k in latest and latest[k][1] in family}
    family_rows = _rows(session, PersonMember.person_id, family)
    times = _run_times(session, {run for row in (*rows, *family_rows) for run in row[2:] if run})
    mine = tuple(_span(row, times) for row in rows if row[0] in kept)
    others = tuple(_span(row, times) for row in family_rows if row[0] not in kept)
    return Lineage(person_id, family, mine, others)


def _rows(
    session: Session, column: InstrumentedAttribute[str], values: Iterable[str]
) -> list[tuple[str, str, int, int | None]]:
    out: list[tuple[str, str, int, int | None]] = []
    wanted = sorted(set(values))
    columns = (
        PersonMember.record_key,
        PersonMember.person_id,
        PersonMember.from_run,
        PersonMember.to_run,
    )
    for start in range(0, len(wanted), _IN_CHUNK):
        part = wanted[start : start + _IN_CHUNK]
        query = select(*columns).where(column.in_(part))
        out.extend((k, p, f, t) for k, p, f, t in session.execute(query))
    return out


def _run_times(session: Session, run_ids: set[int]) -> dict[int, datetime]:
    took_effect = type_coerce(func.coalesce(LinkRun.finished_at, LinkRun.started_at), UTCDateTime())
    out: dict[int, datetime] = {}
    wanted = sorted(run_ids)
    for start in range(0, len(wanted), _IN_CHUNK):
        query = select(LinkRun.id, took_effect.label("at")).where(
            LinkRun.id.in_(wanted[start : start + _IN_CHUNK])
        )
        out.update({run_id: at for run_id, at in session.execute(query)})
    return out


def _span(row: tuple[str, str, int, int | None], times: dict[int, datetime]) -> Span:
    key, holder, from_run, to_run = row
    return Span(holder, key, times[from_run], times[to_run] if to_run is not None else None)
