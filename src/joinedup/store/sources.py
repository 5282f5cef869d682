"""Repository for organisations and source systems (no business rules: create, update, read)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.store.base import utcnow
from joinedup.store.tables import Organisation, Source


def ensure_organisation(
    session: Session, organisation_id: str, name: str | None = None, kind: str | None = None
) -> Organisation:
    """Return the organisation ``organisation_id``, creating it if it is new.

    A new organisation is named ``name`` (or its id when no name is given). For an existing one,
    a ``name`` or ``kind`` that is given replaces the stored value; ``None`` leaves it alone.
    """
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        organisation = Organisation(
            id=organisation_id, name=name or organisation_id, kind=kind, created_at=utcnow()
        )
        session.add(organisation)
    else:
        if name is not None:
            organisation.name = name
        if kind is not None:
            organisation.kind = kind
    session.flush()
    return organisation


def ensure_source(
    session: Session,
    *,
    source_id: str,
    organisation_id: str,
    name: str,
    format: str,
    category: str | None,
    mapping_text: str,
    mapping_sha256: str,
    adults_only: bool = False,
) -> Source:
    """Create the source ``source_id`` or bring it up to date with the mapping it is read with.

    The organisation must exist (see :func:`ensure_organisation`). ``updated_at`` changes only
    when something about the source does, so it tells when its mapping last changed.
    """
    now = utcnow()
    source = session.get(Source, source_id)
    if source is None:
        source = Source(
            id=source_id,
            organisation_id=organisation_id,
            name=name,
            format=format,
            category=category,
            mapping_text=mapping_text,
            mapping_sha256=mapping_sha256,
            adults_only=adults_only,
            created_at=now,
            updated_at=now,
        )
        session.add(source)
    else:
        wanted = {
            "organisation_id": organisation_id,
            "name": name,
            "format": format,
            "category": category,
            "mapping_text": mapping_text,
            "mapping_sha256": mapping_sha256,
            "adults_only": adults_only,
        }
        changed = False
        for attribute, value in wanted.items():
            if getattr(source, attribute) != value:
                setattr(source, attribute, value)
                changed = True
        if changed:
            source.updated_at = now
    session.flush()
    return source


def adult_source_ids(session: Session) -> frozenset[str]:
    """The sources whose people are all adults (their mappings say ``adults_only``)."""
    rows = session.execute(select(Source.id).where(Source.adults_only.is_(True))).scalars()
    return frozenset(rows)


def get_source(session: Session, source_id: str) -> Source | None:
    """The source ``source_id``, or ``None`` if there is no such source."""
    return session.get(Source, source_id)


def list_sources(session: Session) -> list[Source]:
    """Every source, ordered by id."""
    return list(session.scalars(select(Source).order_by(Source.id)))


def list_organisations(session: Session) -> list[Organisation]:
    """Every organisation, ordered by id."""
    return list(session.scalars(select(Organisation).order_by(Organisation.id)))
