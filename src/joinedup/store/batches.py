"""Repository for ingest batches and their quarantine (no business rules: record what happened)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from joinedup.store.base import utcnow
from joinedup.store.portable import portable_json, portable_text
from joinedup.store.tables import BATCH_COUNTS, BATCH_STATUSES, IngestBatch, QuarantineEntry

# Rows per executemany: large enough to amortise round trips, small enough to bound memory.
QUARANTINE_CHUNK = 2_000

_QUARANTINE_KEYS = ("batch_id", "source_id", "line_number", "record_number", "raw", "reasons")


def start_batch(
    session: Session, *, source_id: str, file_name: str, file_sha256: str, full: bool
) -> IngestBatch:
    """Record the start of an ingest of ``file_name`` into ``source_id``; status ``running``.

    The batch gets its id at once (flushed), so records and quarantine rows can refer to it.
    """
    batch = IngestBatch(
        source_id=source_id,
        file_name=file_name,
        file_sha256=file_sha256,
        full=full,
        started_at=utcnow(),
        status="running",
        **dict.fromkeys(BATCH_COUNTS, 0),
    )
    session.add(batch)
    session.flush()
    return batch


def finish_batch(
    session: Session,
    batch: IngestBatch,
    *,
    counts: Mapping[str, int],
    status: str,
    message: str | None = None,
) -> IngestBatch:
    """Record how a batch ended: its reconciliation ``counts``, ``status`` and an optional message.

    ``counts`` is keyed by the names in :data:`joinedup.store.tables.BATCH_COUNTS`; names it
    leaves out keep their value. ``status`` is ``complete`` or ``failed`` (or ``running``).
    """
    if status not in BATCH_STATUSES:
        raise ValueError(f"batch status must be one of {BATCH_STATUSES}, not {status!r}")
    unknown = set(counts) - set(BATCH_COUNTS)
    if unknown:
        raise ValueError(f"unknown batch counts {sorted(unknown)}; expected {BATCH_COUNTS}")
    for name, value in counts.items():
        setattr(batch, name, int(value))
    batch.status = status
    batch.message = message
    batch.finished_at = utcnow()
    session.flush()
    return batch


def add_quarantine(
    session: Session,
    *,
    batch_id: int,
    source_id: str,
    line_number: int | None,
    record_number: int,
    raw: str,
    reasons: Sequence[Any],
) -> None:
    """Quarantine one row: where it was, its raw content as read, and every reason.

    ``line_number`` is the physical line where the format has lines (else ``None``);
    ``record_number`` the 1-based position among records read. NUL characters in ``raw``
    become U+FFFD (PostgreSQL cannot store them).
    """
    add_quarantine_many(
        session,
        [
            {
                "batch_id": batch_id,
                "source_id": source_id,
                "line_number": line_number,
                "record_number": record_number,
                "raw": raw,
                "reasons": reasons,
            }
        ],
    )


def add_quarantine_many(session: Session, rows: Iterable[Mapping[str, Any]]) -> int:
    """Quarantine many rows at once (each a mapping with the arguments of :func:`add_quarantine`).

    Rows are written in executemany chunks; returns how many were written.
    """
    written = 0
    chunk: list[dict[str, Any]] = []
    now = utcnow()
    for row in rows:
        chunk.append(_quarantine_row(row, now))
        if len(chunk) >= QUARANTINE_CHUNK:
            written += _write_quarantine(session, chunk)
            chunk = []
    if chunk:
        written += _write_quarantine(session, chunk)
    return written


def _quarantine_row(row: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    missing = [key for key in _QUARANTINE_KEYS if key not in row and key != "line_number"]
    if missing:
        raise ValueError(f"quarantine row is missing {missing}")
    return {
        "batch_id": row["batch_id"],
        "source_id": row["source_id"],
        "line_number": row.get("line_number"),
        "record_number": row["record_number"],
        "raw": portable_text(str(row["raw"])),
        "reasons": portable_json(list(row["reasons"])),
        "created_at": row.get("created_at") or now,
    }


def _write_quarantine(session: Session, chunk: list[dict[str, Any]]) -> int:
    session.execute(insert(cast(Table, QuarantineEntry.__table__)), chunk)
    return len(chunk)


def get_batch(session: Session, batch_id: int) -> IngestBatch | None:
    """The batch ``batch_id``, or ``None``."""
    return session.get(IngestBatch, batch_id)


def list_batches(session: Session, source_id: str | None = None) -> list[IngestBatch]:
    """Batches, newest first; only those of ``source_id`` when given."""
    query = select(IngestBatch).order_by(IngestBatch.id.desc())
    if source_id is not None:
        query = query.where(IngestBatch.source_id == source_id)
    return list(session.scalars(query))


def latest_batch_id(session: Session) -> int | None:
    """The id of the newest batch of any source (``None`` before the first ingest)."""
    return session.scalar(select(func.max(IngestBatch.id)))


def list_quarantine(
    session: Session, batch_id: int, *, limit: int | None = None
) -> list[QuarantineEntry]:
    """The quarantined rows of a batch in the order they were read."""
    query = (
        select(QuarantineEntry)
        .where(QuarantineEntry.batch_id == batch_id)
        .order_by(QuarantineEntry.record_number, QuarantineEntry.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))
