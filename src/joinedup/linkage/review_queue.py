"""The review queue: which pairs a person should look at, how risky each is, what is open.

Two kinds of pair go to the queue:

- ``uncertain`` — a scored pair in the review band (``thresholds.REVIEW_BAND``) whose records
  the run left in different persons: possibly a missed link.
- ``weak_link`` — the weakest pair holding a person together, when it is not much above the
  link threshold: possibly a wrong merge.

A wrong merge shows one resident's record to another's practitioner, so weak links rank above
every uncertain pair (risk 1–2 against 0–1); within each kind, the nearer the evidence is to the
threshold the higher the risk. ``find_candidates`` is pure; ``open_items``, ``open_count`` and
``refresh_queue`` read and write the queue (``queue_filter`` narrows what is listed).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd
from sqlalchemy import Table, delete, func, or_, select
from sqlalchemy.orm import Session

from joinedup.errors import JoinedupError
from joinedup.linkage import pair_keys, thresholds
from joinedup.linkage.contradictions import (
    root_of,
)
from joinedup.linkage.queue_filter import NO_FILTER, QueueFilter
from joinedup.linkage.review_pairs import canonical_pair, format_pair
from joinedup.store.bulk import BulkInsert
from joinedup.store.linkage_tables import ReviewItem

#: A person whose weakest holding pair is below this weight is "held together only by weak
#: evidence": 3 bits (8 times the Bayes factor) above the automatic link threshold.
WEAK_LINK_MARGIN = 3.0


@dataclass(frozen=True)
class Candidate:
    """A pair the queue should hold, with why and how risky leaving it unreviewed is."""

    pair: tuple[str, str]
    match_weight: float | None
    match_probability: float | None
    reason: str
    risk: float
    person_id: str | None = None


@dataclass(frozen=True)
class QueueEntry:
    """An open review item as ``review list`` shows it."""

    id: int
    pair: tuple[str, str]
    match_weight: float | None
    match_probability: float | None
    reason: str
    risk: float
    person_id: str | None

    @property
    def label(self) -> str:
        """The pair as ``review decide`` accepts it."""
        return format_pair(self.pair)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        return {
            "id": self.id,
            "pair": self.label,
            "record_l": self.pair[0],
            "record_r": self.pair[1],
            "match_weight": self.match_weight,
            "match_probability": self.match_probability,
            "reason": self.reason,
            "risk": self.risk,
            "person_id": self.person_id,
        }


def uncertain_risk(probability: float) -> float:
    """Risk of an uncertain pair: 1 at probability 0.5, falling to 0 at 0 and 1."""
    return 1.0 - abs(2.0 * probability - 1.0)


def weak_link_risk(weight: float, link_weight: float) -> float:
    """Risk of a weak holding pair: 2 at the link threshold, 1 at ``WEAK_LINK_MARGIN`` above."""
    return 1.0 + min(1.0, max(0.0, (link_weight + WEAK_LINK_MARGIN - weight) / WEAK_LINK_MARGIN))


def find_candidates(
    pairs: pd.DataFrame,
    membership: Mapping[str, str],
    *,
    decided: Iterable[tuple[str, str]] = (),
    band: tuple[float, float] = thresholds.REVIEW_BAND,
) -> list[Candidate]:
    """The review candidates among scored ``pairs`` given the persons records ended up in.

    ``pairs`` has ``unique_id_l``, ``unique_id_r``, ``match_weight`` and ``match_probability``;
    ``membership`` maps record keys to person ids. Pairs already ``decided`` are left out. The
    result is sorted largest risk first, then by pair, so it is the same on every run.
    """
    low, high = band
    link_weight = thresholds.probability_to_weight(high)
    out: list[Candidate] = []
    if not len(pairs):
        return out
    # Whole columns at a time, and only the pairs from the band up: a full run over a million
    # records scores millions of pairs, most far below it, and a Python loop over them all cost
    # more than the rest of the queue.
    _refuse_self_pairs(pairs)
    probability = pairs["match_probability"].to_numpy(dtype=float)
    rows = np.flatnonzero(probability >= low)
    first = pair_keys.rows_as_strings(pairs["unique_id_l"], rows)
    second = pair_keys.rows_as_strings(pairs["unique_id_r"], rows)
    probability = probability[rows]
    weight = pairs["match_weight"].to_numpy(dtype=float)[rows]
    swap = first > second
    left, right = np.where(swap, second, first), np.where(swap, first, second)
    done = set(decided)
    keep = np.ones(len(rows), dtype=bool)
    if done:
        keep = np.fromiter(
            ((a, b) not in done for a, b in zip(left, right, strict=True)), bool, len(rows)
        )
    persons = pd.Series(membership, dtype=object)
    person_l = persons.reindex(left).to_numpy()
    person_r = persons.reindex(right).to_numpy()
    together = pd.notna(person_l) & (person_l == person_r)
    for i in np.flatnonzero(keep & ~together & (probability < high)).tolist():
        p = float(probability[i])
        pair = (str(left[i]), str(right[i]))
        out.append(Candidate(pair, float(weight[i]), p, "uncertain", uncertain_risk(p)))
    # The strongest pair seen between each record and each other record of its person, kept
    # per person as edges for a maximum spanning forest.
    inside = np.flatnonzero(keep & together & (probability >= high))
    edges = pd.DataFrame({"person": person_l[inside], "row": inside})
    counts = edges.groupby("person", sort=False)["row"].transform("size").to_numpy()
    for person_id, held in _holding_edges(edges, counts):
        if len(held) == 1:  # one strong pair inside the person: it is what holds it
            i = held[0]
            weakest = (float(weight[i]), str(left[i]), str(right[i]), float(probability[i]))
        else:
            found = _weakest_holding_edge(
                [(float(weight[i]), left[i], right[i], float(probability[i])) for i in held]
            )
            if found is None:
                continue
            weakest = found
        if weakest[0] < link_weight + WEAK_LINK_MARGIN:
            w, a, b, p = weakest
            out.append(
                Candidate((a, b), w, p, "weak_link", weak_link_risk(w, link_weight), person_id)
            )
    out.sort(key=lambda c: (-c.risk, c.pair))
    return out


def _refuse_self_pairs(pairs: pd.DataFrame) -> None:
    coded = pair_keys.codes(pairs["unique_id_l"], pairs["unique_id_r"])
    if coded is not None:
        same = np.flatnonzero(coded[1] == coded[2])
    else:
        first = pairs["unique_id_l"].astype(str).to_numpy()
        same = np.flatnonzero(first == pairs["unique_id_r"].astype(str).to_numpy())
    if len(same):
        row = pairs.iloc[int(same[0])]
        canonical_pair(str(row["unique_id_l"]), str(row["unique_id_r"]))


def _holding_edges(edges: pd.DataFrame, counts: np.ndarray) -> list[tuple[str, list[int]]]:
    """Each person's rows among ``edges`` (columns ``person``, ``row``), in row order."""
    persons = edges["person"].to_numpy()
    rows = edges["row"].to_numpy()
    single = counts == 1
    out: list[tuple[str, list[int]]] = [
        (person_id, [row])
        for person_id, row in zip(persons[single], rows[single].tolist(), strict=True)
    ]
    # The rest grouped by sorting, not by pandas' groupby, whose groups are a Series each.
    codes, _ = pd.factorize(persons[~single])
    order = np.lexsort((rows[~single], codes))
    grouped_rows, grouped_persons = rows[~single][order], persons[~single][order]
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    bounds: list[int] = [*starts.tolist(), len(order)] if len(order) else []
    for lo, hi in itertools.pairwise(bounds):
        out.append((str(grouped_persons[lo]), grouped_rows[lo:hi].tolist()))
    return out


def _weakest_holding_edge(
    edges: list[tuple[float, str, str, float]],
) -> tuple[float, str, str, float] | None:
    # Kruskal on the strongest edges first: the last edge the spanning forest needs is the
    # weakest link the person cannot do without.
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        return root_of(parent, node)

    weakest = None
    for edge in sorted(edges, key=lambda e: (-e[0], e[1], e[2])):
        a, b = find(edge[1]), find(edge[2])
        if a != b:
            parent[a] = b
            weakest = edge
    return weakest


def open_items(
    session: Session,
    limit: int | None = None,
    offset: int = 0,
    *,
    only: QueueFilter | None = None,
) -> list[QueueEntry]:
    """The open review items, largest risk first (ties by pair, so the order is repeatable),
    from the ``offset``-th on (0 is the riskiest), at most ``limit`` of them; ``only`` those
    a filter (``queue_filter``) lets through, in the same order."""
    if limit is not None and limit < 1:
        raise JoinedupError("--limit must be at least 1")
    if offset < 0:
        raise JoinedupError("an offset into the queue is 0 or more")
    query = (
        select(ReviewItem)
        .where(*_open_where(only))
        .order_by(ReviewItem.risk.desc(), ReviewItem.record_key_l, ReviewItem.record_key_r)
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return [
        QueueEntry(
            item.id,
            (item.record_key_l, item.record_key_r),
            item.match_weight,
            item.match_probability,
            item.reason,
            item.risk,
            item.person_id,
        )
        for item in session.scalars(query)
    ]


def _open_where(only: QueueFilter | None) -> list[Any]:
    return (only or NO_FILTER).conditions()


def open_count(session: Session, *, only: QueueFilter | None = None) -> int:
    """How many review items are open (``only`` those a filter lets through): what every
    front end reports as the queue's length."""
    return int(session.scalar(select(func.count()).where(*_open_where(only))) or 0)


def refresh_queue(
    session: Session,
    run_id: int,
    candidates: list[Candidate],
    *,
    scope: Iterable[str] | None = None,
    moved: Iterable[str] = (),
    membership: Mapping[str, str] | None = None,
) -> int:
    """Bring the open queue up to date with a run's candidates; returns how many are open.

    Open items that touch a record in ``scope`` — the records whose pairs the run scored;
    every record when ``scope`` is ``None``, as in a full run — and are no longer candidates
    are removed; candidates already open get the new scores; decided pairs are never reopened.
    An incremental run also names the records a merge or a split ``moved`` to another person,
    with every record's person after the run (``membership``): their other open items are
    checked against it (``_restate_moved``). Returns the number of open items after the run.
    """
    wanted = {c.pair for c in candidates}
    if scope is None:
        session.execute(delete(ReviewItem).where(ReviewItem.status == "open"))
    else:
        for part in _chunks(scope):
            stale = session.execute(
                select(ReviewItem.id, ReviewItem.record_key_l, ReviewItem.record_key_r).where(
                    ReviewItem.status == "open",
                    or_(ReviewItem.record_key_l.in_(part), ReviewItem.record_key_r.in_(part)),
                )
            )
            ids = [item_id for item_id, left, right in stale if (left, right) not in wanted]
            if ids:
                session.execute(delete(ReviewItem).where(ReviewItem.id.in_(ids)))
        _restate_moved(session, moved, membership or {}, wanted)
    existing: dict[tuple[str, str], ReviewItem] = {}
    wanted_pairs = wanted
    # By left key, then the exact pair in Python: SQLite plans a row-value IN as a scan of the
    # whole queue, while ``record_key_l IN (...)`` searches the unique (left, right) index.
    lefts = sorted({left for left, _right in wanted_pairs})
    for start in range(0, len(lefts), 400):
        chunk = lefts[start : start + 400]
        for found in session.scalars(select(ReviewItem).where(ReviewItem.record_key_l.in_(chunk))):
            pair = (found.record_key_l, found.record_key_r)
            if pair in wanted_pairs:
                existing[pair] = found
    columns = (
        "record_key_l",
        "record_key_r",
        "match_weight",
        "match_probability",
        "reason",
        "risk",
        "status",
        "run_id",
        "person_id",
    )
    fresh: list[tuple[Any, ...]] = []
    for candidate in candidates:
        item = existing.get(candidate.pair)
        if item is not None:
            if item.status == "open":
                item.match_weight = candidate.match_weight
                item.match_probability = candidate.match_probability
                item.reason = candidate.reason
                item.risk = candidate.risk
                item.run_id = run_id
                item.person_id = candidate.person_id
            continue
        fresh.append(
            (
                candidate.pair[0],
                candidate.pair[1],
                _finite(candidate.match_weight),
                candidate.match_probability,
                candidate.reason,
                candidate.risk,
                "open",
                run_id,
                candidate.person_id,
            )
        )
    session.flush()
    # Straight to the driver: a full run over a large index can queue a hundred thousand pairs.
    BulkInsert(session, cast(Table, ReviewItem.__table__), columns).write(fresh)
    return open_count(session)


def _restate_moved(
    session: Session,
    moved: Iterable[str],
    membership: Mapping[str, str],
    candidates: set[tuple[str, str]],
) -> None:
    """Open items on records a merge or a split moved, whose pairs this run did not score.

    An ``uncertain`` pair now in one person is no longer a possible missed link, and a
    ``weak_link`` pair now in two persons no longer holds anyone together: both leave the
    queue. A weak link still inside one person names that person's id now, not one the run
    retired. Anything else stands until a run scores the pair again.
    """
    gone: list[int] = []
    for part in _chunks(moved):
        items = session.scalars(
            select(ReviewItem).where(
                ReviewItem.status == "open",
                or_(ReviewItem.record_key_l.in_(part), ReviewItem.record_key_r.in_(part)),
            )
        )
        for item in items:
            if (item.record_key_l, item.record_key_r) in candidates:
                continue
            left, right = membership.get(item.record_key_l), membership.get(item.record_key_r)
            together = left is not None and left == right
            if together == (item.reason == "uncertain"):
                gone.append(item.id)
            elif item.reason == "weak_link":
                item.person_id = left
    session.flush()
    for start in range(0, len(gone), 400):
        session.execute(delete(ReviewItem).where(ReviewItem.id.in_(gone[start : start + 400])))


def _chunks(keys: Iterable[str], size: int = 400) -> Iterable[list[str]]:
    ordered = sorted(set(keys))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None
