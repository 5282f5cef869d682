"""Which open review items a reviewer works on: one source or a pair of sources, one kind, a
lowest risk, one person.

A council's reviewer on a busy day works the queue a slice at a time ("all the council tax and
GP pairs", "only weakly-held persons", "everything above risk 1.5", "what touches this person").
``queue_filter`` checks what was typed and says in words what is wrong with it (a source the hub
does not hold, a kind that is not ``pair`` or ``person``, a risk outside 0–2, a person id never
issued); ``QueueFilter.conditions`` is the filter as SQL, so the queue's order (largest risk
first) and its count are the same filtered as not.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from joinedup.errors import JoinedupError
from joinedup.linkage.persons import PersonNotFound, lookup_person
from joinedup.store.linkage_tables import PersonMember, ReviewItem
from joinedup.store.sources import list_sources

#: What a reviewer calls each kind of item, and the queue's reason for it: a ``pair`` that may
#: be a missed link, or a ``person`` held together only by weak evidence (a possible wrong merge).
KINDS: dict[str, str] = {"pair": "uncertain", "person": "weak_link"}
#: The risks an item can have (``review.uncertain_risk`` 0–1, ``review.weak_link_risk`` 1–2).
RISK_RANGE = (0.0, 2.0)
#: A pair has two sides, so at most two sources name one.
SOURCES_MAX = 2


@dataclass(frozen=True)
class QueueFilter:
    """A checked filter over the open queue (``queue_filter`` makes one).

    ``sources``: one source id (either record from it) or two (one record from each; the same
    id twice is a pair inside that source). ``kind``: ``pair`` or ``person`` (``KINDS``).
    ``min_risk``: items at this risk or above. ``person_id``: the active person whose records
    or weak link the item touches (a retired id is followed to where its records went).
    """

    sources: tuple[str, ...] = ()
    kind: str | None = None
    min_risk: float | None = None
    person_id: str | None = None

    @property
    def active(self) -> bool:
        """Whether the filter leaves anything out."""
        return bool(self.sources or self.kind or self.min_risk is not None or self.person_id)

    def conditions(self) -> list[Any]:
        """The filter as SQL conditions on ``review_items``, open items only."""
        where: list[Any] = [ReviewItem.status == "open"]
        if self.kind is not None:
            where.append(ReviewItem.reason == KINDS[self.kind])
        if self.min_risk is not None:
            where.append(ReviewItem.risk >= self.min_risk)
        if len(self.sources) == 1:
            where.append(or_(_from(ReviewItem.record_key_l, self.sources[0]),
                             _from(ReviewItem.record_key_r, self.sources[0])))  # fmt: skip
        elif len(self.sources) == 2:
            a, b = self.sources
            where.append(
                or_(
                    and_(_from(ReviewItem.record_key_l, a), _from(ReviewItem.record_key_r, b)),
                    and_(_from(ReviewItem.record_key_l, b), _from(ReviewItem.record_key_r, a)),
                )
            )
        if self.person_id is not None:
            members = select(PersonMember.record_key).where(
                PersonMember.person_id == self.person_id, PersonMember.to_run.is_(None)
            )
            where.append(
                or_(
                    ReviewItem.person_id == self.person_id,
                    ReviewItem.record_key_l.in_(members),
                    ReviewItem.record_key_r.in_(members),
                )
            )
        return where


def _from(column: Any, source_id: str) -> Any:
    # A record key is "source|record id"; a source id may hold "_", a LIKE wildcard.
    return column.startswith(f"{source_id}|", autoescape=True)


NO_FILTER = QueueFilter()


class FilterRefused(JoinedupError):
    """A filter a reviewer asked for that cannot be applied; ``field`` names which part
    (``source``, ``kind``, ``min_risk`` or ``person``), so a form can say it by that field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def queue_filter(
    session: Session,
    *,
    sources: Iterable[str] = (),
    kind: str | None = None,
    min_risk: float | None = None,
    person: str | None = None,
) -> QueueFilter:
    """Check what a reviewer asked for and return it as a :class:`QueueFilter`.

    Empty values mean "any". Raises ``FilterRefused`` naming what is wrong: a source id the hub
    does not hold (listing those it does), more than two sources, a kind other than ``pair`` or
    ``person``, a risk that is not a number from 0 to 2, or a person id never issued. Example:
    ``queue_filter(session, sources=["council_tax", "gp_registrations"], kind="pair")``.
    """
    wanted = tuple(s.strip() for s in sources if s and s.strip())
    if len(wanted) > SOURCES_MAX:
        raise FilterRefused(
            "source",
            f"a pair has two records, so name at most {SOURCES_MAX} sources; got {len(wanted)}",
        )
    if wanted:
        held = [source.id for source in list_sources(session)]
        unknown = [s for s in wanted if s not in held]
        if unknown:
            raise FilterRefused(
                "source",
                f"no source {unknown[0]!r} in this hub; its sources are {', '.join(sorted(held))}",
            )
    kind = (kind or "").strip() or None
    if kind is not None and kind not in KINDS:
        raise FilterRefused(
            "kind",
            f"a kind is 'pair' (a possible missed link) or 'person' (a person held together "
            f"by weak evidence), got {kind!r}",
        )
    low, high = RISK_RANGE
    if min_risk is not None and not (math.isfinite(min_risk) and low <= min_risk <= high):
        raise FilterRefused(
            "min_risk", f"a risk is a number from {low:g} to {high:g}, got {min_risk!r}"
        )
    person_id = None
    if person is not None and person.strip():
        try:
            found = lookup_person(session, person)
        except PersonNotFound as exc:
            raise FilterRefused("person", str(exc)) from None
        person_id = found.person_id or found.requested
    return QueueFilter(wanted, kind, min_risk, person_id)
