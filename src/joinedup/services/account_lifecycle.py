"""An account's life: made (staff or resident), switched off and on again.

Functions take the caller's SQLAlchemy ``Session`` and only flush: the caller's unit of work
(``store.db.session_scope``) commits. An administrator's change (``by``) goes on the audit
trail in that unit of work (:func:`joinedup.services.account_audit.audit_account_change`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.policy.vocabulary import ROLES
from joinedup.services.account_audit import audit_account_change
from joinedup.services.account_input import (
    NAME_MAX,
    AlreadyExists,
    AlreadySo,
    Invalid,
    LastAdministrator,
    OwnAccount,
    refuse_unprintable,
    require_administrator,
)
from joinedup.services.actor import Actor
from joinedup.services.api_tokens import revoke_tokens_of
from joinedup.services.passwords import hash_password, password_problem
from joinedup.services.resident_accounts import check_person_exists, resident_person_id
from joinedup.services.users import USERNAME, get_user, normalise_username
from joinedup.services.web_sessions import end_sessions
from joinedup.store.account_tables import User
from joinedup.store.base import utcnow
from joinedup.store.tables import Organisation


def create_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    role: str,
    password: str | None = None,
    password_hash: str | None = None,
    organisation_id: str | None = None,
    person_id: str | None = None,
    now: datetime | None = None,
    by: Actor | None = None,
    must_change_password: bool | None = None,
) -> User:
    """Create an active account and return it (flushed, so ``id`` is set).

    Staff accounts belong to an organisation; a resident account names the master person id it
    speaks for. ``password=None`` makes an account that can only use API tokens (a system).
    ``password_hash`` takes an argon2 hash made elsewhere instead (moving accounts from another
    system, or many demo accounts sharing one hash). Raises :class:`JoinedupError` with a
    message saying what to fix.

    A password an administrator (``by``) sets is one they know, so by default the account must
    replace it at first sign-in (:func:`change_own_password`) before it can do anything else;
    ``must_change_password`` overrides that either way.
    """
    require_administrator(by)
    username = normalise_username(username)
    if not USERNAME.match(username):
        raise Invalid(
            "username",
            "A username must be 3 to 100 characters: lower-case letters, digits and . _ @ -, "
            "starting with a letter or digit.",
        )
    if not display_name.strip():
        raise Invalid("display_name", "Enter a display name.")
    if len(display_name.strip()) > NAME_MAX:
        raise Invalid("display_name", f"A display name must be {NAME_MAX} characters or fewer.")
    refuse_unprintable("display_name", display_name)
    if role not in ROLES:
        raise Invalid("role", f"Unknown role {role!r}: choose one of {', '.join(ROLES)}.")
    if role == "resident":
        if organisation_id:
            # Staff belong to an organisation, a resident to none: every check of "this
            # organisation's staff" (an IG officer's remit, say) must not count them.
            raise Invalid("organisation_id", "A resident's account has no organisation.")
        # As the index stores it, whatever the case and spaces it was typed with: the account's
        # pages look the id up, and the resident's choices and access log are kept under it.
        person_id = resident_person_id(person_id)
        if by is not None:
            check_person_exists(session, person_id)
    elif not organisation_id:
        raise Invalid("organisation_id", "A staff account needs an organisation.")
    elif person_id:
        raise Invalid("person_id", "Only a resident's account names a person id.")
    if password is not None and password_hash is not None:
        raise Invalid("password", "Give a password or a password hash, not both.")
    if password_hash is not None and not password_hash.startswith("$argon2"):
        raise Invalid("password", "A password hash must be an argon2 hash ($argon2id$...).")
    if password is not None and (problem := password_problem(password, username)):
        raise Invalid("password", problem + ".")
    if organisation_id is not None and session.get(Organisation, organisation_id) is None:
        raise Invalid(
            "organisation_id", f"There is no organisation {organisation_id!r}: add it first."
        )
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AlreadyExists(f"The username {username!r} is already taken.", field="username")
    user = User(
        username=username,
        display_name=display_name.strip(),
        role=role,
        organisation_id=organisation_id,
        person_id=person_id,
        password_hash=hash_password(password) if password is not None else password_hash,
        active=True,
        created_at=now or utcnow(),
        failed_sign_ins=0,
        must_change_password=(
            must_change_password
            if must_change_password is not None
            else by is not None and (password is not None or password_hash is not None)
        ),
    )
    session.add(user)
    session.flush()
    where = f"at {organisation_id}" if organisation_id else "for a resident"
    audit_account_change(
        session, by, "account.create", f"account {username} ({role} {where})", account=user
    )
    return user


def set_active(
    session: Session,
    user_id: int,
    active: bool,
    *,
    now: datetime | None = None,
    by: Actor | None = None,
) -> User:
    """Activate or deactivate an account; deactivating ends its sessions and revokes its tokens.

    An administrator (``by``) asking for what the account is already gets :class:`AlreadySo`
    (409, "already switched on"), and nothing is changed or recorded: a second click or tab
    must not put a second event on the trail.

    The hub's last active administrator is never switched off (:class:`LastAdministrator`):
    nobody could then manage accounts. Two administrators switching each other off at the same
    moment each saw the other still active; the active administrators' rows are locked first
    (PostgreSQL; SQLite lets one writer in at a time), so the second sees the first's change.
    """
    require_administrator(by)
    user = get_user(session, user_id)
    if not active and by is not None and by.user == user.username:
        raise OwnAccount("You cannot switch off your own account. Ask another administrator.")
    if user.active == active:
        if by is None:  # the system itself (the demo, tests): nothing to do, nothing to say
            return user
        raise AlreadySo(
            f"{user.username} is already {'switched on' if active else 'switched off'}: "
            "nothing was changed."
        )
    if not active and user.role == "admin" and user.active:
        admins = session.scalars(
            select(User.id).where(User.role == "admin", User.active.is_(True)).with_for_update()
        ).all()
        if not [other for other in admins if other != user.id]:
            raise LastAdministrator(
                f"{user.username} is the hub's last active administrator: switch another "
                "administrator's account on first."
            )
    user.active = active
    if not active:
        at = now or utcnow()
        end_sessions(session, user.id, at)
        revoke_tokens_of(session, user.id, at)
    session.flush()
    action = "account.enable" if active else "account.disable"
    audit_account_change(session, by, action, f"account {user.username}", account=user)
    return user
