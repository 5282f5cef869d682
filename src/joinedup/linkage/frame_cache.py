"""A cache of the index's model frame, so an incremental run does not rebuild it from scratch.

An incremental run scores new records against every record of the index, so it needs the whole
model frame (``frame.records_frame``). Reading a large store and deriving the frame is the
slowest part of attaching a handful of records, and almost all of it is the same as last time.
So each successful run leaves the frame it used, with the version of each record, in Arrow
files under ``JOINEDUP_DATA_DIR/linkage-cache/``; the next run maps them, drops records that
changed or ended, and derives only the new and changed ones (``linkage.feed`` says which). The
frame stays Arrow throughout an incremental run: converting a million rows to pandas would cost
more than the whole attach.

The cache is append-only between full runs: an incremental run adds a segment file with the rows
it derived and lists the versions it dropped, instead of rewriting a million rows to add one. A
full run, or a cache that has grown too many segments or dropped rows, is written afresh as one
file. ``meta.json`` names the segments and is replaced last, so a reader sees the old cache or
the new one, never half of one.

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
from collections.abc import Collection, Mapping
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

from joinedup.linkage.derive import VERSION_COLUMN as VERSION_COLUMN
from joinedup.linkage.derive import ChunkDeriver, as_table, with_numbers
from joinedup.linkage.engines import arrow_schema
from joinedup.linkage.feed import Feed
from joinedup.linkage.frame import records_frame
from joinedup.linkage.gc_pause import cycle_collection_paused
from joinedup.store.records import LINKAGE_COLUMNS, STREAM_CHUNK, iter_current_chunks, record_key
from joinedup.store.tables import SourceRecord

log = logging.getLogger(__name__)

#: Stored records per chunk read and derived.
CHUNK = STREAM_CHUNK
_FORMAT = "joinedup-frame-cache/3"
# A cache of this format is one file, ``frame.arrow``; it reads as a single segment.
_SINGLE_FILE_FORMAT = "joinedup-frame-cache/2"
_IN_CHUNK = 900

#: Past this many segments, or dropped rows beyond this share of the rows, the next save writes
#: the cache afresh: every load pays a little per segment and a filter over dropped rows.
MAX_SEGMENTS = 32
MAX_DROPPED_SHARE = 0.02


def enabled() -> bool:
    """Whether runs may write and read the cache (``JOINEDUP_LINKAGE_CACHE`` not ``off``)."""
    return os.environ.get("JOINEDUP_LINKAGE_CACHE", "").strip().lower() not in {"off", "0", "no"}


def cache_directory(engine: Engine) -> Path:
    """Where ``engine``'s database keeps its frame cache (whether or not one is there yet)."""
    from joinedup.config import Settings

    # One cache per database, named by a digest of its URL (never the URL, which may hold a
    # password).
    url = engine.url.render_as_string(hide_password=False)
    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    return Settings.from_env().data_dir / "linkage-cache" / digest


@dataclass(frozen=True)
class Cached:
    """A cache as loaded: the frame (dropped rows removed) and the files it came from."""

    table: pa.Table
    segments: tuple[str, ...]
    dropped: frozenset[int]


def load(engine: Engine, run_id: int, *, adult_sources: Collection[str] = ()) -> Cached | None:
    """The frame the run ``run_id`` left, as Arrow with each record's version in
    `VERSION_COLUMN`, or ``None`` if there is no such cache (never written, written by another
    run, for other frame columns or other ``adult_sources``, disabled, or unreadable).

    The files are memory-mapped, not read: attaching one record to a million touches only the
    columns and rows it joins on.
    """
    if not enabled():
        return None
    directory = cache_directory(engine)
    try:
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
        if meta.get("run_id") != run_id:
            return None
        if meta.get("format") == _SINGLE_FILE_FORMAT:
            meta = {**meta, "segments": ["frame.arrow"], "dropped": []}
        elif meta.get("format") != _FORMAT:
            return None
        if meta.get("derivation") != _derivation(adult_sources):
            # Derived by other code, or with other sources counted as adults': a changed rule
            # or mapping must reach every record.
            return None
        segments = tuple(str(name) for name in meta["segments"])
        dropped = frozenset(int(v) for v in meta["dropped"])
        tables = [feather.read_table(directory / name, memory_map=True) for name in segments]
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException):
        return None
    if not tables or not all(t.schema.equals(schema()) for t in tables):
        return None  # written before the model's frame gained or lost a column
    table = pa.concat_tables(tables)
    if dropped:
        versions = pa.array(sorted(dropped), pa.int64())
        table = table.filter(pc.invert(pc.is_in(table.column(VERSION_COLUMN), value_set=versions)))
    return Cached(table, segments, dropped)


@lru_cache(maxsize=1)
def derivation_digest() -> str:
    """A digest of the code that derives the frame (``linkage.frame``, ``linkage.distinct``
    and ``standards``).

    A cached row is reused only while this is unchanged: an upgrade that derives a name key or
    a postcode sector differently must not leave old derivations in the index.
    """
    import joinedup.linkage.distinct as distinct_module
    import joinedup.linkage.frame as frame_module
    import joinedup.standards as standards

    digest = hashlib.sha256()
    sources = [Path(str(frame_module.__file__)), Path(str(distinct_module.__file__))]
    sources += sorted(Path(str(standards.__file__)).parent.glob("*.py"))
    for source in sources:
        try:
            digest.update(source.read_bytes())
        except OSError:
            digest.update(source.name.encode())
    return digest.hexdigest()[:16]


def _derivation(adult_sources: Collection[str]) -> str:
    """What a cached row was derived with: the code, and the sources whose people are adults."""
    return f"{derivation_digest()}:{','.join(sorted(adult_sources))}"


def schema() -> pa.Schema:
    """The cache's schema: the model frame's, then the record version."""
    return arrow_schema().append(pa.field(VERSION_COLUMN, pa.int64()))


def empty() -> pa.Table:
    """A cache table with no rows."""
    return schema().empty_table()


def with_versions(frame: pd.DataFrame | pa.Table, versions: Mapping[str, int]) -> pa.Table:
    """``frame`` as Arrow (`engines.to_arrow`) with each record's version appended."""
    table = frame if isinstance(frame, pa.Table) else as_table(frame)
    keys = table.column("unique_id").to_pylist()
    return with_numbers(table, np.array([versions[key] for key in keys], dtype=np.int64))


def save(
    engine: Engine,
    run_id: int,
    table: pa.Table,
    *,
    base: Cached | None = None,
    added: pa.Table | None = None,
    dropped: Collection[int] = (),
    adult_sources: Collection[str] = (),
) -> None:
    """Leave ``table`` (`schema`: the frame and each record's version) for the run after
    ``run_id``.

    With ``base`` (the cache this run loaded) ``table`` must be ``base`` less the rows of the
    versions in ``dropped`` plus the rows ``added``: then only ``added`` is written, as a new
    segment, unless the cache has grown past `MAX_SEGMENTS` or `MAX_DROPPED_SHARE`. Otherwise
    the whole table is written as one file. Files are written first and ``meta.json`` replaced
    last; a reader that mapped an old file keeps its copy. A failure to write is logged and the
    cache removed: it only costs time.
    """
    if not enabled():
        return
    directory = cache_directory(engine)
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        gone = base.dropped | {int(v) for v in dropped} if base is not None else frozenset()
        append = (
            base is not None
            and added is not None
            and len(base.segments) < MAX_SEGMENTS
            and len(gone) <= MAX_DROPPED_SHARE * max(table.num_rows, 1)
        )
        if append and base is not None and added is not None:
            segments = list(base.segments)
            if added.num_rows:
                segments.append(_write(directory, f"add-{run_id}.arrow", added))
        else:
            segments, gone = [_write(directory, f"frame-{run_id}.arrow", table)], frozenset()
        meta = {
            "format": _FORMAT,
            "run_id": run_id,
            "records": table.num_rows,
            "derivation": _derivation(adult_sources),
            "segments": segments,
            "dropped": sorted(gone),
        }
        partial = directory / "meta.json.partial"
        partial.write_text(json.dumps(meta), encoding="utf-8")
        partial.replace(directory / "meta.json")
    except (OSError, pa.ArrowException) as exc:
        log.warning("linkage frame cache not written: %s", type(exc).__name__)
        (directory / "meta.json").unlink(missing_ok=True)
        return
    _remove_unlisted(directory, set(segments))


def _write(directory: Path, name: str, table: pa.Table) -> str:
    partial = directory / f"{name}.partial"
    with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
        feather.write_feather(table.cast(schema()), out, compression="uncompressed")
    partial.replace(directory / name)
    return name


def _remove_unlisted(directory: Path, keep: set[str]) -> None:
    # Segments of earlier caches; a reader that mapped one keeps its data until it unmaps.
    for path in directory.glob("*.arrow"):
        if path.name not in keep:
            path.unlink(missing_ok=True)


@dataclass(frozen=True)
class Refreshed:
    """The current frame rebuilt from a cached one: which cached rows went, which rows came.

    ``added`` holds the rows derived afresh (``fresh`` are their keys), ``dropped`` the versions
    of the cached rows that went (``stale`` their keys), and ``linked`` the versions the run
    must mark as taken into the index (`feed.mark_linked`).
    """

    table: pa.Table
    fresh: frozenset[str]
    stale: frozenset[str]
    added: pa.Table
    dropped: frozenset[int]
    linked: frozenset[int]


def refresh(
    session: Session, cached: pa.Table, changes: Feed, *, adult_sources: Collection[str] = ()
) -> Refreshed:
    """The cached frame brought up to date with the store: rows of versions that ended or were
    replaced dropped (``stale``), pending versions the cache lacks derived afresh (``fresh``).

    ``changes`` is the change feed (`feed.read`), so nothing is read for records that did not
    change; full rows only for the fresh versions. The result is the frame a full read would
    give (in another row order), provided every cached version was marked linked when it was
    cached and every end of a version is an update, never a delete (both hold: runs mark what
    they cache, and the store only ever ends versions).
    """
    cached_versions = cached.column(VERSION_COLUMN)
    stale_rows = cached.slice(0, 0)
    kept = cached
    if len(changes.ended):
        gone = pc.is_in(cached_versions, value_set=pa.array(changes.ended))
        stale_rows = cached.filter(gone)
        if stale_rows.num_rows:
            # Filtering copies every column: only when a cached row went.
            kept = cached.filter(pc.invert(gone))
    held: np.ndarray = np.empty(0, dtype=np.int64)
    if len(changes.pending):
        # A version can be cached and still pending when it was ingested while a run read the
        # store; it is current, so it stays, and is marked now.
        in_cache = pc.is_in(cached_versions, value_set=pa.array(changes.pending))
        held = cached_versions.filter(in_cache).to_numpy()
    fresh_ids = np.setdiff1d(changes.pending, held, assume_unique=True)
    added, versions = _derive(session, fresh_ids, adult_sources)
    dropped = stale_rows.column(VERSION_COLUMN).to_pylist()
    parts = [kept, added] if added.num_rows else [kept]
    return Refreshed(
        pa.concat_tables(parts),
        frozenset(versions),
        frozenset(stale_rows.column("unique_id").to_pylist()),
        added,
        frozenset(int(v) for v in dropped),
        frozenset(int(v) for v in (*versions.values(), *held)),
    )


def from_store(
    session: Session, *, adult_sources: Collection[str] = (), helped: bool = True
) -> tuple[pa.Table, dict[str, int]]:
    """Every current record's frame row with its version (`schema`), and each key's version.

    Chunk by chunk into Arrow (``derive``: in a worker beside this process too when a core is
    idle and ``helped``): a million rows held as Python dicts at once took gigabytes. The cycle
    collector is paused throughout (see ``gc_pause``): each chunk is rows, tuples and lists by
    the ten thousand, and the collector walked them over and over (at 97k records it took 30%
    of the read's CPU time, and a collection after the read finds nothing to free).
    """
    with ChunkDeriver(adult_sources, helped=helped) as deriver:
        with cycle_collection_paused():
            for chunk in iter_current_chunks(
                session,
                columns=LINKAGE_COLUMNS,
                mappings=False,
                chunk_size=CHUNK,
                lists_as_stored=True,  # parsed where the chunk is derived, maybe the worker
            ):
                deriver.add([tuple(row) for row in chunk])
        parts = deriver.tables()
    table = pa.concat_tables(parts) if parts else empty()
    keys = table.column("unique_id").to_pylist()
    return table, dict(zip(keys, table.column(VERSION_COLUMN).to_pylist(), strict=True))


def _derive(
    session: Session, ids: np.ndarray, adult_sources: Collection[str]
) -> tuple[pa.Table, dict[str, int]]:
    """The frame rows of these versions, and each one's key → version."""
    records = SourceRecord.__table__
    rows: list[dict[str, Any]] = []
    columns = [records.c[name] for name in LINKAGE_COLUMNS]
    for start in range(0, len(ids), _IN_CHUNK):
        part = [int(i) for i in ids[start : start + _IN_CHUNK]]
        rows.extend(
            dict(row)
            for row in session.connection()
            .execute(select(*columns).where(records.c.id.in_(part)))
            .mappings()
        )
    if not rows:
        return empty(), {}
    versions = {record_key(r["source_id"], r["record_id"]): int(r["id"]) for r in rows}
    return with_versions(records_frame(rows, adult_sources=adult_sources), versions), versions
