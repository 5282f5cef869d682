"""The foundation tables (migration ``0001_foundation``): who holds data, what came, what is kept.

- ``organisations`` — a council, NHS body or charity that holds source systems.
- ``sources`` — one source system and the mapping file it is read with.
- ``ingest_batches`` — one run of ``joinedup ingest`` over one file, with its reconciliation.
- ``source_records`` — every version of every source record: the raw row, the standardised
  person fields (one column each, as in the common person schema), the service attributes and a
  content hash. The current version of a record has ``valid_to IS NULL``; a partial unique index
  guarantees there is at most one.
- ``quarantine`` — rows that could not be trusted, with their raw content and every reason.

The person columns hold the display forms that ``standards/`` produces (ISO date strings, E.164
phones). Matching keys are derived by linkage and never stored in their place.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from joinedup.store.base import Base, BigIntegerPK, JSONType, UTCDateTime, utcnow

BATCH_STATUSES: tuple[str, ...] = ("running", "complete", "failed")

# The reconciliation of a batch: read = stored + updated + unchanged + quarantined + skipped;
# ``ended`` counts records a full extract no longer holds.
BATCH_COUNTS: tuple[str, ...] = (
    "read",
    "stored",
    "updated",
    "unchanged",
    "quarantined",
    "skipped",
    "ended",
)

# The common person schema (docs/developers.md), in its order; one column each.
PERSON_FIELDS: tuple[str, ...] = (
    "title",
    "given_name",
    "middle_names",
    "family_name",
    "name_suffix",
    "preferred_name",
    "other_family_names",
    "date_of_birth",
    "year_of_birth",
    "sex",
    "nhs_number",
    "flat",
    "house_number",
    "house_name",
    "street",
    "locality",
    "town",
    "postcode",
    "uprn",
    "phones",
    "emails",
    "date_of_death",
)
# Person fields that are lists (tuples in ``StandardPerson``), stored as JSON arrays.
PERSON_LIST_FIELDS: frozenset[str] = frozenset({"other_family_names", "phones", "emails"})


class Organisation(Base):
    """A body that holds source systems: a council, an NHS trust or practice, a charity."""

    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    kind: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Source(Base):
    """A source system of one organisation, and the mapping file its extracts are read with."""

    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    organisation_id: Mapped[str] = mapped_column(
        Text, ForeignKey("organisations.id"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(Text, nullable=False)
    format: Mapped[str] = mapped_column(Text, nullable=False)
    # The data category sharing agreements refer to (``finance.council_tax``); may be unset.
    category: Mapped[str | None] = mapped_column(Text)
    # Every person the source holds is an adult (its mapping's ``adults_only``; migration 0007).
    adults_only: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    mapping_text: Mapped[str] = mapped_column(Text, nullable=False)
    mapping_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class IngestBatch(Base):
    """One ingest of one file into one source, with its reconciliation counts."""

    __tablename__ = "ingest_batches"
    __table_args__ = (
        CheckConstraint(
            "status IN ('running', 'complete', 'failed')",
            name="status",
        ),
        # Batch ids only ever grow (never reused after a delete), so "changed since batch N"
        # is a simple comparison.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_id: Mapped[str] = mapped_column(
        Text, ForeignKey("sources.id"), nullable=False, index=True
    )
    file_name: Mapped[str] = mapped_column(Text, nullable=False)
    file_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    full: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(Text, nullable=False, default="running")
    read: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    stored: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    quarantined: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    skipped: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    ended: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    message: Mapped[str | None] = mapped_column(Text)

    def counts(self) -> dict[str, int]:
        """The reconciliation counts as a dict keyed by :data:`BATCH_COUNTS`."""
        return {name: getattr(self, name) for name in BATCH_COUNTS}


class SourceRecord(Base):
    """One version of one source record: raw row, standardised person fields, attributes."""

    __tablename__ = "source_records"
    __table_args__ = (
        UniqueConstraint("source_id", "record_id", "version"),
        # At most one current version per record, and the fast path to it.
        Index(
            "ix_source_records_current",
            "source_id",
            "record_id",
            unique=True,
            sqlite_where="valid_to IS NULL",
            postgresql_where="valid_to IS NULL",
        ),
        # Only ended versions are looked up by the batch that ended them; leaving the (many)
        # current rows out of the index keeps bulk inserts cheaper.
        Index(
            "ix_source_records_ended_batch_id",
            "ended_batch_id",
            sqlite_where="ended_batch_id IS NOT NULL",
            postgresql_where="ended_batch_id IS NOT NULL",
        ),
        # Linkage's change feed (migration 0005): the versions the master person index has not
        # caught up with — current and not yet linked, or linked and since ended. Both stay
        # small, so "what changed since the last link" is an indexed read of a few rows.
        Index(
            "ix_source_records_link_pending",
            "id",
            sqlite_where="valid_to IS NULL AND linked_run IS NULL",
            postgresql_where="valid_to IS NULL AND linked_run IS NULL",
        ),
        Index(
            "ix_source_records_link_ended",
            "id",
            sqlite_where="valid_to IS NOT NULL AND linked_run IS NOT NULL",
            postgresql_where="valid_to IS NOT NULL AND linked_run IS NOT NULL",
        ),
    )

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True, autoincrement=True)
    source_id: Mapped[str] = mapped_column(Text, ForeignKey("sources.id"), nullable=False)
    record_id: Mapped[str] = mapped_column(Text, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    batch_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("ingest_batches.id"), nullable=False, index=True
    )
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # NULL while this is the current version; set when a newer version replaces it or a full
    # extract no longer holds the record.
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The batch that ended this version (NULL while current), so incremental linkage can find
    # the records that went away since its last run.
    ended_batch_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("ingest_batches.id"))
    # The link run that took this version into the master person index; NULL until one has
    # (ingest never sets it), and NULL again once a run has taken the ended version out. Not a
    # foreign key: the store may prune runs and versions independently.
    linked_run: Mapped[int | None] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    raw: Mapped[Any] = mapped_column(JSONType, nullable=False)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    dq_warnings: Mapped[list[Any]] = mapped_column(JSONType, nullable=False, default=list)
    # What lets a re-ingest skip standardising an unchanged row (migration 0006): a digest of
    # the raw row as read, the mapping and the standardisers' version (see
    # joinedup.ingest.prepare), and the first day on which standardising the same row might
    # give another answer (NULL: never). NULL digest on versions stored before 0006.
    raw_digest: Mapped[str | None] = mapped_column(String(32))
    valid_until: Mapped[date | None] = mapped_column(Date)

    title: Mapped[str | None] = mapped_column(Text)
    given_name: Mapped[str | None] = mapped_column(Text)
    middle_names: Mapped[str | None] = mapped_column(Text)
    family_name: Mapped[str | None] = mapped_column(Text, index=True)
    name_suffix: Mapped[str | None] = mapped_column(Text)
    preferred_name: Mapped[str | None] = mapped_column(Text)
    other_family_names: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    date_of_birth: Mapped[str | None] = mapped_column(Text, index=True)
    year_of_birth: Mapped[int | None] = mapped_column(Integer)
    sex: Mapped[str | None] = mapped_column(Text)
    nhs_number: Mapped[str | None] = mapped_column(Text, index=True)
    flat: Mapped[str | None] = mapped_column(Text)
    house_number: Mapped[str | None] = mapped_column(Text)
    house_name: Mapped[str | None] = mapped_column(Text)
    street: Mapped[str | None] = mapped_column(Text)
    locality: Mapped[str | None] = mapped_column(Text)
    town: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(Text, index=True)
    uprn: Mapped[str | None] = mapped_column(Text, index=True)
    phones: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    emails: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    date_of_death: Mapped[str | None] = mapped_column(Text)

    @property
    def key(self) -> str:
        """Linkage's ``unique_id`` for this record: ``f"{source_id}|{record_id}"``."""
        return f"{self.source_id}|{self.record_id}"


class QuarantineEntry(Base):
    """A row that could not be trusted: where it was, what it held, and every reason."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("ingest_batches.id"), nullable=False, index=True
    )
    source_id: Mapped[str] = mapped_column(
        Text, ForeignKey("sources.id"), nullable=False, index=True
    )
    # The physical line in the file where there is one (CSV, JSON Lines); NULL for Excel/FHIR.
    line_number: Mapped[int | None] = mapped_column(Integer)
    # The position of the record among the records read (1-based), for every format.
    record_number: Mapped[int] = mapped_column(Integer, nullable=False)
    raw: Mapped[str] = mapped_column(Text, nullable=False)
    reasons: Mapped[list[Any]] = mapped_column(JSONType, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
