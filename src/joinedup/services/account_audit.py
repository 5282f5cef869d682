"""An administrator's change to an account, organisation or token, put on the audit trail."""

from __future__ import annotations

from sqlalchemy.orm import Session

from joinedup.services.actor import Actor
from joinedup.store.account_tables import User


def audit_account_change(
    session: Session, by: Actor | None, action: str, reason: str, *, account: User | None = None
) -> None:
    """Put an administrator's change on the audit trail, in their unit of work (fail closed).

    ``by=None`` (the demo, tests, moving accounts in bulk) records nothing. The reason names
    accounts by username and tokens by id and prefix, never a secret or a password. A change to
    a resident's ``account`` is filed under that resident's person id: an IG officer searching
    for the person finds it, and the resident's access log shows that an account, or a token
    that acts as them, was made or changed. A change to a staff ``account`` names the account's
    organisation, whose IG officer then sees it whoever made it.
    """
    if by is None:
        return
    # Imported here: the audit trail is only needed by an administrator's change, and the
    # account modules are imported by every request's sign-in.
    from joinedup.audit.log import NewEvent
    from joinedup.services.access import audit

    event = NewEvent(
        actor=by.user,
        # As the resident's own reads are recorded: a resident changing their own password is
        # no organisation's staff, nor the hub's.
        organisation=by.organisation or ("resident" if by.role == "resident" else "hub"),
        role=by.role,
        action=action,
        decision="none",
        request_id=by.request_id,
        credential=by.credential,
        reason=reason,
        person_id=account.person_id if account is not None else None,
        # The account's organisation answers for its staff: its IG officer sees what an
        # administrator (of any organisation) did to their accounts (services.ig_remit).
        account_organisation=account.organisation_id if account is not None else None,
    )
    audit(session, event)
