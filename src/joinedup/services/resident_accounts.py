"""The person id a resident's account speaks for: how it is typed, and that the index has it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from joinedup.linkage.ids import normalise_person_id
from joinedup.services.account_input import Invalid

PERSON_ID_MAX = 64  # the column's width


def resident_person_id(typed: str | None) -> str:
    """The person id a resident account names, as the index stores it whatever the case and
    spaces it was typed with; :class:`Invalid` (field ``person_id``) when it cannot be one."""
    person_id = normalise_person_id(typed)
    if not person_id:
        raise Invalid("person_id", "A resident account needs the person id it belongs to.")
    if len(person_id) > PERSON_ID_MAX or not person_id.isprintable():
        raise Invalid("person_id", "Enter a person id as the master person index shows it.")
    return person_id


def check_person_exists(session: Session, person_id: str) -> None:
    """Raise :class:`Invalid` (field ``person_id``) unless the index holds records for the id.

    An administrator's typo would make an account that answers "the hub holds no record linked
    to your account" on every page. Accounts loaded by the system itself (the demo, accounts
    moved from another system) may come before the first link run, so only an administrator's
    are checked.
    """
    from joinedup.linkage.persons import PersonNotFound, lookup_person

    try:
        found = lookup_person(session, person_id)
    except PersonNotFound:
        raise Invalid(
            "person_id", f"There is no person {person_id!r} in the master person index."
        ) from None
    if found.person_id is None:
        raise Invalid("person_id", f"Person {person_id!r} no longer has any records in the index.")
