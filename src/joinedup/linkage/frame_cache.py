"""A cache of the index's model frame, so an incremental run does not rebuild it from scratch.

An incremental run scores new records against every record of the index, so it needs the whole
model frame (``frame.records_frame``). Reading a large store and deriving the frame is the
slowest part of attaching a handful of records, and almost all of it is the same as last time.
So each successful run leaves the frame it used, with the version of each record, in an Arrow
file under ``JOINEDUP_DATA_DIR/linkage-cache/``; the next run maps it, drops records that
changed or ended, and derives only the new and changed ones. The frame stays Arrow throughout an
incremental run: converting a million rows to pandas would cost more than the whole attach.

The cache is only a copy: it is used only when it was written by the last successful run
against the same database, and is rebuilt from the store otherwise. It holds the derived matching
fields (name keys, dates of birth, postcodes, phones, e-mails), so it is written owner-only
(0600) beside the database's own data; set ``JOINEDUP_LINKAGE_CACHE=off`` to never write one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.feather as feather
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from joinedup.linkage.engines import arrow_schema, to_arrow
from joinedup.linkage.frame import FRAME_COLUMNS, records_frame
from joinedup.store.records import LINKAGE_COLUMNS, record_key
from joinedup.store.tables import SourceRecord

log = logging.getLogger(__name__)

VERSION_COLUMN = "record_version"
_FORMAT = "joinedup-frame-cache/2"
_IN_CHUNK = 900


def enabled() -> bool:
    """Whether runs may write and read the cache (``JOINEDUP_LINKAGE_CACHE`` not ``off``)."""
    return os.environ.get("JOINEDUP_LINKAGE_CACHE", "").strip().lower() not in {"off", "0", "no"}


def _directory(engine: Engine) -> Path:
    from joinedup.config import Settings

    # One cache per database, named by a digest of its URL (never the URL, which may hold a
    # password).
    url = engine.url.render_as_string(hide_password=False)
    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    return Settings.from_env().data_dir / "linkage-cache" / digest


def load(engine: Engine, run_id: int) -> pa.Table | None:
    """The frame the run ``run_id`` left, as Arrow with each record's version in
    `VERSION_COLUMN`, or ``None`` if there is no such cache (never written, written by another
    run or for other frame columns, disabled, or unreadable).

    The file is memory-mapped, not read: attaching one record to a million touches only the
    columns and rows it joins on.
    """
    if not enabled():
        return None
    directory = _directory(engine)
    try:
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
        if meta.get("format") != _FORMAT or meta.get("run_id") != run_id:
            return None
        if meta.get("derivation") != derivation_digest():
            return None  # derived by other code: a changed rule must reach every record
        table = feather.read_table(directory / "frame.arrow", memory_map=True)
    except (OSError, ValueError, pa.ArrowException):
        return None
    if not table.schema.equals(schema()):
        return None  # written before the model's frame gained or lost a column
    return table


@lru_cache(maxsize=1)
def derivation_digest() -> str:
    """A digest of the code that derives the frame (``linkage.frame`` and ``standards``).

    A cached row is reused only while this is unchanged: an upgrade that derives a name key or
    a postcode sector differently must not leave old derivations in the index.
    """
    import joinedup.linkage.frame as frame_module
    import joinedup.standards as standards

    digest = hashlib.sha256()
    sources = [Path(str(frame_module.__file__))]
    sources += sorted(Path(str(standards.__file__)).parent.glob("*.py"))
    for source in sources:
        try:
            digest.update(source.read_bytes())
        except OSError:
            digest.update(source.name.encode())
    return digest.hexdigest()[:16]


def schema() -> pa.Schema:
    """The cache's schema: the model frame's, then the record version."""
    return arrow_schema().append(pa.field(VERSION_COLUMN, pa.int64()))


def empty() -> pa.Table:
    """A cache table with no rows."""
    return schema().empty_table()


def with_versions(frame: pd.DataFrame | pa.Table, versions: Mapping[str, int]) -> pa.Table:
    """``frame`` as Arrow (`engines.to_arrow`) with each record's version appended."""
    table = frame if isinstance(frame, pa.Table) else _as_table(frame)
    keys = table.column("unique_id").to_pylist()
    return table.select(list(FRAME_COLUMNS)).append_column(
        VERSION_COLUMN, pa.array([versions[key] for key in keys], pa.int64())
    )


def _as_table(frame: pd.DataFrame) -> pa.Table:
    # pyarrow's own conversion is several times faster than the model's value-by-value one;
    # fall back to that for a frame it cannot take (a stray non-string value).
    try:
        return pa.Table.from_pandas(
            frame[list(FRAME_COLUMNS)], schema=arrow_schema(), preserve_index=False
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return to_arrow(frame)


def save(engine: Engine, run_id: int, table: pa.Table) -> None:
    """Leave ``table`` (`schema`: the frame and each record's version) for the run after
    ``run_id``.

    Written to a temporary name and renamed, so a reader sees the old cache or the new one,
    never half of one (a reader that mapped the old file keeps its copy). A failure to write is
    logged and the cache removed: it only costs time.
    """
    if not enabled():
        return
    directory = _directory(engine)
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        (directory / "meta.json").unlink(missing_ok=True)
        partial = directory / "frame.arrow.partial"
        with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
            feather.write_feather(table.cast(schema()), out, compression="uncompressed")
        partial.replace(directory / "frame.arrow")
        meta = {
            "format": _FORMAT,
            "run_id": run_id,
            "records": table.num_rows,
            "derivation": derivation_digest(),
        }
        (directory / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    except (OSError, pa.ArrowException) as exc:
        log.warning("linkage frame cache not written: %s", type(exc).__name__)
        (directory / "meta.json").unlink(missing_ok=True)


@dataclass(frozen=True)
class Refreshed:
    """The current frame rebuilt from a cached one: which cached rows went, which rows came."""

    table: pa.Table
    fresh: frozenset[str]
    stale: frozenset[str]


def _current_ids(session: Session) -> np.ndarray:
    # Straight from the driver: a million ids through SQLAlchemy's per-row machinery cost twice
    # the driver's fetchall (ORM: five times), and this read is most of attaching one record.
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(f"SELECT id FROM {SourceRecord.__tablename__} WHERE valid_to IS NULL")
        return np.array(cursor.fetchall(), dtype=np.int64).reshape(-1)
    finally:
        cursor.close()


def refresh(session: Session, cached: pa.Table) -> Refreshed:
    """The cached frame brought up to date with the store: rows whose version is no longer
    current dropped (``stale``), current versions the cache lacks derived afresh (``fresh``).

    Only record ids are read for the whole store; full rows only for the fresh versions. The
    result is the frame a full read would give (in another row order).
    """
    records = SourceRecord.__table__
    ids = _current_ids(session)
    cached_versions = cached.column(VERSION_COLUMN)
    still = pc.is_in(cached_versions, value_set=pa.array(ids))
    stale_rows = cached.filter(pc.invert(still))
    # Filtering copies every column: a million rows for nothing when no cached row went.
    kept = cached if stale_rows.num_rows == 0 else cached.filter(still)
    fresh_ids = np.setdiff1d(ids, cached_versions.to_numpy(), assume_unique=True)
    rows: list[dict[str, Any]] = []
    columns = [records.c[name] for name in LINKAGE_COLUMNS]
    for start in range(0, len(fresh_ids), _IN_CHUNK):
        part = [int(i) for i in fresh_ids[start : start + _IN_CHUNK]]
        rows.extend(
            dict(row)
            for row in session.connection()
            .execute(select(*columns).where(records.c.id.in_(part)))
            .mappings()
        )
    parts = [kept]
    if rows:
        versions = {record_key(r["source_id"], r["record_id"]): int(r["id"]) for r in rows}
        parts.append(with_versions(records_frame(rows), versions))
        fresh = frozenset(versions)
    else:
        fresh = frozenset()
    return Refreshed(
        pa.concat_tables(parts),
        fresh,
        frozenset(stale_rows.column("unique_id").to_pylist()),
    )
