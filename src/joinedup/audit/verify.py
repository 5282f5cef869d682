"""Verification of the audit trail: recompute the chain and check every signed checkpoint.

What each finding means (``Problem.kind``):

- ``edited`` — an event's content no longer matches its hash; or its hash was recomputed after
  an edit, so the next event links to a hash no event has;
- ``deleted`` — a gap in the sequence, or a checkpoint names an event that is gone (this is how a
  deletion at the end of the trail shows, provided a checkpoint covered it);
- ``inserted`` — an event that does not belong where it stands: the next event links past it,
  or it links back to an earlier point of the chain;
- ``reordered`` — an event links to one that comes after it;
- ``bad_signature`` — a checkpoint whose signature fails, or signed by a key not trusted;
- ``rewritten`` — the chain is self-consistent but differs from what a checkpoint signed (or a
  witness holds): the history between the previous good checkpoint and this one was rebuilt;
  or a checkpoint differs from its witnessed copy;
- ``checkpoint_missing`` — a checkpoint is due where none is (:mod:`joinedup.audit.cadence`),
  or a witnessed checkpoint is gone from the database (:mod:`joinedup.audit.witness`).

Events after the last checkpoint are protected by the chain alone, and, if fewer than the
checkpoint interval, they do not even look unsigned: someone able to drop the triggers could
delete the newest checkpoints and rewrite that tail consistently. Only a witness taken after
them (kept outside the database) shows it.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.engine import Engine

from joinedup.audit.cadence import cadence_problems
from joinedup.audit.chain import GENESIS, compute_hash
from joinedup.audit.problem import Problem
from joinedup.audit.signing import (
    TRUSTED_KEYS_ENV,
    describe_keys,
    development_key_id,
    signature_valid,
    trusted_public_keys,
)
from joinedup.audit.stored import (
    DECODE_ERRORS,
    checkpoint_table,
    event_table,
    present_columns,
    tolerant_rows,
)
from joinedup.audit.witness import Witness, read_witnesses, witness_problems

__all__ = ["Problem", "VerifyResult", "verify"]

MAX_PROBLEMS = 100

# The kind reported for a broken link that the chain alone cannot explain (see _chain_problems).
AMBIGUOUS = "edited"


@dataclass
class VerifyResult:
    """The outcome of :func:`verify`: counts, the head, and the problems in order of ``seq``."""

    events: int = 0
    checkpoints: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    last_checkpoint_seq: int | None = None
    problems: list[Problem] = field(default_factory=list)
    # Checkpoints accepted only because the public development key is trusted here: they show
    # the chain is as signed, not that nobody re-signed it.
    development_signed: int = 0
    # Witnesses checked (copies of signed checkpoints kept outside the database) and the
    # latest event one covers.
    witnesses: int = 0
    last_witnessed_seq: int | None = None
    # What the trail covers, for a report a regulator can read: the first event's number and
    # the times of the first and last (None where a stored time cannot be read).
    first_seq: int | None = None
    first_at: datetime | None = None
    head_at: datetime | None = None
    first_checkpoint_seq: int | None = None
    # Key id -> how many checkpoints a trusted key's valid signature seals.
    signed_by: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        """The first bad event: the problem with the lowest ``seq``."""
        return min(self.problems, key=lambda p: p.seq) if self.problems else None

    @property
    def unsigned_tail(self) -> int:
        """How many events come after the last checkpoint (protected by the chain only)."""
        return self.head_seq - (self.last_checkpoint_seq or 0)


@dataclass(frozen=True, slots=True)
class _Row:
    """What verification keeps of an event: one per event of the trail, so as little as will
    do (a year of a borough is a million): no fields, whether they hash to ``stored``, and
    ``prev`` the very string of the event before when it links to it."""

    seq: int
    stored: str
    prev: str
    intact: bool
    unreadable: str | None = None  # why the stored content could not be decoded and hashed


def _chain_problems(rows: list[_Row], position: dict[str, int]) -> list[Problem]:
    problems: list[Problem] = []
    previous_hash, expected_seq = GENESIS, 1
    for i, row in enumerate(rows):
        if len(problems) >= MAX_PROBLEMS:
            break
        before = rows[i - 1].seq if i else 0
        gap = row.seq > expected_seq
        if gap:
            missing = (
                f"event {expected_seq}"
                if row.seq == expected_seq + 1
                else f"events {expected_seq} to {row.seq - 1}"
            )
            problems.append(Problem(expected_seq, "deleted", f"{missing} missing"))
        if not row.intact:
            following = rows[i + 1] if i + 1 < len(rows) else None
            if following is not None and following.prev == previous_hash:
                problems.append(
                    Problem(
                        row.seq,
                        "inserted",
                        f"not part of the chain: event {following.seq} links past it "
                        f"to event {before}",
                    )
                )
            elif row.unreadable is not None:
                why = f"its stored content cannot be read ({row.unreadable})"
                problems.append(Problem(row.seq, "edited", why))
            else:
                problems.append(
                    Problem(row.seq, "edited", "its content does not match its recorded hash")
                )
        elif row.prev != previous_hash and not gap:
            # (after a gap the broken link is explained by the deletion already reported)
            linked = position.get(row.prev)
            if linked is not None and linked > i:
                problems.append(
                    Problem(
                        row.seq,
                        "reordered",
                        f"it follows event {rows[linked].seq}, which now comes after it",
                    )
                )
            elif i >= 1 and row.prev == (rows[i - 2].stored if i >= 2 else GENESIS):
                problems.append(
                    Problem(
                        before,
                        "inserted",
                        f"not part of the chain: event {row.seq} links past it",
                    )
                )
            elif linked is not None:
                problems.append(
                    Problem(
                        row.seq,
                        "inserted",
                        f"it links back to event {rows[linked].seq}, not to event {before}",
                    )
                )
            else:
                # Alone, this cannot tell an edit whose hash was recomputed from a deletion
                # followed by renumbering; a checkpoint found at a lower seq settles it (below).
                problems.append(
                    Problem(
                        before or row.seq,
                        AMBIGUOUS,
                        f"event {row.seq} links to a hash no event has: event {before} was "
                        "changed and its hash recomputed, or an event after it was deleted "
                        "and later ones renumbered",
                    )
                )
        previous_hash, expected_seq = row.stored, row.seq + 1
    return problems


def _checkpoint_problems(
    checkpoints: Sequence[Any],
    rows: list[_Row],
    position: dict[str, int],
    chain: list[Problem],
    genuine: list[Any],
) -> list[Problem]:
    """Check each checkpoint's signature, and that the chain still holds the hash it signed.

    A mismatch already explained by a chain problem between the previous good checkpoint and
    this one is not reported again. A signed hash found at a lower seq means events were deleted
    and the rest renumbered: an ambiguous broken link in that stretch is resolved to a deletion.
    Checkpoints whose signature verifies with a trusted key are added to ``genuine``.
    """
    keys = trusted_public_keys()
    # Numbered 1 to n without a gap (the seqs are unique and in order): found by position.
    whole = not rows or (rows[0].seq == 1 and rows[-1].seq == len(rows))
    seqs = None if whole else [row.seq for row in rows]
    head = rows[-1].seq if rows else 0
    problems: list[Problem] = []
    previous_good = 0
    for checkpoint in checkpoints:
        public = keys.get(checkpoint.key_id)
        if public is None:
            problems.append(
                Problem(
                    checkpoint.seq,
                    "bad_signature",
                    f"checkpoint signed by key {checkpoint.key_id}, which is not trusted "
                    f"(trusted here: {describe_keys(keys)}; a verifier lists the "
                    f"hub's public keys in {TRUSTED_KEYS_ENV})",
                )
            )
            continue
        cadence = getattr(checkpoint, "cadence", None)
        if checkpoint.at is None or not signature_valid(
            public, checkpoint.signature, checkpoint.seq, checkpoint.hash, checkpoint.at, cadence
        ):
            problems.append(
                Problem(checkpoint.seq, "bad_signature", "the checkpoint's signature is invalid")
            )
            continue
        genuine.append(checkpoint)
        row = _at_seq(rows, seqs, checkpoint.seq)
        if row is not None and row.stored == checkpoint.hash:
            previous_good = checkpoint.seq
            continue
        explained = [p for p in chain if previous_good < p.seq <= checkpoint.seq]
        found = position.get(checkpoint.hash)
        moved_to = rows[found].seq if found is not None else None
        if moved_to is not None and moved_to < checkpoint.seq:
            for problem in explained:
                if problem.kind == AMBIGUOUS and "links to a hash no event has" in problem.message:
                    chain[chain.index(problem)] = Problem(
                        problem.seq + 1,
                        "deleted",
                        f"deleted, and later events renumbered: the event signed as "
                        f"{checkpoint.seq} is now numbered {moved_to}",
                    )
        if explained:
            continue
        if row is None and checkpoint.seq > head:
            problems.append(
                Problem(
                    head + 1,
                    "deleted",
                    f"events {head + 1} to {checkpoint.seq} are missing: a signed checkpoint "
                    f"names event {checkpoint.seq}",
                )
            )
        else:
            problems.append(
                Problem(
                    previous_good + 1,
                    "rewritten",
                    f"the chain at event {checkpoint.seq} differs from its signed checkpoint: "
                    f"events {previous_good + 1} to {checkpoint.seq} were rebuilt",
                )
            )
    return problems


def _at_seq(rows: list[_Row], seqs: list[int] | None, seq: int) -> _Row | None:
    """The row numbered ``seq``: at index ``seq - 1`` when the trail has no gap (``seqs`` is
    then ``None``), else found by bisection of ``seqs``."""
    if seqs is None:
        return rows[seq - 1] if 1 <= seq <= len(rows) else None
    index = bisect_left(seqs, seq)
    return rows[index] if index < len(rows) and rows[index].seq == seq else None


def _row(
    seq: int,
    stored: str,
    prev: str,
    fields: dict[str, Any],
    unreadable: str | None,
    before: _Row | None,
) -> _Row:
    if before is not None and prev == before.stored:
        prev = before.stored  # one string for the two, not a copy per event
    if unreadable is None:
        try:
            return _Row(seq, stored, prev, compute_hash(prev, fields) == stored)
        except DECODE_ERRORS:
            # e.g. categories that decode to a number: the content is not an event's
            unreadable = "a field holds a value of the wrong type"
    return _Row(seq, stored, prev, False, unreadable)


def _time_of(conn: Connection, seq: int) -> datetime | None:
    """The recorded time of event ``seq``; ``None`` when it cannot be read (an edit)."""
    table = event_table()
    try:
        at = conn.execute(select(table.c.at).where(table.c.seq == seq)).scalar()
    except DECODE_ERRORS:
        return None
    return at if isinstance(at, datetime) else None


def _read_events(conn: Connection) -> list[_Row]:
    table = event_table()
    rows: list[_Row] = []
    try:
        columns = present_columns(conn, table)
        events = conn.execute(select(*columns).order_by(table.c.seq)).yield_per(2000)
        for event in events:
            before = rows[-1] if rows else None
            rows.append(
                _row(event.seq, event.hash, event.prev_hash, dict(event._mapping), None, before)
            )
    except DECODE_ERRORS:
        rows = []
        for fields, unreadable in tolerant_rows(conn, table):
            before = rows[-1] if rows else None
            rows.append(
                _row(fields["seq"], fields["hash"], fields["prev_hash"], fields, unreadable, before)
            )
    return rows


def _read_checkpoints(conn: Connection) -> list[Any]:
    table = checkpoint_table()
    try:
        return list(conn.execute(select(table).order_by(table.c.seq)).all())
    except DECODE_ERRORS:
        # An unreadable time is left as None, which no signature verifies.
        return [SimpleNamespace(**fields) for fields, _ in tolerant_rows(conn, table)]


def verify(engine: Engine, *, witnesses: Sequence[Witness | Path] = ()) -> VerifyResult:
    """Recompute the whole hash chain and check every checkpoint's signature and hash, that no
    checkpoint the recorded cadence calls for is missing, and the database against each witness.

    Reads only; needs no signing key (the public keys come from :mod:`joinedup.audit.signing`).
    Returns a :class:`VerifyResult` whose ``first`` names the first bad event and what is wrong
    with it; ``ok`` is True when nothing is. A stored value that cannot even be decoded (SQLite
    keeps times and JSON as text) is reported as that event edited, not raised. ``witnesses``
    are :class:`~joinedup.audit.witness.Witness` objects or paths of witness files (or of
    directories of them); a witness that cannot be believed raises
    :class:`~joinedup.audit.witness.WitnessError`. Example:
    ``verify(engine, witnesses=[Path("/mnt/ig/witnesses")]).ok``.
    """
    paths = [w for w in witnesses if isinstance(w, Path)]
    witnessed = [w for w in witnesses if isinstance(w, Witness)]
    if paths:
        witnessed = sorted([*witnessed, *read_witnesses(paths)], key=lambda w: w.seq)
    result = VerifyResult()
    with engine.connect() as conn:
        rows = _read_events(conn)
        checkpoints = _read_checkpoints(conn)
        if rows:
            result.first_at = _time_of(conn, rows[0].seq)
            result.head_at = _time_of(conn, rows[-1].seq)
    result.events = len(rows)
    if rows:
        result.head_seq, result.head_hash = rows[-1].seq, rows[-1].stored
        result.first_seq = rows[0].seq
    result.checkpoints = len(checkpoints)
    if checkpoints:
        result.last_checkpoint_seq = checkpoints[-1].seq
        result.first_checkpoint_seq = checkpoints[0].seq
    # Where each hash stands in the trail (the last, should one repeat).
    position = {row.stored: i for i, row in enumerate(rows)}
    chain = _chain_problems(rows, position)
    genuine: list[Any] = []
    # may resolve ambiguous chain problems
    signed = _checkpoint_problems(checkpoints, rows, position, chain, genuine)
    found = chain + signed + cadence_problems(genuine, result.head_seq)
    if witnessed:
        events = {row.seq: row.stored for row in rows}
        anchors = [c.seq for c in genuine if events.get(c.seq) == c.hash]
        # A rebuilt stretch that the chain or a checkpoint already explains is not reported
        # again; a missing checkpoint does not explain it (the witness says what was rebuilt).
        against = witness_problems(
            witnessed, events, {c.seq: c for c in checkpoints}, anchors, chain + signed
        )
        seen = {(p.seq, p.kind) for p in found}
        found += [p for p in against if (p.seq, p.kind) not in seen]
        result.witnesses = len(witnessed)
        result.last_witnessed_seq = witnessed[-1].seq
    result.problems = sorted(found, key=lambda p: p.seq)
    for checkpoint in genuine:
        result.signed_by[checkpoint.key_id] = result.signed_by.get(checkpoint.key_id, 0) + 1
    development = development_key_id()
    if development in trusted_public_keys():
        result.development_signed = sum(c.key_id == development for c in checkpoints)
    return result
