"""Small builders shared by the store tests (plain functions, not fixtures)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy.orm import Session

from joinedup.store import batches, sources
from joinedup.store.tables import IngestBatch


def sha256(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def make_source(session: Session, source_id: str = "gp", organisation_id: str = "nhs-leeds"):
    sources.ensure_organisation(session, organisation_id, "NHS Leeds", "nhs")
    return sources.ensure_source(
        session,
        source_id=source_id,
        organisation_id=organisation_id,
        name=f"Source {source_id}",
        format="csv",
        category="health.gp",
        mapping_text=f"source: {source_id}\n",
        mapping_sha256=sha256(source_id),
    )


def make_batch(session: Session, source_id: str = "gp", full: bool = False) -> IngestBatch:
    return batches.start_batch(
        session, source_id=source_id, file_name="extract.csv", file_sha256="0" * 64, full=full
    )


def version_row(
    source_id: str, record_id: str, batch_id: int, version: int = 1, **person: Any
) -> dict[str, Any]:
    raw = {"id": record_id, **{k: v for k, v in person.items() if isinstance(v, str)}}
    return {
        "source_id": source_id,
        "record_id": record_id,
        "version": version,
        "batch_id": batch_id,
        "content_hash": sha256([raw, version]),
        "raw": raw,
        **person,
    }
