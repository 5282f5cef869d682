"""Tables of the master person index: runs, persons, membership, events, evidence, review.

Records are named by their linkage key ``"{source_id}|{record_id}"`` (``store.records.
record_key``), the same across versions of a record, so the index survives a record being
re-ingested. Membership and review decisions keep their history: a membership row is closed
(``to_run`` set) rather than deleted, and decisions are only ever appended, the latest for a
pair being the one in force. Person ids are opaque (``ids.new_person_id``) and never reused; a
retired person keeps its row with ``redirect_to`` naming where its records went.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from joinedup.store.base import Base, BigIntegerPK, JSONType, UTCDateTime

# Long enough for a source id, a bar and a source system's own record id.
RECORD_KEY = String(320)
PERSON_ID = String(32)


class LinkRun(Base):
    """One ``joinedup link`` run: what it did, with which model and thresholds, and how long."""

    __tablename__ = "link_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mode: Mapped[str] = mapped_column(String(12), nullable=False)  # full | incremental
    engine: Mapped[str] = mapped_column(String(12), nullable=False)  # duckdb | spark
    status: Mapped[str] = mapped_column(String(12), nullable=False)  # running | done | failed
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seconds: Mapped[float | None] = mapped_column(Float)
    model_json: Mapped[str | None] = mapped_column(Text)
    thresholds: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # A failure's class and message; never record contents (the model sees none in messages).
    error: Mapped[str | None] = mapped_column(Text)


class Person(Base):
    """A resident in the master person index; retired ids stay, redirecting where they went."""

    __tablename__ = "persons"

    person_id: Mapped[str] = mapped_column(PERSON_ID, primary_key=True)
    created_run: Mapped[int] = mapped_column(
        Integer, ForeignKey("link_runs.id"), nullable=False, index=True
    )
    status: Mapped[str] = mapped_column(String(8), nullable=False)  # active | retired
    redirect_to: Mapped[str | None] = mapped_column(PERSON_ID, index=True)
    retired_run: Mapped[int | None] = mapped_column(Integer, ForeignKey("link_runs.id"))


class PersonMember(Base):
    """A record's membership of a person from one run until another (``to_run`` NULL: now)."""

    __tablename__ = "person_members"
    __table_args__ = (
        Index("ix_person_members_record_key_to_run", "record_key", "to_run"),
        Index("ix_person_members_person_id_to_run", "person_id", "to_run"),
        Index("ix_person_members_record_version", "record_version"),
    )

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True, autoincrement=True)
    record_key: Mapped[str] = mapped_column(RECORD_KEY, nullable=False)
    person_id: Mapped[str] = mapped_column(
        PERSON_ID, ForeignKey("persons.person_id"), nullable=False
    )
    from_run: Mapped[int] = mapped_column(Integer, ForeignKey("link_runs.id"), nullable=False)
    to_run: Mapped[int | None] = mapped_column(Integer, ForeignKey("link_runs.id"))
    # The ``source_records.id`` of the version last linked: a current version with another id
    # is a changed record for the next incremental run. Not a foreign key, so that the store
    # may prune old versions without asking linkage.
    record_version: Mapped[int | None] = mapped_column(BigInteger)


class PersonEvent(Base):
    """A create, merge, split or retire of persons in a run (``ids.PersonEvent`` stored), or a
    ``redirect``: an id merged away earlier pointed at the person now holding its records."""

    __tablename__ = "person_events"

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("link_runs.id"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    person_ids: Mapped[list[str]] = mapped_column(JSONType, nullable=False)
    record_counts: Mapped[list[int]] = mapped_column(JSONType, nullable=False)
    # The first id, kept as a column so "what happened to this person" is one indexed lookup.
    person_id: Mapped[str] = mapped_column(PERSON_ID, nullable=False, index=True)


class MatchEvidence(Base):
    """Why a record is attached to its person: its best match inside the person, and the weights.

    One row per record, replaced when a run re-evaluates the record (the run is noted); history
    of *where* a record was lives in ``person_members``.
    """

    __tablename__ = "match_evidence"

    record_key: Mapped[str] = mapped_column(RECORD_KEY, primary_key=True)
    person_id: Mapped[str] = mapped_column(PERSON_ID, nullable=False, index=True)
    run_id: Mapped[int] = mapped_column(Integer, ForeignKey("link_runs.id"), nullable=False)
    matched_record_key: Mapped[str | None] = mapped_column(RECORD_KEY)
    match_probability: Mapped[float | None] = mapped_column(Float)
    match_weight: Mapped[float | None] = mapped_column(Float)
    field_weights: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # How the record came to be here: "model", "review" (a link decision) or "alone".
    basis: Mapped[str] = mapped_column(String(12), nullable=False)


class ReviewItem(Base):
    """A pair of records a person should look at: uncertain, or holding a person together alone.

    The pair is in canonical order (``record_key_l < record_key_r``) so it has one row whoever
    found it; a later run updates the scores of an open item rather than adding another.
    """

    __tablename__ = "review_items"
    __table_args__ = (
        Index("ix_review_items_status_risk", "status", "risk"),
        Index("uq_review_items_pair", "record_key_l", "record_key_r", unique=True),
    )

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True, autoincrement=True)
    record_key_l: Mapped[str] = mapped_column(RECORD_KEY, nullable=False)
    record_key_r: Mapped[str] = mapped_column(RECORD_KEY, nullable=False)
    match_weight: Mapped[float | None] = mapped_column(Float)
    match_probability: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(16), nullable=False)  # uncertain | weak_link
    risk: Mapped[float] = mapped_column(Float, nullable=False)
    status: Mapped[str] = mapped_column(String(8), nullable=False)  # open | decided
    run_id: Mapped[int] = mapped_column(Integer, ForeignKey("link_runs.id"), nullable=False)
    person_id: Mapped[str | None] = mapped_column(PERSON_ID)


class ReviewDecision(Base):
    """A reviewer's decision on a pair; append-only, the latest for a pair is in force."""

    __tablename__ = "review_decisions"
    __table_args__ = (
        Index("ix_review_decisions_record_key_l_record_key_r", "record_key_l", "record_key_r"),
    )

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True, autoincrement=True)
    record_key_l: Mapped[str] = mapped_column(RECORD_KEY, nullable=False)
    record_key_r: Mapped[str] = mapped_column(RECORD_KEY, nullable=False)
    decision: Mapped[str] = mapped_column(String(8), nullable=False)  # link | not-link
    reviewer: Mapped[str] = mapped_column(String(200), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
