"""The record ids of one file, kept in a temporary table so that memory does not grow with it.

Two things about a file need every record id in it: which ids repeat (the later row wins, see
``pipeline``) and, for a full extract, which current records it no longer holds — a row that
is quarantined but whose id is known for certain still holds its record (``add_quarantined``).
Holding a million ids in a Python set or dict costs a few hundred megabytes; here they go to a
temporary table of the ingest's own connection (``COPY`` on PostgreSQL, executemany on
SQLite) and both questions are answered in SQL. Only the ids that repeat come back to Python.

On SQLite the connection's temporary storage is switched to a file for this (the hub's
connections keep temporary tables in memory, which would hold the ids in memory again), and
the connection is detached from the pool so that setting ends with the ingest. The table
goes with the transaction: dropped at commit on PostgreSQL, dropped explicitly on SQLite, and
rolled back with everything else when an ingest fails.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from sqlalchemy import Column, Integer, MetaData, Select, Table, Text, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from joinedup.store.bulk import BulkInsert
from joinedup.store.portable import portable_text
from joinedup.store.tables import SourceRecord

#: Ids sent to the database per round trip.
FLUSH_EVERY = 20_000
#: Lines fetched per round trip when reading the unchanged ones back.
STREAM = 20_000

_METADATA = MetaData()
SEEN = Table(
    "ingest_seen_ids",
    _METADATA,
    Column("record_id", Text, nullable=False),
    Column("line", Integer, nullable=False),
    # The row's raw digest (joinedup.ingest.prepare), when the ingest may skip unchanged lines.
    Column("raw_digest", Text),
    # 1 for the id of a row the store pass quarantined (add_quarantined), else NULL.
    Column("quarantined", Integer),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)


class SeenIds:
    """Collects ``(record id, line)`` for every row of a file, then answers set questions."""

    def __init__(self, session: Session) -> None:
        self._session = session
        connection = session.connection()
        self._sqlite = connection.dialect.name == "sqlite"
        if self._sqlite:
            _temp_on_disk(connection)
            connection.exec_driver_sql("DROP TABLE IF EXISTS temp.ingest_seen_ids")
        SEEN.create(connection)
        self._writer = BulkInsert(session, SEEN, ("record_id", "line", "raw_digest"))
        self._pending: list[tuple[str, int, str | None]] = []
        self.count = 0
        self._quarantined: BulkInsert | None = None

    def add(self, record_id: str, line: int, raw_digest: str | None = None) -> None:
        """Note that ``record_id`` occurs at ``line`` (with this raw digest, if known).

        The id as the store keeps it (a NUL becomes U+FFFD, ``store.portable``): PostgreSQL
        refuses a NUL in text, and one such id failed the whole file there."""
        self._pending.append((portable_text(record_id), line, raw_digest))
        if len(self._pending) >= FLUSH_EVERY:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self.count += self._writer.write(self._pending)
            self._pending = []

    def finish(self) -> None:
        """Send what is left and index the table (once loaded: cheaper than indexing each row)."""
        self._flush()
        self._session.connection().exec_driver_sql(
            "CREATE INDEX ix_ingest_seen_ids ON ingest_seen_ids (record_id)"
        )

    def add_quarantined(self, rows: list[tuple[str, int]]) -> None:
        """Note ``(record id, line)`` of rows the store pass quarantined, whose id is known
        for certain: their records are in the file (:meth:`ids`) and keep their current
        version (:meth:`kept_by_quarantine`). Rows that some later row of the same id
        superseded do not belong here."""
        if self._quarantined is None:
            self._quarantined = BulkInsert(
                self._session, SEEN, ("record_id", "line", "quarantined")
            )
        self._quarantined.write([(portable_text(rid), line, 1) for rid, line in rows])

    def kept_by_quarantine(self, source_id: str) -> int:
        """How many current records of ``source_id`` keep their version only because their
        row was quarantined: a quarantined row holds their id, and no row of theirs was
        kept — their id's last row among those the scan read (the one that wins) is absent,
        or is itself one the store pass quarantined. Asked only when some row was noted."""
        if self._quarantined is None:
            return 0
        record = cast(Table, SourceRecord.__table__)
        kept = aliased(SEEN)
        again = aliased(SEEN)
        row_kept = (
            select(kept.c.line)
            .where(
                kept.c.record_id == SEEN.c.record_id,
                kept.c.quarantined.is_(None),
                _last_of_its_id(kept),
                ~select(again.c.line)
                .where(
                    again.c.record_id == kept.c.record_id,
                    again.c.quarantined == 1,
                    again.c.line == kept.c.line,
                )
                .exists(),
            )
            .exists()
        )
        query = (
            select(func.count(SEEN.c.record_id.distinct()))
            .join(record, _current_record(record, source_id))
            .where(SEEN.c.quarantined == 1, ~row_kept)
        )
        return int(self._session.execute(query).scalar_one())

    def repeated(self) -> dict[str, int]:
        """Ids that occur more than once → the last line they occur on (the row that wins)."""
        query = (
            select(SEEN.c.record_id, func.max(SEEN.c.line))
            .where(SEEN.c.quarantined.is_(None))
            .group_by(SEEN.c.record_id)
            .having(func.count() > 1)
        )
        return {record_id: int(line) for record_id, line in self._session.execute(query)}

    def unchanged_lines(self, source_id: str, today: date) -> bytearray:
        """The lines whose row is its record's current version already, as a bitmap (see
        :attr:`joinedup.ingest.readers.base.Reader.unchanged`): same raw digest, ``today``
        before the version's ``valid_until``, and the last line of its id in the file (an
        earlier one is quarantined as superseded). One join in the database; one bit a line
        comes back (a million lines: 125 KiB).
        """
        record = cast(Table, SourceRecord.__table__)
        query = (
            select(SEEN.c.line)
            .join(record, _current_record(record, source_id))
            .where(
                SEEN.c.quarantined.is_(None),
                record.c.raw_digest == SEEN.c.raw_digest,
                record.c.valid_until.is_(None) | (record.c.valid_until > today),
                _last_of_its_id(SEEN),
            )
            .execution_options(yield_per=STREAM)
        )
        bits = bytearray()
        for part in self._session.execute(query).scalars().partitions(STREAM):
            for line in part:
                index = line >> 3
                if index >= len(bits):
                    bits.extend(bytes(index + 1 - len(bits)))
                bits[index] |= 1 << (line & 7)
        return bits

    def ids(self) -> Select[Any]:
        """A select of every id seen, for comparing in the database (``records.end_absent``):
        those of the rows read and those known for certain of rows quarantined."""
        return select(SEEN.c.record_id)

    def drop(self) -> None:
        """Drop the table now (SQLite; PostgreSQL drops it at commit)."""
        if self._sqlite:
            self._session.connection().exec_driver_sql("DROP TABLE IF EXISTS temp.ingest_seen_ids")


def _temp_on_disk(connection: Any) -> None:
    """Keep this connection's temporary tables in a file, and let the connection go afterwards.

    SQLite refuses the switch once the connection has used temporary storage; then the ids
    stay in memory, which is slower to grow but still correct. An in-memory database (one
    shared connection, tests) is left alone: detaching it would lose the database.
    """
    if connection.engine.url.database in (None, "", ":memory:"):
        return
    try:
        connection.exec_driver_sql("PRAGMA temp_store=FILE")
    except DBAPIError:
        return
    connection.detach()


def _current_record(record: Table, source_id: str) -> ColumnElement[bool]:
    """Join condition: ``record`` is the current version of the staged line's record."""
    return (
        (record.c.source_id == source_id)
        & (record.c.record_id == SEEN.c.record_id)
        & record.c.valid_to.is_(None)
    )


def _last_of_its_id(row: Any) -> ColumnElement[bool]:
    """``row`` (SEEN or an alias) is the last line the scan read its id on: the row that wins."""
    later = aliased(SEEN)
    return ~(
        select(later.c.line)
        .where(
            later.c.record_id == row.c.record_id,
            later.c.quarantined.is_(None),
            later.c.line > row.c.line,
        )
        .exists()
    )
