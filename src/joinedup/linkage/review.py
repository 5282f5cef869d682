"""The review queue and reviewers' decisions: what a person should look at, and what they said.

Two kinds of pair go to the queue:

- ``uncertain`` — a scored pair in the review band (``thresholds.REVIEW_BAND``) whose records
  the run left in different persons: possibly a missed link.
- ``weak_link`` — the weakest pair holding a person together, when it is not much above the
  link threshold: possibly a wrong merge.

A wrong merge shows one resident's record to another's practitioner, so weak links rank above
every uncertain pair (risk 1–2 against 0–1); within each kind, the nearer the evidence is to the
threshold the higher the risk. Decisions are appended, never edited; the latest per pair is in
force and every later run obeys it (``link`` pairs are always in one person, ``not-link`` pairs
never). So decisions must not contradict each other, even through other pairs: ``link``
decisions join their records into groups, and a ``not-link`` pair inside one group could never
be obeyed. ``decide`` refuses such a decision and names the decisions it contradicts (the
check itself is ``contradictions``). The scoring is pure; the functions taking a ``Session``
read and write the queue and the decisions.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Any, Literal, cast

import numpy as np
import pandas as pd
from sqlalchemy import Table, delete, func, or_, select, text, update
from sqlalchemy.orm import Session

from joinedup.errors import JoinedupError
from joinedup.linkage import pair_keys, thresholds
from joinedup.linkage.contradictions import (
    Contradiction,
    DecisionInForce,
    contradictions,
    introduced_by,
    root_of,
)
from joinedup.linkage.queue_filter import NO_FILTER, QueueFilter
from joinedup.store.base import utcnow
from joinedup.store.bulk import BulkInsert
from joinedup.store.linkage_tables import ReviewDecision, ReviewItem
from joinedup.store.records import split_record_key
from joinedup.store.tables import SourceRecord

Decision = Literal["link", "not-link"]
DECISIONS: tuple[str, ...] = ("link", "not-link")

#: A person whose weakest holding pair is below this weight is "held together only by weak
#: evidence": 3 bits (8 times the Bayes factor) above the automatic link threshold.
WEAK_LINK_MARGIN = 3.0

# How a pair is written on the command line: the two record keys joined by this. A record id
# may hold any character, "~", "|" and " ~ " included, so ``parse_pair`` reads a pair by where
# the second key can start (a source id, then "|"), not by splitting on every tilde.
PAIR_SEPARATOR = " ~ "
# A source id, as a mapping's schema allows it (``ingest/mapping.schema.json``, "identifier").
_SOURCE_ID = re.compile(r"[a-z0-9][a-z0-9_.-]*")
# Key of the PostgreSQL advisory lock that serialises decisions (fixed, arbitrary, and distinct
# from the store's migration lock and the audit chain's lock).
PG_REVIEW_LOCK = 7_271_805_004
# How many contradictions a refusal names before "and N more".
_NAMED_AT_MOST = 3
#: The longest reason a reviewer may give: what the API, the pages and the CLI all accept.
NOTE_MAX = 1000
#: The longest reviewer's name: the width of ``review_decisions.reviewer``.
REVIEWER_MAX = 200


class ContradictoryDecision(JoinedupError):
    """A decision that contradicts the decisions in force (409 where there is HTTP).

    ``contradictions`` holds what it would contradict, each a not-link pair and the chain of
    link decisions that would put its two records in one person.
    """

    http_status = 409

    def __init__(self, message: str, found: tuple[Contradiction, ...]) -> None:
        super().__init__(message)
        self.contradictions = found


class DecidedMeanwhile(JoinedupError):
    """The pair was decided after the reviewer last saw it (409 where there is HTTP): their
    decision would silently replace one they have not seen."""

    http_status = 409


#: ``decide(..., seen=UNSEEN)``: the caller does not say which decision it saw (no check).
UNSEEN: Literal["unseen"] = "unseen"
#: Which decision in force a reviewer saw: its id, ``None`` (none), or ``UNSEEN``.
Seen = int | Literal["unseen"] | None


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


@dataclass(frozen=True)
class Recorded:
    """A decision just recorded, and the records of its pair that are not current.

    A record a full extract ended is in no person, so no run applies the decision until the
    record comes back; ``warning`` says so in words for every front end.
    """

    row: ReviewDecision
    not_current: tuple[str, ...] = ()
    nhs_numbers_differ: bool = False

    @property
    def pair(self) -> tuple[str, str]:
        """The pair decided, in canonical order."""
        return (self.row.record_key_l, self.row.record_key_r)

    @property
    def warning(self) -> str | None:
        """What the reviewer should know, or ``None`` when both records are current (and a
        link does not join two NHS numbers)."""
        said = []
        if self.nhs_numbers_differ:
            # A reviewer's link overrides the rule that keeps different numbers apart.
            said.append(
                f"{' and '.join(self.pair)} hold different NHS numbers; every link run will "
                "keep them in one person all the same, as this decision says."
            )
        if len(self.not_current) == 1:
            said.append(
                f"{self.not_current[0]} is not current (its source no longer holds it), so no "
                "link run applies this decision now; it is recorded and will apply if the "
                "record comes back."
            )
        elif self.not_current:
            said.append(
                f"{' and '.join(self.not_current)} are not current (their sources no longer "
                "hold them), so no link run applies this decision now; it is recorded and will "
                "apply if the records come back."
            )
        return " ".join(said) or None


def canonical_pair(a: str, b: str) -> tuple[str, str]:
    """The pair in its one stored order (smaller key first); a record cannot pair with itself."""
    if a == b:
        raise JoinedupError(f"a review pair needs two different records, got {a!r} twice")
    return (a, b) if a < b else (b, a)


def format_pair(pair: tuple[str, str]) -> str:
    """``("gp|1", "lbx|9")`` → ``"gp|1 ~ lbx|9"``, the form ``review list`` prints."""
    return f"{pair[0]}{PAIR_SEPARATOR}{pair[1]}"


def parse_pair(text: str) -> tuple[str, str]:
    """Read a pair as ``review list`` prints it (``"gp|1 ~ lbx|9"``) into canonical order.

    Record ids may hold ``~``, ``|`` and spaces, so the text is read at each tilde in turn and
    kept where both sides are record keys (a source id, ``|``, a record id). Readings at the
    printed separator (``" ~ "``) come first; a bare ``~`` (``"gp|1~lbx|9"``) is read only when
    no printed separator gives a pair. More than one reading is refused as ambiguous, as is
    text that is not two record keys: ``JoinedupError`` says what form is expected.
    Example: ``parse_pair("gp|T~1 ~ lbx|9")`` is ``("gp|T~1", "lbx|9")``.
    """
    text = text.strip()
    readings = _readings(text, PAIR_SEPARATOR) or _readings(text, "~")
    if len(readings) > 1:
        shown = "; ".join(f"{a!r} and {b!r}" for a, b in readings)
        raise JoinedupError(
            f"{text!r} can be read as more than one pair ({shown}); write it as "
            f"'review list' prints it, with {PAIR_SEPARATOR.strip()!r} between spaces"
        )
    if not readings:
        parts = [part.strip() for part in text.split("~")]
        if len(parts) == 2 and all(parts):  # one tilde: name the side that is not a key
            bad = next(part for part in parts if not _is_key(part))
            raise JoinedupError(
                f"{bad!r} is not a record key (expected 'source|record_id', the source id as "
                "its mapping names it)"
            )
        raise JoinedupError(
            f"a pair is two record keys joined by '~', e.g. 'gp|A1 ~ council_tax|77'; got {text!r}"
        )
    return canonical_pair(*readings[0])


def _readings(text: str, separator: str) -> list[tuple[str, str]]:
    """Each way of splitting ``text`` at one ``separator`` into two record keys."""
    out = []
    start = text.find(separator)
    while start >= 0:
        left, right = text[:start].strip(), text[start + len(separator) :].strip()
        if _is_key(left) and _is_key(right):
            out.append((left, right))
        start = text.find(separator, start + 1)
    return out


def _is_key(part: str) -> bool:
    source_id, sep, record_id = part.partition("|")
    return bool(sep and record_id.strip() and _SOURCE_ID.fullmatch(source_id))


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


def decisions_in_force(session: Session) -> dict[tuple[str, str], str]:
    """Every pair's latest decision (``link`` or ``not-link``), keyed by canonical pair."""
    rows = session.execute(
        select(
            ReviewDecision.record_key_l, ReviewDecision.record_key_r, ReviewDecision.decision
        ).order_by(ReviewDecision.id)
    )
    return {(left, right): decision for left, right, decision in rows}


def latest_decisions(session: Session) -> dict[tuple[str, str], DecisionInForce]:
    """Every pair's decision in force with who made it and when, keyed by canonical pair."""
    rows = session.execute(
        select(
            ReviewDecision.record_key_l,
            ReviewDecision.record_key_r,
            ReviewDecision.decision,
            ReviewDecision.reviewer,
            ReviewDecision.decided_at,
        ).order_by(ReviewDecision.id)
    )
    return {
        (left, right): DecisionInForce((left, right), decision, reviewer, decided_at)
        for left, right, decision, reviewer, decided_at in rows
    }


def latest_on(session: Session, pair: tuple[str, str]) -> ReviewDecision | None:
    """The decision in force on a canonical pair (its latest), or ``None``."""
    return session.scalars(
        select(ReviewDecision)
        .where(ReviewDecision.record_key_l == pair[0], ReviewDecision.record_key_r == pair[1])
        .order_by(ReviewDecision.id.desc())
        .limit(1)
    ).first()


def _when(at: Any) -> str:
    at = at.astimezone(UTC) if at.tzinfo is not None else at
    return f"{at:%Y-%m-%d %H:%M} UTC"


def describe(decided: DecisionInForce) -> str:
    """A decision for a message: ``"gp|1 ~ lbx|9 (not-link by carol on 2026-03-02 10:15 UTC)"``."""
    if decided.decided_at is None:
        return f"{format_pair(decided.pair)} ({decided.decision}, this decision)"
    return (
        f"{format_pair(decided.pair)} ({decided.decision} by {decided.reviewer} "
        f"on {_when(decided.decided_at)})"
    )


def refusal(new: DecisionInForce, found: list[Contradiction]) -> str:
    """Why ``new`` cannot be recorded and what to do instead, naming the decisions in the way.

    Example, after ``a ~ b`` not-link and ``b ~ c`` link: ``a ~ c cannot be decided link: it
    would put in one person two records a reviewer decided are different people: a ~ b
    (not-link by carol on …), joined through b ~ c (link by bob on …). …``
    """
    label = format_pair(new.pair)
    how = (
        "If one of those decisions is wrong, decide its pair again first (a later decision on "
        f"a pair replaces the earlier one), then decide {label} again."
    )
    if new.decision == "not-link":
        [found_here] = [c for c in found if c.not_link.pair == new.pair]
        chain = ", ".join(describe(link) for link in found_here.links)
        return (
            f"{label} cannot be decided not-link: reviewers' link decisions put its two "
            f"records in one person: {chain}. {how}"
        )
    named = []
    for contradiction in found[:_NAMED_AT_MOST]:
        through = [describe(link) for link in contradiction.links if link.pair != new.pair]
        joined = f", joined through {', '.join(through)}" if through else ""
        named.append(f"{describe(contradiction.not_link)}{joined}")
    more = len(found) - len(named)
    also = f"; and {more} more not-link pair{'s' if more > 1 else ''}" if more else ""
    return (
        f"{label} cannot be decided link: it would put in one person two records a reviewer "
        f"decided are different people: {'; '.join(named)}{also}. {how}"
    )


def decide(
    session: Session,
    pair: tuple[str, str] | str,
    decision: str,
    reviewer: str,
    note: str | None = None,
    *,
    seen: Seen = UNSEEN,
) -> Recorded:
    """Record a reviewer's decision on a pair; the next ``link`` run (of either mode) obeys it.

    ``pair`` is two record keys (any order) or the text ``review list`` shows. Both records must
    be stored (current or past versions); ``decision`` is ``link`` or ``not-link``; ``reviewer``
    names the person deciding. The decision is appended to the history and the pair's open
    review item, if any, is marked decided. A decision that would contradict the decisions in
    force, through other pairs too (``contradictions``), raises ``ContradictoryDecision``
    naming them; a later decision on the same pair replaces the earlier one, so deciding a
    pair again is how a wrong decision is put right. Other bad input raises ``JoinedupError``.
    The result says which records of the pair are not current: the decision is recorded all
    the same and applies if they come back. ``seen`` is the id of the pair's decision in force
    when the reviewer looked (``None``: there was none); when another has been recorded since,
    ``DecidedMeanwhile`` names it rather than replace it unseen (``UNSEEN`` skips the check).
    """
    if decision not in DECISIONS:
        raise JoinedupError(f"a decision is 'link' or 'not-link', got {decision!r}")
    reviewer = (reviewer or "").strip()
    if not reviewer:
        raise JoinedupError("a decision needs the name of the reviewer who made it")
    note = (note or "").strip() or None
    _refuse_unreadable("reviewer's name", reviewer, REVIEWER_MAX, allowed="")
    if note is not None:
        _refuse_unreadable("note", note, NOTE_MAX, allowed="\t\n\r")
    key_pair = parse_pair(pair) if isinstance(pair, str) else canonical_pair(*pair)
    _lock_decisions(session)
    current = {key: _is_current(session, key) for key in key_pair}
    missing = [key for key, state in current.items() if state is None]
    if missing:
        raise JoinedupError(f"no stored record {', '.join(missing)}")
    if seen != UNSEEN:
        latest = latest_on(session, key_pair)
        if latest is not None and latest.id != seen:
            raise DecidedMeanwhile(
                f"{format_pair(key_pair)} was decided {latest.decision} by {latest.reviewer} "
                f"on {_when(latest.decided_at)} since you opened it. Look at that decision, "
                "then decide again if it is wrong: yours would replace it."
            )
    new = DecisionInForce(key_pair, decision, reviewer)
    found = introduced_by(latest_decisions(session), new)
    if found:
        raise ContradictoryDecision(refusal(new, found), tuple(found))
    row = ReviewDecision(
        record_key_l=key_pair[0],
        record_key_r=key_pair[1],
        decision=decision,
        reviewer=reviewer,
        note=note,
        decided_at=utcnow(),
    )
    session.add(row)
    session.execute(
        update(ReviewItem)
        .where(ReviewItem.record_key_l == key_pair[0], ReviewItem.record_key_r == key_pair[1])
        .values(status="decided")
    )
    session.flush()
    differ = decision == "link" and len(set(_nhs_numbers(session, key_pair))) == 2
    return Recorded(row, tuple(key for key, state in current.items() if not state), differ)


def _nhs_numbers(session: Session, pair: tuple[str, str]) -> list[str]:
    """The NHS number of each record's latest version that holds one (standardised at ingest)."""
    numbers = []
    for key in pair:
        source_id, record_id = split_record_key(key)
        number = session.scalar(
            select(SourceRecord.nhs_number)
            .where(SourceRecord.source_id == source_id, SourceRecord.record_id == record_id)
            .order_by(SourceRecord.version.desc())
            .limit(1)
        )
        if number:
            numbers.append(number)
    return numbers


def _refuse_unreadable(what: str, text: str, most: int, *, allowed: str) -> None:
    # Read back by an auditor, at a terminal too: a NUL cannot be stored by PostgreSQL and an
    # escape sequence would rewrite the screen of whoever prints the decision.
    if len(text) > most:
        raise JoinedupError(f"a {what} may be at most {most} characters, got {len(text)}")
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text):
        raise JoinedupError(
            f"a {what} holds a control character (such as NUL or an escape): write it in "
            "ordinary text"
        )


def check_in_force(session: Session, pairs: Iterable[tuple[str, str]] | None = None) -> None:
    """Raise ``ContradictoryDecision`` when the decisions in force on ``pairs`` (all when
    ``None``) contradict each other, naming each not-link pair, its reviewer and the links.

    ``decide`` refuses new contradictions, but decisions recorded before it did may hold some,
    and no link run can obey them: a run can check the decisions it is about to apply first.
    """
    in_force = latest_decisions(session)
    if pairs is not None:
        wanted = set(pairs)
        in_force = {pair: decided for pair, decided in in_force.items() if pair in wanted}
    found = contradictions(in_force.values())
    if not found:
        return
    named = [
        f"{describe(c.not_link)}, though {', '.join(describe(link) for link in c.links)} put "
        "its records in one person"
        for c in found[:_NAMED_AT_MOST]
    ]
    more = len(found) - len(named)
    also = f"; and {more} more" if more else ""
    raise ContradictoryDecision(
        f"review decisions conflict: {'; '.join(named)}{also}. No link run can obey them all: "
        "decide one of these pairs again (joinedup review decide; a later decision on a pair "
        "replaces the earlier one), then link again",
        tuple(found),
    )


def _lock_decisions(session: Session) -> None:
    # Two reviewers deciding at once must not each pass the check against decisions the other
    # is about to add. PostgreSQL: a transaction-level advisory lock, taken before the
    # decisions are read (READ COMMITTED then reads whatever the last holder committed).
    # SQLite has one writer, and the API's units of work and ``review decide`` begin IMMEDIATE
    # (``store.db.write_engine``), so decisions are made one at a time there already; any other
    # unit of work that read first fails on its stale snapshot rather than write past the check.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_REVIEW_LOCK})


def _is_current(session: Session, key: str) -> bool | None:
    """Whether the record has a current version; ``None`` when it was never stored."""
    source_id, record_id = split_record_key(key)
    ends = session.scalars(
        select(SourceRecord.valid_to).where(
            SourceRecord.source_id == source_id, SourceRecord.record_id == record_id
        )
    ).all()
    if not ends:
        return None
    return any(end is None for end in ends)


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
