"""Repository for versioned source records (no business rules: what changed is ingest's call).

A record is identified across versions by ``(source_id, record_id)``; its current version has
``valid_to IS NULL`` and at most one version may be current (a partial unique index says so),
so a caller replacing a record ends the old version before inserting the new one.

Everything here is built for a source of a million records: reads select only the columns they
need and stream with ``yield_per``; writes go in executemany chunks.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from operator import itemgetter
from typing import Any, NamedTuple, cast

import orjson
from sqlalchemy import RowMapping, Select, Table, Text, func, select, text, type_coerce, update
from sqlalchemy.orm import Session

from joinedup.store.base import utcnow
from joinedup.store.bulk import BulkInsert
from joinedup.store.portable import portable_text
from joinedup.store.tables import PERSON_FIELDS, PERSON_LIST_FIELDS, SourceRecord

# Rows per executemany for inserts; ids per statement for updates (SQLite builds older than
# 3.32 allow only 999 bound parameters in one statement).
INSERT_CHUNK = 5_000
UPDATE_CHUNK = 900
# Rows fetched per round trip when streaming.
STREAM_CHUNK = 10_000

_TABLE = cast(Table, SourceRecord.__table__)
# The same table again, for "versions ended by a batch" against "versions current now".
_ended = _TABLE.alias("ended")

# Columns a caller must give for each new version; the rest default (see insert_versions).
REQUIRED_COLUMNS: tuple[str, ...] = (
    "source_id",
    "record_id",
    "version",
    "batch_id",
    "content_hash",
    "raw",
)
_ALLOWED = (
    frozenset(REQUIRED_COLUMNS)
    | frozenset(PERSON_FIELDS)
    | {
        "valid_from",
        "attributes",
        "dq_warnings",
        "raw_digest",
        "valid_until",
    }
)

# What linkage needs of a record: its identity and the person fields, not the raw row.
IDENTITY_COLUMNS: tuple[str, ...] = ("id", "source_id", "record_id", "version", "batch_id")
LINKAGE_COLUMNS: tuple[str, ...] = IDENTITY_COLUMNS + PERSON_FIELDS


class CurrentVersion(NamedTuple):
    """The current version of one record, as much as ingest needs to decide what changed."""

    id: int
    version: int
    content_hash: str
    # The digest of the raw row it was standardised from, and until when that holds (see
    # joinedup.ingest.prepare); only record_states reads them.
    raw_digest: str | None = None
    valid_until: date | None = None

    @property
    def row_id(self) -> int:
        """The ``source_records.id`` of this version (an alias of ``id``)."""
        return self.id


def record_key(source_id: str, record_id: str) -> str:
    """The key that names a record across versions and in linkage: ``"source_id|record_id"``.

    Example: ``record_key("gp", "A123") == "gp|A123"``.
    """
    return f"{source_id}|{record_id}"


def split_record_key(key: str) -> tuple[str, str]:
    """The ``(source_id, record_id)`` of a :func:`record_key` (record ids may contain ``|``)."""
    source_id, sep, record_id = key.partition("|")
    if not sep:
        raise ValueError(f"not a record key (expected 'source|record'): {key!r}")
    return source_id, record_id


def current_versions(session: Session, source_id: str) -> dict[str, CurrentVersion]:
    """Every current record of ``source_id``: record id → (row id, version, content hash).

    Selects only those columns and streams them, so a source of a million records costs one
    dict of a million small tuples and no ORM objects.
    """
    query = (
        select(_TABLE.c.record_id, _TABLE.c.id, _TABLE.c.version, _TABLE.c.content_hash)
        .where(_TABLE.c.source_id == source_id, _TABLE.c.valid_to.is_(None))
        .execution_options(yield_per=STREAM_CHUNK)
    )
    return {
        record_id: CurrentVersion(row_id, version, content_hash)
        for record_id, row_id, version, content_hash in session.execute(query)
    }


class RecordState(NamedTuple):
    """What ingest needs to know of one record id: its current version (if any) and the
    highest version number it has ever had (0 when never stored)."""

    current: CurrentVersion | None
    last_version: int


def record_states(
    session: Session, source_id: str, record_ids: Collection[str]
) -> dict[str, RecordState]:
    """The :class:`RecordState` of each of ``record_ids`` that ``source_id`` has ever stored.

    Ids never stored are absent. Made for deciding a chunk of rows at a time (a few thousand
    ids, looked up through the ``(source_id, record_id, version)`` index), so that ingest holds
    one chunk's states rather than every record of a source. A record a full extract ended
    and that now comes back has no current version but keeps its ``last_version``, so its new
    version is numbered after the old ones.
    """
    found: dict[str, RecordState] = {}
    ids = list(dict.fromkeys(record_ids))
    connection = session.connection()
    # Plain SQL in the driver's own placeholders: building and expanding the same select of
    # 900 ids through SQLAlchemy cost more than the database's look-ups themselves.
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    for start in range(0, len(ids), UPDATE_CHUNK):
        part = ids[start : start + UPDATE_CHUNK]
        sql = (
            "SELECT record_id, id, version, content_hash, valid_to IS NULL, raw_digest, "
            "valid_until FROM source_records "
            f"WHERE source_id = {mark} AND record_id IN ({', '.join([mark] * len(part))})"
        )
        cursor = connection.connection.cursor()  # the DB-API's own rows: no Row per version
        try:
            cursor.execute(sql, (source_id, *part))
            rows = cursor.fetchall()
        finally:
            cursor.close()
        for record_id, row_id, version, content_hash, is_current, digest, until in rows:
            state = found.get(record_id)
            current = state.current if state is not None else None
            last = max(state.last_version, version) if state is not None else version
            if is_current:
                if type(until) is str:  # SQLite gives the date as its ISO text
                    until = date.fromisoformat(until)
                current = CurrentVersion(row_id, version, content_hash, digest, until)
            found[record_id] = RecordState(current, last)
    return found


def ended_versions(session: Session, source_id: str) -> dict[str, int]:
    """Records of ``source_id`` with no current version: record id → their highest version.

    A record a full extract dropped can come back later; its new version must be numbered
    after the old ones (``ended_versions(...).get(record_id, 0) + 1``), not start again at 1.
    Streams, and holds only the records that went away.
    """
    query = (
        select(_TABLE.c.record_id, func.max(_TABLE.c.version))
        .where(_TABLE.c.source_id == source_id)
        .group_by(_TABLE.c.record_id)
        # count(valid_to) skips NULLs: equal to count(*) when no version is current.
        .having(func.count(_TABLE.c.valid_to) == func.count())
        .execution_options(yield_per=STREAM_CHUNK)
    )
    return {record_id: int(version) for record_id, version in session.execute(query)}


def insert_versions(session: Session, rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert new record versions in bulk; returns how many were inserted.

    Each row maps column names to values: ``source_id``, ``record_id``, ``version``,
    ``batch_id``, ``content_hash`` and ``raw`` are required; ``valid_from`` (default now),
    ``attributes`` (default ``{}``), ``dq_warnings`` (default ``[]``) and any field of the common
    person schema are optional (missing person fields are NULL, missing list fields ``[]``;
    tuples are stored as JSON arrays). An unknown column name raises ``ValueError``. NUL
    characters, which PostgreSQL cannot store, become U+FFFD on every backend.
    Rows go to the driver in chunks of :data:`INSERT_CHUNK` (``COPY`` on PostgreSQL).
    """
    writer = BulkInsert(session, _TABLE, INSERT_COLUMNS)
    now = utcnow()
    written = 0
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(_version_row(row, now))
        if len(chunk) >= INSERT_CHUNK:
            written += writer.write(chunk)
            chunk = []
    if chunk:
        written += writer.write(chunk)
    return written


def insert_prepared(session: Session, rows: Sequence[Sequence[Any]]) -> int:
    """Insert new versions given as tuples in :data:`INSERT_COLUMNS` order, complete.

    For a caller that builds rows by the hundred thousand (ingest): nothing is defaulted or
    checked here, so each row must carry every required value, ``valid_from``, the attributes
    and warnings, and the person fields, with no NUL in its text. A JSON column (``raw``,
    ``attributes``, ``dq_warnings``, the list fields) takes a value to serialise, or a ``str``
    that is its JSON text already. Returns how many rows were written (``COPY`` on
    PostgreSQL, ``executemany`` on SQLite).
    """
    return BulkInsert(session, _TABLE, INSERT_COLUMNS, json_text=True).write(rows)


# Column order of the tuples handed to the driver.
INSERT_COLUMNS: tuple[str, ...] = (
    *REQUIRED_COLUMNS,
    "valid_from",
    "attributes",
    "dq_warnings",
    *PERSON_FIELDS,
    "raw_digest",
    "valid_until",
)
# Text person fields (all but the lists and the year), checked for NUL in one pass.
_TEXT_FIELDS = tuple(
    name for name in PERSON_FIELDS if name not in PERSON_LIST_FIELDS and name != "year_of_birth"
)
_EMPTY_ROW: dict[str, Any] = dict.fromkeys(INSERT_COLUMNS)
_ALL_VALUES = itemgetter(*INSERT_COLUMNS)
_REQUIRED_VALUES = itemgetter(*REQUIRED_COLUMNS)
_TEXT_VALUES = itemgetter(*_TEXT_FIELDS)


def _version_row(row: Mapping[str, Any], now: datetime) -> tuple[Any, ...]:
    """One row for the driver, in :data:`INSERT_COLUMNS` order, with the defaults filled in.

    Runs once per stored record, so it sticks to C-level dict and tuple operations.
    """
    if not _ALLOWED.issuperset(row.keys()):
        raise ValueError(f"unknown source_records columns {sorted(row.keys() - _ALLOWED)}")
    out = {**_EMPTY_ROW, **row}
    if None in _REQUIRED_VALUES(out):
        missing = [name for name in REQUIRED_COLUMNS if out[name] is None]
        raise ValueError(f"a record version needs {missing}")
    if out["valid_from"] is None:
        out["valid_from"] = now
    if out["attributes"] is None:
        out["attributes"] = {}
    if out["dq_warnings"] is None:
        out["dq_warnings"] = []
    for name in PERSON_LIST_FIELDS:
        value = out[name]
        out[name] = list(value) if value else []
    # JSON values are cleaned of NUL by the engine's serializer; the text columns here.
    texts = [value for value in _TEXT_VALUES(out) if value]
    texts.append(out["record_id"])
    try:
        has_nul = "\x00" in "\x01".join(texts)
    except TypeError:  # a non-text value: let the database judge it, but still check the rest
        has_nul = any(isinstance(v, str) and "\x00" in v for v in texts)
    if has_nul:
        for name in (*_TEXT_FIELDS, "record_id", "source_id"):
            if isinstance(out[name], str):
                out[name] = portable_text(out[name])
    return _ALL_VALUES(out)


def set_raw_digests(session: Session, rows: Sequence[tuple[str, date | None, int]]) -> int:
    """Set ``(raw_digest, valid_until)`` on the versions with these row ids, given as
    ``(raw_digest, valid_until, id)`` tuples; returns how many rows were given.

    For a re-ingest that standardised a row and found its content unchanged, but the digest
    stored with the version missing (a version stored before migration 0006) or out of date
    (the raw row was reformatted, or the day it held until has passed): the next re-ingest of
    the same row can then skip it. One ``executemany`` on the session's connection.
    """
    if not rows:
        return 0
    connection = session.connection()
    if connection.dialect.paramstyle == "qmark":  # SQLite: dates as the ISO text SQLAlchemy stores
        sql = "UPDATE source_records SET raw_digest = ?, valid_until = ? WHERE id = ?"
        values: list[tuple[Any, ...]] = [
            (digest, until.isoformat() if until is not None else None, row_id)
            for digest, until, row_id in rows
        ]
    else:
        sql = "UPDATE source_records SET raw_digest = %s, valid_until = %s WHERE id = %s"
        values = list(rows)
    connection.exec_driver_sql(sql, values)
    return len(rows)


def end_versions(
    session: Session, row_ids: Iterable[int], at: datetime, *, batch_id: int | None = None
) -> int:
    """End the record versions with these row ids at ``at`` (bulk); returns how many were ended.

    ``batch_id``, when given, records which batch ended them (a changed row, or a record a full
    extract no longer holds), so incremental linkage can find what went away. Versions already
    ended are left as they were.
    """
    ids = list(row_ids)
    ended = 0
    values: dict[str, Any] = {"valid_to": at}
    if batch_id is not None:
        values["ended_batch_id"] = batch_id
    for start in range(0, len(ids), UPDATE_CHUNK):
        part = ids[start : start + UPDATE_CHUNK]
        result = session.execute(
            update(_TABLE)
            .where(_TABLE.c.id.in_(part), _TABLE.c.valid_to.is_(None))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        ended += result.rowcount  # type: ignore[attr-defined]
    return ended


def refresh_statistics(session: Session) -> None:
    """Refresh PostgreSQL's planner statistics of ``source_records`` (nothing on SQLite).

    A bulk load that looks records up while it inserts them, in one transaction, can outgrow
    the statistics the planner last saw: believing the table small, it scans every row of a
    source for each lookup instead of using the ``(source_id, record_id)`` index, and the load
    becomes quadratic. ``ANALYZE`` inside the transaction counts its own new rows, so calling
    this whenever the table has grown a lot (doubled, say) keeps lookups on the index.
    """
    if session.connection().dialect.name == "postgresql":
        session.execute(text("ANALYZE source_records"))


def end_absent(
    session: Session, source_id: str, present: Select[Any], at: datetime, *, batch_id: int
) -> int:
    """End every current record of ``source_id`` whose record id ``present`` does not return.

    ``present`` is a one-column select of record ids (a full extract's ids, say, staged in a
    temporary table), so the set is compared in the database and never held in Python.
    Returns how many versions were ended; ``batch_id`` is recorded as the batch that ended them.
    """
    listed = present.where(present.selected_columns[0] == _TABLE.c.record_id).exists()
    result = session.execute(
        update(_TABLE)
        .where(_TABLE.c.source_id == source_id, _TABLE.c.valid_to.is_(None), ~listed)
        .values(valid_to=at, ended_batch_id=batch_id)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def stored_list(value: Any) -> list[Any]:
    """A list column's value read with ``lists_as_stored``: JSON text (SQLite) or the list the
    driver already parsed (PostgreSQL's ``jsonb``), as the list SQLAlchemy would have given."""
    if value.__class__ is not str:
        return value
    if value == "[]":
        return []
    # The columns hold lists of text (names, phones, emails), which orjson reads exactly as
    # ``json`` does, several times faster.
    return orjson.loads(value)


def _current_query(
    source_ids: Collection[str] | None,
    changed_since_batch: int | None,
    columns: Sequence[str] | None,
    *,
    lists_as_stored: bool = False,
) -> Select[Any]:
    if columns:
        unknown = [name for name in columns if name not in _TABLE.c]
        if unknown:
            raise ValueError(f"unknown source_records columns {unknown}")
    names = list(columns) if columns else [c.name for c in _TABLE.c]
    selected = [
        type_coerce(_TABLE.c[name], Text).label(name)
        if lists_as_stored and name in PERSON_LIST_FIELDS
        else _TABLE.c[name]
        for name in names
    ]
    query = select(*selected).where(_TABLE.c.valid_to.is_(None))
    if source_ids is not None:
        query = query.where(_TABLE.c.source_id.in_(list(source_ids)))
    if changed_since_batch is not None:
        query = query.where(_TABLE.c.batch_id > changed_since_batch)
    # A stable order, so two runs over the same data see the same sequence on every backend.
    return query.order_by(_TABLE.c.id)


def iter_current(
    session: Session,
    source_ids: Collection[str] | None = None,
    changed_since_batch: int | None = None,
    *,
    columns: Sequence[str] | None = None,
    chunk_size: int = STREAM_CHUNK,
) -> Iterator[RowMapping]:
    """Stream the current version of every record, one read-only mapping per record.

    ``source_ids`` limits the sources; ``changed_since_batch`` keeps only records stored or
    changed by a batch newer than that id (for incremental linkage); ``columns`` selects
    columns (all by default; :data:`LINKAGE_COLUMNS` leaves out the raw row and attributes).
    Rows are fetched ``chunk_size`` at a time (a server-side cursor on PostgreSQL), so memory
    stays flat over a million records. Ordered by row id.
    """
    for chunk in iter_current_chunks(
        session, source_ids, changed_since_batch, columns=columns, chunk_size=chunk_size
    ):
        yield from chunk


def iter_current_chunks(
    session: Session,
    source_ids: Collection[str] | None = None,
    changed_since_batch: int | None = None,
    *,
    columns: Sequence[str] | None = None,
    chunk_size: int = STREAM_CHUNK,
    mappings: bool = True,
    lists_as_stored: bool = False,
) -> Iterator[list[Any]]:
    """Like :func:`iter_current`, but yield lists of up to ``chunk_size`` records at a time.

    Handy for building a data frame per chunk rather than one row at a time. With
    ``mappings=False`` each record is a row of the selected ``columns``, in their order.
    ``lists_as_stored=True`` leaves the list columns (:data:`PERSON_LIST_FIELDS`) as the
    driver returns them — JSON text on SQLite — for the caller to read with
    :func:`stored_list`, perhaps in another process: SQLAlchemy's JSON processing was over
    half the CPU of fetching a million records (19.1 s of fetching against 5.7 s without it).
    """
    query = _current_query(
        source_ids, changed_since_batch, columns, lists_as_stored=lists_as_stored
    ).execution_options(yield_per=chunk_size)
    result = session.execute(query)
    parts = result.mappings().partitions(chunk_size) if mappings else result.partitions(chunk_size)
    for part in parts:
        yield list(part)


def ended_since(
    session: Session, batch_id: int, source_ids: Collection[str] | None = None
) -> list[str]:
    """Record keys whose current version was ended by a batch newer than ``batch_id``, and
    that have no current version now (records that went away rather than changed)."""
    current = (
        select(_TABLE.c.id)
        .where(
            _TABLE.c.valid_to.is_(None),
            _TABLE.c.source_id == _ended.c.source_id,
            _TABLE.c.record_id == _ended.c.record_id,
        )
        .exists()
    )
    query = (
        select(_ended.c.source_id, _ended.c.record_id)
        .where(_ended.c.ended_batch_id > batch_id, ~current)
        .distinct()
        .order_by(_ended.c.source_id, _ended.c.record_id)
    )
    if source_ids is not None:
        query = query.where(_ended.c.source_id.in_(list(source_ids)))
    return [record_key(s, r) for s, r in session.execute(query)]


def get_current(session: Session, source_id: str, record_id: str) -> SourceRecord | None:
    """The current version of one record, or ``None`` if there is none (never stored, or ended)."""
    return session.scalars(
        select(SourceRecord).where(
            SourceRecord.source_id == source_id,
            SourceRecord.record_id == record_id,
            SourceRecord.valid_to.is_(None),
        )
    ).one_or_none()


def get_versions(session: Session, source_id: str, record_id: str) -> list[SourceRecord]:
    """Every version of one record, oldest first (the record's history)."""
    return list(
        session.scalars(
            select(SourceRecord)
            .where(SourceRecord.source_id == source_id, SourceRecord.record_id == record_id)
            .order_by(SourceRecord.version)
        )
    )


def has_versions(session: Session, source_id: str) -> bool:
    """Whether ``source_id`` has stored any version at all (one indexed probe)."""
    query = select(_TABLE.c.id).where(_TABLE.c.source_id == source_id).limit(1)
    return session.execute(query).first() is not None


def any_stored(session: Session) -> bool:
    """Whether any source has stored any version at all (one probe)."""
    return session.execute(select(_TABLE.c.id).limit(1)).first() is not None


def count_current(session: Session, source_id: str | None = None) -> int:
    """How many records are current (in ``source_id``, or in all sources)."""
    query = select(func.count()).select_from(_TABLE).where(_TABLE.c.valid_to.is_(None))
    if source_id is not None:
        query = query.where(_TABLE.c.source_id == source_id)
    return int(session.scalar(query) or 0)
