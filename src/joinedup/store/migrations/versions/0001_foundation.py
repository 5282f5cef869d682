"""Foundation: organisations, sources, ingest batches, versioned source records, quarantine.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from joinedup.store.base import BigIntegerPK, JSONType, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The common person schema, one column each (lists as JSON); see joinedup.store.tables.
_PERSON_COLUMNS: tuple[tuple[str, sa.types.TypeEngine[Any], bool], ...] = (
    ("title", sa.Text(), True),
    ("given_name", sa.Text(), True),
    ("middle_names", sa.Text(), True),
    ("family_name", sa.Text(), True),
    ("name_suffix", sa.Text(), True),
    ("preferred_name", sa.Text(), True),
    ("other_family_names", JSONType, False),
    ("date_of_birth", sa.Text(), True),
    ("year_of_birth", sa.Integer(), True),
    ("sex", sa.Text(), True),
    ("nhs_number", sa.Text(), True),
    ("flat", sa.Text(), True),
    ("house_number", sa.Text(), True),
    ("house_name", sa.Text(), True),
    ("street", sa.Text(), True),
    ("locality", sa.Text(), True),
    ("town", sa.Text(), True),
    ("postcode", sa.Text(), True),
    ("uprn", sa.Text(), True),
    ("phones", JSONType, False),
    ("emails", JSONType, False),
    ("date_of_death", sa.Text(), True),
)

# Practitioner search and household views look records up by these.
_SEARCH_INDEXES = ("family_name", "date_of_birth", "nhs_number", "postcode", "uprn")


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_organisations"),
    )

    op.create_table(
        "sources",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("organisation_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("format", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=True),
        sa.Column("mapping_text", sa.Text(), nullable=False),
        sa.Column("mapping_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sources"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name="fk_sources_organisation_id_organisations",
        ),
    )
    op.create_index("ix_sources_organisation_id", "sources", ["organisation_id"])

    op.create_table(
        "ingest_batches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("read", sa.Integer(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("ended", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ingest_batches"),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name="fk_ingest_batches_source_id_sources"
        ),
        sa.CheckConstraint(
            "status IN ('running', 'complete', 'failed')", name="ck_ingest_batches_status"
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_ingest_batches_source_id", "ingest_batches", ["source_id"])

    op.create_table(
        "source_records",
        sa.Column("id", BigIntegerPK, autoincrement=True, nullable=False),
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("record_id", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", UTCDateTime(), nullable=False),
        sa.Column("valid_to", UTCDateTime(), nullable=True),
        sa.Column("ended_batch_id", sa.Integer(), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("raw", JSONType, nullable=False),
        sa.Column("attributes", JSONType, nullable=False),
        sa.Column("dq_warnings", JSONType, nullable=False),
        *(sa.Column(name, type_, nullable=nullable) for name, type_, nullable in _PERSON_COLUMNS),
        sa.PrimaryKeyConstraint("id", name="pk_source_records"),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name="fk_source_records_source_id_sources"
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["ingest_batches.id"], name="fk_source_records_batch_id_ingest_batches"
        ),
        sa.ForeignKeyConstraint(
            ["ended_batch_id"],
            ["ingest_batches.id"],
            name="fk_source_records_ended_batch_id_ingest_batches",
        ),
        sa.UniqueConstraint(
            "source_id",
            "record_id",
            "version",
            name="uq_source_records_source_id_record_id_version",
        ),
    )
    op.create_index(
        "ix_source_records_current",
        "source_records",
        ["source_id", "record_id"],
        unique=True,
        sqlite_where=sa.text("valid_to IS NULL"),
        postgresql_where=sa.text("valid_to IS NULL"),
    )
    op.create_index("ix_source_records_batch_id", "source_records", ["batch_id"])
    op.create_index(
        "ix_source_records_ended_batch_id",
        "source_records",
        ["ended_batch_id"],
        sqlite_where=sa.text("ended_batch_id IS NOT NULL"),
        postgresql_where=sa.text("ended_batch_id IS NOT NULL"),
    )
    for column in _SEARCH_INDEXES:
        op.create_index(f"ix_source_records_{column}", "source_records", [column])

    op.create_table(
        "quarantine",
        sa.Column("id", BigIntegerPK, autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=True),
        sa.Column("record_number", sa.Integer(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("reasons", JSONType, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_quarantine"),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["ingest_batches.id"], name="fk_quarantine_batch_id_ingest_batches"
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name="fk_quarantine_source_id_sources"
        ),
    )
    op.create_index("ix_quarantine_batch_id", "quarantine", ["batch_id"])
    op.create_index("ix_quarantine_source_id", "quarantine", ["source_id"])


def downgrade() -> None:
    op.drop_table("quarantine")
    op.drop_table("source_records")
    op.drop_table("ingest_batches")
    op.drop_table("sources")
    op.drop_table("organisations")
