"""Partner organisations (a council, NHS body or charity) that staff accounts belong to."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy.orm import Session

from joinedup.services.account_audit import audit_account_change
from joinedup.services.account_input import (
    NAME_MAX,
    AlreadyExists,
    Invalid,
    refuse_unprintable,
    require_administrator,
)
from joinedup.services.actor import Actor
from joinedup.store import sources
from joinedup.store.tables import Organisation

ORGANISATION_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
# What the audit trail records as the organisation of a resident acting on their own record,
# and of an account with no organisation: a partner with either id would have their events in
# its IG officer's remit.
RESERVED_ORGANISATION_IDS: frozenset[str] = frozenset({"hub", "resident"})
# An organisation's kind: long enough for any real one, short enough that a pasted document is
# refused.
KIND_MAX = 40


def create_organisation(
    session: Session,
    organisation_id: str,
    *,
    name: str,
    kind: str | None = None,
    by: Actor | None = None,
) -> Organisation:
    """Add a partner organisation (a council, NHS body or charity); its id is a short slug."""
    require_administrator(by)
    if not ORGANISATION_ID.match(organisation_id):
        raise Invalid(
            "id",
            "An organisation id must be 2 to 63 lower-case letters, digits and hyphens, "
            "such as 'northbridge-council'.",
        )
    if organisation_id in RESERVED_ORGANISATION_IDS:
        raise Invalid(
            "id", f"The id {organisation_id!r} is kept for the hub itself: choose another."
        )
    if not name.strip():
        raise Invalid("name", "Enter the organisation's name.")
    if len(name.strip()) > NAME_MAX:
        raise Invalid("name", f"An organisation's name must be {NAME_MAX} characters or fewer.")
    refuse_unprintable("name", name)
    kind = (kind or "").strip() or None
    if kind is not None and len(kind) > KIND_MAX:
        raise Invalid("kind", f"The kind of organisation must be {KIND_MAX} characters or fewer.")
    if kind is not None:
        refuse_unprintable("kind", kind)
    if session.get(Organisation, organisation_id) is not None:
        raise AlreadyExists(f"There is already an organisation {organisation_id!r}.", field="id")
    created = sources.ensure_organisation(session, organisation_id, name.strip(), kind)
    audit_account_change(session, by, "organisation.create", f"organisation {organisation_id}")
    return created


def list_organisations(session: Session) -> Sequence[Organisation]:
    """Every partner organisation, ordered by id."""
    return sources.list_organisations(session)
