"""Missing checkpoints: a stretch of the chain longer than the checkpoint interval, unsigned.

Each checkpoint records, and signs, the cadence in force when it was written (``cadence``:
JOINEDUP_AUDIT_CHECKPOINT_EVERY), and every appender writes a checkpoint wherever the latest
checkpoint's cadence says one is due (:func:`joinedup.audit.log._due`) — whatever its own
setting, so processes configured differently, or a setting changed between runs, cannot leave a
legitimate gap. After a checkpoint at event ``s`` announcing ``N``, the next checkpoint is
therefore at the next multiple of ``N`` after ``s`` or sooner. When the chain reaches that event
and no genuine checkpoint lies in between, checkpoints were deleted — and the events after ``s``
are sealed by nothing but the chain, which anyone who deleted them could have rebuilt.

What this cannot see: a stretch shorter than ``N`` after the last surviving checkpoint (the
trail's ordinary unsigned tail looks the same), checkpoints older than migration 0009 (they
announce nothing), and a trail with every checkpoint deleted. A witness
(:mod:`joinedup.audit.witness`) covers those.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from joinedup.audit.problem import Problem

KIND = "checkpoint_missing"


def next_due(seq: int, cadence: int) -> int:
    """The first event after ``seq`` that a cadence of ``cadence`` gives a checkpoint."""
    return (seq // cadence + 1) * cadence


def cadence_problems(genuine: Sequence[Any], head_seq: int) -> list[Problem]:
    """Where a checkpoint is due and none exists: one problem per such stretch.

    ``genuine`` are the checkpoints whose signature verified with a trusted key, in ``seq``
    order (only a genuine checkpoint's announcement is evidence, and only a genuine one fills
    a stretch); ``head_seq`` is the last event in the database.
    """
    problems: list[Problem] = []
    for index, checkpoint in enumerate(genuine):
        cadence = getattr(checkpoint, "cadence", None)
        if not cadence or cadence < 0:  # older than migration 0009, or checkpoints were off
            continue
        due = next_due(checkpoint.seq, cadence)
        following = genuine[index + 1].seq if index + 1 < len(genuine) else None
        if due > head_seq or (following is not None and following <= due):
            continue
        written = (
            f"no signed checkpoint at event {due}, where one is due: the checkpoint at event "
            f"{checkpoint.seq} was written when one was signed every {cadence} events. "
        )
        if following is None:
            why = (
                f"Checkpoints after event {checkpoint.seq} have been deleted, and the events "
                "after it may have been rewritten, deleted or inserted since"
            )
        else:
            why = (
                f"Checkpoints between events {checkpoint.seq} and {following} have been "
                f"deleted (the checkpoint at {following} still seals the events before it)"
            )
        problems.append(Problem(due, KIND, written + why))
    return problems
