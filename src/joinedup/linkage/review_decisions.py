"""Reviewers' decisions on pairs: recorded, checked against each other, and in force.

Decisions are appended, never edited (the database refuses UPDATE and DELETE: migration 0015);
the latest per pair is in force and every later run obeys it (``link`` pairs are always in one
person, ``not-link`` pairs never). So decisions must not contradict each other, even through
other pairs: ``link`` decisions join their records into groups, and a ``not-link`` pair inside
one group could never be obeyed. ``decide`` refuses such a decision and names the decisions it
contradicts (the check itself is ``linkage.contradictions``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from typing import Any, Literal

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from joinedup.errors import JoinedupError
from joinedup.linkage.contradictions import (
    Contradiction,
    DecisionInForce,
    contradictions,
    introduced_by,
)
from joinedup.linkage.review_pairs import canonical_pair, format_pair, parse_pair
from joinedup.store.base import utcnow
from joinedup.store.linkage_tables import ReviewDecision, ReviewItem
from joinedup.store.records import split_record_key
from joinedup.store.tables import SourceRecord

Decision = Literal["link", "not-link"]


DECISIONS: tuple[str, ...] = ("link", "not-link")


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
