"""What an ingest checks before it keeps a batch, and what it keeps of one that failed.

- A source's organisation and category are never moved by a mapping (:func:`ensure_source`).
- A full extract that would end most of its source is refused (:func:`refuse_a_mass_end`).
- A failed ingest leaves a ``failed`` batch with its message (:func:`record_failure`).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from joinedup.errors import JoinedupError
from joinedup.ingest.errors import MassEndRefused, SourceConflict
from joinedup.ingest.mapping import SourceMapping
from joinedup.store import batches, records, sources
from joinedup.store.db import session_scope
from joinedup.store.tables import Source

#: A full extract may end at most this share of its source's current records in one batch…
MASS_END_SHARE = 0.5
#: …unless it ends fewer than this many (a small source's full extract may well drop two of
#: three). A full extract normally ends a few per cent (moves, deaths, closed cases); ending
#: most of a source at once is what a cut-off export or the wrong file looks like.
MASS_END_MIN = 10


def refuse_a_mass_end(
    *, file: str, source: str, ended: int, current_before: int, counts: dict[str, int]
) -> None:
    """Raise :class:`MassEndRefused` for a full extract that would end ``ended`` of the
    ``current_before`` current records of ``source`` with the rows ``counts`` says it read:
    more than :data:`MASS_END_SHARE` of them (and at least :data:`MASS_END_MIN`), or any at
    all from a file with no readable record. The transaction then rolls back, so nothing of
    the batch is kept. (Records kept because their row was quarantined are not ended.)"""
    if ended == 0:
        return
    kept = counts["stored"] + counts["updated"] + counts["unchanged"]
    share = ended / current_before if current_before else 0.0
    if kept > 0 and (share <= MASS_END_SHARE or ended < MASS_END_MIN):
        return
    quarantined = counts["quarantined"]
    why = (
        f"it holds no readable record ({quarantined:,} rows quarantined)"
        if kept == 0
        else f"only {kept:,} of its records were read ({quarantined:,} rows quarantined)"
    )
    raise MassEndRefused(
        f"{file}: refused as a full extract of {source}: {why}, and it "
        f"would end {ended:,} of the {current_before:,} current records ({share:.0%}). "
        "A cut-off export, a wrong file or a broken row usually looks like this. Nothing "
        "was stored. Check the file; if the source really has dropped them, ingest again "
        "with --allow-mass-end."
    )


def file_sha256(path: Path) -> str:
    """SHA-256 of the file's bytes, recorded on the batch (which extract was this?)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def ensure_source(session: Session, mapping: SourceMapping) -> None:
    refuse_a_move(session, mapping)
    sources.ensure_organisation(session, mapping.organisation)
    sources.ensure_source(
        session,
        source_id=mapping.source,
        organisation_id=mapping.organisation,
        name=mapping.name,
        format=mapping.format,
        category=mapping.category,
        mapping_text=mapping.text,
        mapping_sha256=hashlib.sha256(mapping.text.encode("utf-8")).hexdigest(),
        adults_only=mapping.adults_only,
    )


def record_failure(
    engine: Engine, mapping: SourceMapping, path: Path, full: bool, exc: Exception
) -> None:
    """Keep a trace of a failed ingest (its own transaction: the work itself was rolled back).

    Best effort: if the database itself is what failed, the original error matters more.
    """
    try:
        with session_scope(engine, write=True) as session:
            ensure_source(session, mapping)
            batch = batches.start_batch(
                session,
                source_id=mapping.source,
                file_name=path.name,
                file_sha256=file_sha256(path),
                full=full,
            )
            # Only our own messages are known to hold no personal values; others give their kind.
            message = str(exc) if isinstance(exc, JoinedupError) else type(exc).__name__
            batches.finish_batch(session, batch, counts={}, status="failed", message=message)
    except Exception:
        return


def refuse_a_move(session: Session, mapping: SourceMapping) -> None:
    # A source's organisation and category decide who may see its records under the data
    # sharing agreements: a copied mapping that kept another source's id, or an edited
    # organisation line, must not quietly hand a source's history to someone else.
    existing = session.get(Source, mapping.source)
    if existing is None or not records.has_versions(session, mapping.source):
        return
    for what, stored, wanted in (
        ("organisation", existing.organisation_id, mapping.organisation),
        ("category", existing.category, mapping.category),
    ):
        if stored != wanted:
            raise SourceConflict(
                f"{mapping.origin}: source {mapping.source} holds records of {what} {stored}, "
                f"but this mapping says {what} {wanted}. A source's organisation and category "
                "decide who may see its records, so an ingest never changes them: correct the "
                "mapping, or give the other system a source id of its own. Nothing was stored."
            )
