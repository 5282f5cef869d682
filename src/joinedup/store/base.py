"""The declarative base every table module shares, and the column types that differ by backend.

All table modules (``tables``, ``linkage_tables``, ``governance_tables``, ``account_tables``)
declare their classes on :class:`Base`, so one ``MetaData`` holds the whole schema. Its naming
convention gives every constraint and index a predictable name; hand-written migrations use the
same names (``pk_users``, ``fk_users_organisation_id_organisations``, ``ix_users_person_id``), so
a later migration can drop or alter them by name on PostgreSQL and on SQLite alike.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer, MetaData
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# The table modules whose classes make up the schema. ``load_all_tables`` imports those present,
# so tools that need the whole ``Base.metadata`` (Alembic autogenerate, the schema test) see it
# even while later modules are still being written.
TABLE_MODULES: tuple[str, ...] = (
    "joinedup.store.tables",
    "joinedup.store.linkage_tables",
    "joinedup.store.governance_tables",
    "joinedup.store.account_tables",
    "joinedup.store.disclosure_tables",
)


class Base(DeclarativeBase):
    """The declarative base shared by all joinedup tables (one ``MetaData``, named constraints)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# JSON on SQLite, JSONB on PostgreSQL (indexable, compact). ``none_as_null`` makes Python ``None``
# an SQL NULL rather than the JSON text ``null``, so "no value" reads back the same on both.
JSONType = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")

# A surrogate key that is 64-bit on PostgreSQL; SQLite only auto-increments a column declared
# exactly ``INTEGER PRIMARY KEY`` (its rowid, which is 64-bit anyway).
BigIntegerPK = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back as a timezone-aware UTC ``datetime``.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones and SQLAlchemy hands back naive
    values there, which would make the two backends disagree and make comparisons with aware
    values raise. Naive values given to this type are taken to be UTC already.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        # SQLite stores the text form; keep it naive there so stored values sort and compare
        # as plain ISO strings, all in UTC.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time as a timezone-aware UTC ``datetime`` (the one clock the store uses)."""
    return datetime.now(UTC)


def load_all_tables() -> MetaData:
    """Import every table module that exists and return the shared ``Base.metadata``.

    Modules that have not been written yet are skipped, so this works at every stage of the
    schema's history; an import error inside a module that does exist is raised.
    """
    import importlib
    import importlib.util

    for name in TABLE_MODULES:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
    return Base.metadata
