"""Governance tables: the audit trail and its checkpoints, and what policy decisions rest on.

- ``audit_events`` and ``audit_checkpoints`` are append-only: migration 0003 installs triggers
  that make the database itself refuse UPDATE and DELETE on them (SQLite and PostgreSQL). Rows
  are written only by :func:`joinedup.audit.log.append`; their hash chain is checked by
  :func:`joinedup.audit.verify.verify`.
- ``audit_chain_lock`` holds one row whose only job is to be locked: on SQLite an UPDATE of it
  takes the write lock before the chain head is read, so concurrent appends queue up.
- ``declared_relationships``, ``resident_choices``, ``break_glass_sessions`` and ``alerts`` are
  the inputs to :func:`joinedup.policy.decide` and the IG officer's queue. Choices are kept as a
  history (one row per choice made); the latest per (person, kind, purpose, source) is in force.
- ``agreement_versions`` keeps the text of every agreement version that has been in force, so
  the hash on an audit row can always be traced back to the words it stands for.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from joinedup.store.base import Base, BigIntegerPK, JSONType, UTCDateTime

PERSON_ID = String(32)
ACTOR = String(200)
ORG = String(100)
NAME = String(40)
HASH = String(64)


class AuditEvent(Base):
    """One access to personal data (or governance action), chained to the one before by hash.

    ``seq`` is assigned by the appender as the previous head plus one, under a lock, so the
    chain has no gaps; ``hash`` is SHA-256 over ``prev_hash`` and the canonical JSON of every
    other column (see :mod:`joinedup.audit.chain`).
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_person_id_at", "person_id", "at"),
        Index("ix_audit_events_actor_at", "actor", "at"),
        # Break-glass events only (a few in a thousand): the IG officer's break-glass search
        # reads these instead of the trail from its newest event back (migration 0013).
        Index(
            "ix_audit_events_break_glass",
            "seq",
            sqlite_where=text("break_glass = 1"),
            postgresql_where=text("break_glass"),
        ),
    )

    seq: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True, autoincrement=False)
    event_id: Mapped[str] = mapped_column(String(36), nullable=False, unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    actor: Mapped[str] = mapped_column(ACTOR, nullable=False)
    organisation: Mapped[str] = mapped_column(ORG, nullable=False)
    role: Mapped[str] = mapped_column(NAME, nullable=False)
    purpose: Mapped[str | None] = mapped_column(NAME)
    case_reference: Mapped[str | None] = mapped_column(String(200))
    person_id: Mapped[str | None] = mapped_column(PERSON_ID)
    action: Mapped[str] = mapped_column(String(60), nullable=False)
    decision: Mapped[str] = mapped_column(String(10), nullable=False)  # permit|partial|deny|none
    categories: Mapped[list[str]] = mapped_column(JSONType, nullable=False)
    agreements: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False)
    request_id: Mapped[str | None] = mapped_column(String(64), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    break_glass: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Migration 0014. Which credential acted: "session:<id>" or "token:<id>" (never a secret).
    credential: Mapped[str | None] = mapped_column(String(40))
    # Migration 0014. The organisation of the account an administrator's change was made to:
    # that organisation's IG officer answers for it.
    account_organisation: Mapped[str | None] = mapped_column(ORG)
    # Migration 0016. What an access decision did not release: [{"source", "category",
    # "reason_code"}], every item (sealed sources too); NULL for an event recording no decision
    # and for every event written before the column.
    withheld: Mapped[list[dict[str, str]] | None] = mapped_column(JSONType)
    prev_hash: Mapped[str] = mapped_column(HASH, nullable=False)
    # Not unique (migration 0010): the chain makes it so, and an index on random hashes cost
    # every append a page.
    hash: Mapped[str] = mapped_column(HASH, nullable=False)


class AuditCheckpoint(Base):
    """An Ed25519 signature over the chain's hash at event ``seq``: history up to it is sealed."""

    __tablename__ = "audit_checkpoints"

    seq: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(HASH, nullable=False)
    signature: Mapped[str] = mapped_column(String(100), nullable=False)  # base64, 64 bytes
    key_id: Mapped[str] = mapped_column(String(32), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # The interval (JOINEDUP_AUDIT_CHECKPOINT_EVERY) in force when it was signed, and signed
    # with it, so a missing checkpoint is evidence whatever the interval is now; NULL on
    # checkpoints older than migration 0009, 0 where automatic checkpoints were off.
    cadence: Mapped[int | None] = mapped_column(Integer, nullable=True)


class AuditChainLock(Base):
    """A single row (id 1) locked by every append on SQLite; never read for its contents."""

    __tablename__ = "audit_chain_lock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class DeclaredRelationship(Base):
    """A practitioner's declared legitimate relationship with a person: reason and expiry.

    ``actor`` NULL means the whole organisation may rely on it. Ending one early sets
    ``ended_at``; the row stays, for the IG officer's review.
    """

    __tablename__ = "declared_relationships"
    __table_args__ = (
        Index("ix_declared_relationships_person_id_org", "person_id", "organisation"),
    )

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(PERSON_ID, nullable=False)
    organisation: Mapped[str] = mapped_column(ORG, nullable=False)
    actor: Mapped[str | None] = mapped_column(ACTOR)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    declared_by: Mapped[str] = mapped_column(ACTOR, nullable=False)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by: Mapped[str | None] = mapped_column(ACTOR)


class ResidentChoiceRow(Base):
    """One choice a resident made: an objection or consent for a purpose, given or withdrawn.

    Never updated: a change of mind is a new row, so the history shows what applied when.
    ``source`` NULL means every source.
    """

    __tablename__ = "resident_choices"
    __table_args__ = (Index("ix_resident_choices_person_id_purpose", "person_id", "purpose"),)

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(PERSON_ID, nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)  # objection | consent
    purpose: Mapped[str] = mapped_column(NAME, nullable=False)
    source: Mapped[str | None] = mapped_column(String(100))
    given: Mapped[bool] = mapped_column(Boolean, nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    recorded_by: Mapped[str] = mapped_column(ACTOR, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)


class BreakGlassSession(Base):
    """An emergency access session: who, for whom, why, and until when."""

    __tablename__ = "break_glass_sessions"
    __table_args__ = (Index("ix_break_glass_sessions_actor_person_id", "actor", "person_id"),)

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True, autoincrement=True)
    actor: Mapped[str] = mapped_column(ACTOR, nullable=False)
    organisation: Mapped[str] = mapped_column(ORG, nullable=False)
    role: Mapped[str] = mapped_column(NAME, nullable=False)
    person_id: Mapped[str] = mapped_column(PERSON_ID, nullable=False, index=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Alert(Base):
    """An item on the IG officer's queue (a break-glass, a declared relationship…)."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_status_raised_at", "status", "raised_at"),)

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    person_id: Mapped[str | None] = mapped_column(PERSON_ID, index=True)
    actor: Mapped[str] = mapped_column(ACTOR, nullable=False)
    organisation: Mapped[str] = mapped_column(ORG, nullable=False)
    # What the alert is about, e.g. "break_glass_sessions:12"; a summary without personal data.
    subject: Mapped[str | None] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    # The latest handling by any organisation, for the operator's hub-wide list; each IG
    # officer's queue reads their own organisation's handling from ``alert_handlings``.
    status: Mapped[str] = mapped_column(String(12), nullable=False)  # open|acknowledged|closed
    handled_by: Mapped[str | None] = mapped_column(ACTOR)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(Text)


class AlertHandling(Base):
    """One organisation's handling of an alert: acknowledged or closed, by whom, with the note.

    An alert can concern several organisations (the one whose staff broke the glass, and each
    that holds the resident's records); each IG officer reviews it for their own organisation,
    so one officer's "closed" must not empty another's queue. No row: open for that organisation.
    """

    __tablename__ = "alert_handlings"

    alert_id: Mapped[int] = mapped_column(
        BigIntegerPK, ForeignKey("alerts.id"), primary_key=True, autoincrement=False
    )
    organisation: Mapped[str] = mapped_column(ORG, primary_key=True)
    status: Mapped[str] = mapped_column(String(12), nullable=False)  # acknowledged|closed
    handled_by: Mapped[str] = mapped_column(ACTOR, nullable=False)
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    outcome: Mapped[str | None] = mapped_column(Text)


class AgreementVersion(Base):
    """The text of one agreement version, keyed by id and version, with its canonical hash."""

    __tablename__ = "agreement_versions"

    agreement_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sha256: Mapped[str] = mapped_column(HASH, nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_to: Mapped[date | None] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # Kept apart from ``text`` so that listing agreements need not parse YAML.
    parties: Mapped[list[str]] = mapped_column(JSONType, nullable=False)


__all__ = [
    "AgreementVersion",
    "Alert",
    "AuditChainLock",
    "AuditCheckpoint",
    "AuditEvent",
    "BreakGlassSession",
    "DeclaredRelationship",
    "ResidentChoiceRow",
]
