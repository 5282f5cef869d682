"""Witnesses: copies of signed checkpoints that the IG officer keeps outside the database.

Someone who can bypass the append-only triggers can delete the newest checkpoints and then
rewrite the events after the last one left; the database then holds nothing that contradicts
them, and a stretch shorter than the checkpoint interval does not even look missing
(:mod:`joinedup.audit.cadence`). A witness is the latest signed checkpoint written to a file
(``joinedup audit checkpoint --witness FILE``) on a system the database's administrators cannot
write to. ``joinedup audit verify --witness FILE`` then requires the database to still hold that
checkpoint, unchanged, and the chain to still reach the witnessed event with the witnessed hash.

A witness carries the checkpoint's own signature, checked with the keys verification trusts
(:func:`joinedup.audit.signing.trusted_public_keys`, the same rules as for the checkpoints in
the database), so an edited or made-up witness is refused rather than believed.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.audit.cadence import KIND as CHECKPOINT_MISSING
from joinedup.audit.chain import canonical_time
from joinedup.audit.problem import Problem
from joinedup.audit.signing import describe_keys, signature_valid, trusted_public_keys
from joinedup.errors import JoinedupError
from joinedup.store.governance_tables import AuditCheckpoint

FORMAT = "joinedup-audit-witness/1"
_FIELDS = ("seq", "hash", "signature", "key_id", "at", "cadence")


class WitnessError(JoinedupError):
    """A witness file that cannot be read, or whose signature does not verify: refused."""


@dataclass(frozen=True)
class Witness:
    """A signed checkpoint as kept outside the database, and the file it was read from."""

    seq: int
    hash: str
    signature: str
    key_id: str
    at: datetime
    cadence: int | None
    source: str = ""


def witness_document(checkpoint: Any) -> dict[str, Any]:
    """The JSON a witness file holds for ``checkpoint`` (an ``AuditCheckpoint`` or alike)."""
    return {
        "format": FORMAT,
        "seq": checkpoint.seq,
        "hash": checkpoint.hash,
        "signature": checkpoint.signature,
        "key_id": checkpoint.key_id,
        "at": canonical_time(checkpoint.at),
        "cadence": getattr(checkpoint, "cadence", None),
    }


def witness_path(target: Path, seq: int) -> Path:
    """Where a witness of event ``seq`` goes: ``target`` itself, or a file named for the event
    in ``target`` when it is a directory (so a daily job keeps every witness it took)."""
    return target / f"audit-witness-{seq:012d}.json" if target.is_dir() else target


def write_witness(checkpoint: Any, target: Path) -> Path:
    """Write ``checkpoint`` as a witness to ``target`` (a file, or a directory); return the file.

    Written to a temporary file and renamed, so a reader never sees half a witness.
    """
    path = witness_path(target, checkpoint.seq)
    text = json.dumps(witness_document(checkpoint), indent=2) + "\n"
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".witness-", suffix=".tmp")
    except OSError as exc:
        raise WitnessError(f"cannot write a witness in {path.parent}: {exc.strerror}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _files(paths: Sequence[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(p for p in path.glob("*.json") if p.is_file())
            if not inside:
                raise WitnessError(f"witness directory {path} holds no witness (*.json) files")
            found.extend(inside)
        elif path.is_file():
            found.append(path)
        else:
            raise WitnessError(f"no witness file at {path}")
    return found


def _parse(path: Path) -> Witness:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise WitnessError(f"witness {path} cannot be read: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise WitnessError(f"witness {path} is not a joinedup audit witness ({FORMAT})")
    missing = [name for name in _FIELDS if name not in document]
    if missing:
        raise WitnessError(f"witness {path} lacks {', '.join(missing)}")
    seq, cadence = document["seq"], document["cadence"]
    texts = [document[name] for name in ("hash", "signature", "key_id", "at")]
    if (
        not isinstance(seq, int)
        or isinstance(seq, bool)
        or seq < 1
        or not (cadence is None or (isinstance(cadence, int) and not isinstance(cadence, bool)))
        or not all(isinstance(value, str) for value in texts)
    ):
        raise WitnessError(f"witness {path} holds a value of the wrong type")
    try:
        at = datetime.fromisoformat(document["at"])
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        raise WitnessError(f"witness {path}: 'at' is not a UTC time")
    return Witness(seq, texts[0], texts[1], texts[2], at, cadence, str(path))


def _check_signature(witness: Witness, keys: Mapping[str, Any]) -> None:
    public = keys.get(witness.key_id)
    if public is None:
        raise WitnessError(
            f"witness {witness.source} refused: signed by key {witness.key_id}, which is not "
            f"trusted (trusted here: {describe_keys(dict(keys))})"
        )
    if not signature_valid(
        public, witness.signature, witness.seq, witness.hash, witness.at, witness.cadence
    ):
        raise WitnessError(
            f"witness {witness.source} refused: its signature does not match its contents "
            "(the file was edited, or made up)"
        )


def read_witnesses(paths: Sequence[Path]) -> list[Witness]:
    """Every witness in ``paths`` (files, or directories of ``*.json``), in ``seq`` order.

    Raises :class:`WitnessError` for a file that cannot be read, is not a witness, is signed
    by a key not trusted here, or whose signature does not verify: a verification against a
    witness that cannot be believed would prove nothing.
    """
    keys = trusted_public_keys()
    witnesses = [_parse(path) for path in _files(paths)]
    for witness in witnesses:
        _check_signature(witness, keys)
    return sorted(witnesses, key=lambda w: w.seq)


def latest_witness(session: Session) -> Witness | None:
    """The latest checkpoint in the database as a witness, its signature checked with the
    trusted keys (a witness of a checkpoint no one can vouch for would mislead); ``None`` when
    there is no checkpoint. Take one just after :func:`joinedup.audit.log.checkpoint_now`, so
    that it covers the head."""
    latest = session.scalars(
        select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(1)
    ).first()
    if latest is None:
        return None
    witness = Witness(
        latest.seq,
        latest.hash,
        latest.signature,
        latest.key_id,
        latest.at,
        latest.cadence,
        f"the database's checkpoint at event {latest.seq}",
    )
    _check_signature(witness, trusted_public_keys())
    return witness


def _differences(witness: Witness, stored: Any) -> list[str]:
    differ = [
        name
        for name in ("hash", "signature", "key_id", "cadence")
        if getattr(stored, name, None) != getattr(witness, name)
    ]
    stored_at = getattr(stored, "at", None)
    if stored_at is None or canonical_time(stored_at) != canonical_time(witness.at):
        differ.append("at")
    return differ


def witness_problems(
    witnesses: Sequence[Witness],
    events: Mapping[int, str],
    checkpoints: Mapping[int, Any],
    anchors: Sequence[int],
    found: Sequence[Problem],
) -> list[Problem]:
    """What the database no longer agrees with each witness on.

    ``events`` maps each event's ``seq`` to its stored hash; ``checkpoints`` maps ``seq`` to the
    checkpoint as stored; ``anchors`` are the events known good (a genuine checkpoint the
    chain still matches), from which a rebuilt stretch is named; ``found`` are the problems
    already reported, which a rebuilt stretch is not reported again for.
    """
    problems: list[Problem] = []
    head = max(events, default=0)
    good = sorted(anchors)
    for witness in witnesses:
        name, seq = witness.source, witness.seq
        stored_hash = events.get(seq)
        if stored_hash is None:
            first = head + 1 if seq > head else seq
            span = f"event {seq} is" if first == seq else f"events {first} to {seq} are"
            problems.append(
                Problem(first, "deleted", f"{span} missing: {name} witnesses a checkpoint at {seq}")
            )
        elif stored_hash != witness.hash:
            anchor = max((a for a in good if a < seq), default=0)
            if not any(anchor < p.seq <= seq for p in found):
                problems.append(
                    Problem(
                        anchor + 1,
                        "rewritten",
                        f"the chain at event {seq} differs from the checkpoint witnessed in "
                        f"{name}: events {anchor + 1} to {seq} were rebuilt",
                    )
                )
        else:
            good = sorted({*good, seq})
        stored = checkpoints.get(seq)
        if stored is None:
            problems.append(
                Problem(
                    seq,
                    CHECKPOINT_MISSING,
                    f"the signed checkpoint at event {seq}, witnessed in {name}, is no longer "
                    "in the database: it was deleted",
                )
            )
        elif differ := _differences(witness, stored):
            problems.append(
                Problem(
                    seq,
                    "rewritten",
                    f"the checkpoint at event {seq} differs from the copy witnessed in {name} "
                    f"(its {', '.join(differ)})",
                )
            )
    return problems
