"""Accounts: create users, check passwords, issue and revoke API tokens, start and end sessions.

Functions take the caller's SQLAlchemy ``Session`` and only flush: the caller's unit of work
(``store.db.session_scope``) commits. Nothing here raises on a wrong password, because the failed
attempt must be committed to count towards throttling; ``authenticate`` returns ``None`` instead
and the caller shows :data:`SIGN_IN_FAILED` after its transaction has ended.

Secrets are shown once and stored hashed: passwords with argon2id (OWASP's parameters), API and
session tokens as SHA-256 (they are 256-bit random values, so a slow hash adds nothing and a fast
one keeps every request cheap).

One module for the whole account lifecycle (users, throttling, tokens, sessions, the stated
purpose), because each part reads the same three tables and the same clock.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from joinedup.errors import JoinedupError
from joinedup.linkage.ids import normalise_person_id
from joinedup.policy.vocabulary import PURPOSES, ROLES
from joinedup.policy.vocabulary import purpose_label as _policy_purpose_label
from joinedup.services.actor import Actor
from joinedup.services.text import refuse_control_characters
from joinedup.store import sources
from joinedup.store.account_tables import ApiToken, User, WebSession
from joinedup.store.base import utcnow
from joinedup.store.tables import Organisation

# Scopes a token may carry; a token acts as its user, narrowed to these areas of the API.
SCOPES: tuple[str, ...] = ("read", "write", "admin")

MAX_FAILED_SIGN_INS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
# Long enough for any passphrase; a pasted document is refused before argon2 hashes it.
PASSWORD_MAX = 1000
# Names people type (a display name, an organisation's or a token's name) and an organisation's
# kind: long enough for any real one, short enough that a pasted document is refused.
NAME_MAX = 200
PERSON_ID_MAX = 64  # the column's width
KIND_MAX = 40
SESSION_IDLE = timedelta(minutes=30)
SESSION_MAX = timedelta(hours=10)
# Writing "last seen" on every request would make every read a write; a minute is precise enough.
TOUCH_EVERY = timedelta(seconds=60)
TOKEN_PREFIX = "jdp_"

# Roles that state a purpose and case reference when they sign in: their access to a person's
# data is decided per purpose. Reviewers, IG officers and admins act under their role's own duty;
# a resident looks at their own record.
ROLES_STATING_PURPOSE: frozenset[str] = frozenset(
    {"social_worker", "gp", "housing_officer", "charity_caseworker"}
)
CASE_REFERENCE_MAX = 40
_CASE_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./_-]*$")

SIGN_IN_FAILED = (
    "Enter a correct username and password. "
    f"After {MAX_FAILED_SIGN_INS} failed attempts an account is locked for "
    f"{int(LOCKOUT.total_seconds() // 60)} minutes."
)

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{2,99}$")
# argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): about as slow to crack
# as argon2-cffi's heavier default, at a third of the cost per sign-in on a small server.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


@cache
def _dummy_hash() -> str:
    # Verified against when the username is unknown, so a wrong username takes as long as a
    # wrong password and response times do not reveal which accounts exist.
    return _hasher.hash("not a real password, only for constant time")


def _audit(
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
    # Imported here: the audit trail is only needed by an administrator's change, and this
    # module is imported by every request's authentication.
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


def resident_person_id(typed: str | None) -> str:
    """The person id a resident account names, as the index stores it whatever the case and
    spaces it was typed with; :class:`Invalid` (field ``person_id``) when it cannot be one."""
    person_id = normalise_person_id(typed)
    if not person_id:
        raise Invalid("person_id", "A resident account needs the person id it belongs to.")
    if len(person_id) > PERSON_ID_MAX or not person_id.isprintable():
        raise Invalid("person_id", "Enter a person id as the master person index shows it.")
    return person_id


def _check_person_exists(session: Session, person_id: str) -> None:
    # An administrator's typo would make an account that answers "the hub holds no record
    # linked to your account" on every page. Accounts loaded by the system itself (the demo,
    # accounts moved from another system) may come before the first link run, so only an
    # administrator's are checked.
    from joinedup.linkage.persons import PersonNotFound, lookup_person

    try:
        found = lookup_person(session, person_id)
    except PersonNotFound:
        raise Invalid(
            "person_id", f"There is no person {person_id!r} in the master person index."
        ) from None
    if found.person_id is None:
        raise Invalid("person_id", f"Person {person_id!r} no longer has any records in the index.")


def _refuse_control_characters(field: str, text: str) -> None:
    # A NUL or other control character cannot be stored by PostgreSQL and is never meant.
    if not text.strip().isprintable():
        raise Invalid(field, "Use only letters, numbers, spaces and punctuation.")


def sha256_hex(secret: str) -> str:
    """The SHA-256 of a token as 64 lowercase hex characters: what the database keeps."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def password_problem(password: str, username: str) -> str | None:
    """What is wrong with ``password`` for the account ``username``, or ``None``.

    At least :data:`MIN_PASSWORD_LENGTH` characters, and not guessable from the account itself:
    not one character over and over (ten spaces were accepted) and not holding the username.
    No other rules on what it holds (NCSC: length beats composition rules). Example:
    ``password_problem("sam.patel-2026!", "sam.patel")`` names the username.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"A password must be at least {MIN_PASSWORD_LENGTH} characters long"
    if len(set(password)) == 1:
        return "A password cannot be one character repeated"
    name = normalise_username(username)
    if name and name in password.lower():
        return "A password must not contain the username"
    return None


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``, refusing ones shorter than the minimum length."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise JoinedupError(f"A password must be at least {MIN_PASSWORD_LENGTH} characters long.")
    return _hasher.hash(password)


def normalise_username(username: str) -> str:
    """Usernames compare case-insensitively and without surrounding spaces."""
    return username.strip().lower()


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
    _refuse_control_characters("display_name", display_name)
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
            _check_person_exists(session, person_id)
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
    _audit(session, by, "account.create", f"account {username} ({role} {where})", account=user)
    return user


ORGANISATION_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
# What the audit trail records as the organisation of a resident acting on their own record,
# and of an account with no organisation: a partner with either id would have their events in
# its IG officer's remit.
RESERVED_ORGANISATION_IDS: frozenset[str] = frozenset({"hub", "resident"})


def create_organisation(
    session: Session,
    organisation_id: str,
    *,
    name: str,
    kind: str | None = None,
    by: Actor | None = None,
) -> Organisation:
    """Add a partner organisation (a council, NHS body or charity); its id is a short slug."""
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
    _refuse_control_characters("name", name)
    kind = (kind or "").strip() or None
    if kind is not None and len(kind) > KIND_MAX:
        raise Invalid("kind", f"The kind of organisation must be {KIND_MAX} characters or fewer.")
    if kind is not None:
        _refuse_control_characters("kind", kind)
    if session.get(Organisation, organisation_id) is not None:
        raise AlreadyExists(f"There is already an organisation {organisation_id!r}.", field="id")
    created = sources.ensure_organisation(session, organisation_id, name.strip(), kind)
    _audit(session, by, "organisation.create", f"organisation {organisation_id}")
    return created


def list_organisations(session: Session) -> Sequence[Organisation]:
    """Every partner organisation, ordered by id."""
    return sources.list_organisations(session)


def get_user(session: Session, user_id: int) -> User:
    """The user with this id, or a :class:`JoinedupError` saying there is none."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"There is no user {user_id}.")
    return user


def list_users(session: Session, *, organisation_id: str | None = None) -> Sequence[User]:
    """Users ordered by username, optionally those of one organisation."""
    refuse_control_characters({"organisation_id": organisation_id})
    query = select(User).order_by(User.username)
    if organisation_id is not None:
        query = query.where(User.organisation_id == organisation_id)
    return session.scalars(query).all()


@dataclass(frozen=True)
class UserPage:
    """A page of accounts, and how many match in all."""

    users: Sequence[User]
    total: int


USER_SEARCH_MAX = 200


def page_of_users(
    session: Session, *, search: str | None = None, offset: int = 0, limit: int = 50
) -> UserPage:
    """Accounts ordered by username, ``limit`` of them from ``offset``, and how many in all.

    ``search`` keeps those whose username or display name holds it, in any case; ``%`` and
    ``_`` are only themselves. ``page_of_users(session, search="patel")`` finds ``sam.patel``
    and "Priya Patel". Raises :class:`Invalid` (field ``q``) for a search it cannot search with.
    """
    conditions = []
    term = (search or "").strip()
    if len(term) > USER_SEARCH_MAX:
        raise Invalid("q", f"Enter at most {USER_SEARCH_MAX} characters")
    if term:
        if not term.isprintable():
            raise Invalid("q", "Use only letters, numbers, spaces and punctuation")
        lowered = term.lower()
        conditions.append(
            or_(
                func.lower(User.username).contains(lowered, autoescape=True),
                func.lower(User.display_name).contains(lowered, autoescape=True),
            )
        )
    total = session.scalar(select(func.count()).select_from(User).where(*conditions)) or 0
    query = select(User).where(*conditions).order_by(User.username).offset(offset).limit(limit)
    return UserPage(users=session.scalars(query).all(), total=total)


def find_user(session: Session, username: str) -> User | None:
    """The account with this username (any case, spaces ignored), or ``None``."""
    return session.scalar(select(User).where(User.username == normalise_username(username)))


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
    user = get_user(session, user_id)
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
        _end_sessions(session, user.id, at)
        for token in session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        ):
            token.revoked_at = at
    session.flush()
    action = "account.enable" if active else "account.disable"
    _audit(session, by, action, f"account {user.username}", account=user)
    return user


def reset_password(
    session: Session,
    user_id: int,
    password: str,
    *,
    now: datetime | None = None,
    by: Actor | None = None,
) -> User:
    """Set a new password for someone who has forgotten theirs or is locked out.

    Whoever sets it knows it, so unless they are the account's owner the owner must replace it
    at their next sign-in (``must_change_password``). The account's sessions end (whoever held
    them signs in again with the new password) and its failed attempts are forgotten; its
    tokens stay, since a system may use them. Raises :class:`Invalid` (field ``password``) for
    a password the project's rules refuse.
    """
    user = get_user(session, user_id)
    if user.password_hash is None:
        raise Invalid(
            "password", f"{user.username} only uses API tokens: it has no password to reset."
        )
    if len(password) > PASSWORD_MAX:
        raise Invalid("password", f"A password must be {PASSWORD_MAX} characters or fewer.")
    if problem := password_problem(password, user.username):
        raise Invalid("password", problem + ".")
    user.password_hash = hash_password(password)
    user.must_change_password = by is None or by.user != user.username
    user.failed_sign_ins = 0
    user.last_failed_sign_in_at = None
    _end_sessions(session, user.id, now or utcnow())
    session.flush()
    _audit(session, by, "account.password_reset", f"account {user.username}", account=user)
    return user


def change_own_password(
    session: Session,
    user_id: int,
    current_password: str,
    new_password: str,
    *,
    keep_session: int | None = None,
    now: datetime | None = None,
    by: Actor | None = None,
) -> User:
    """The account's owner replaces their password, which clears ``must_change_password``.

    The current password must be given (a session left open on a shared computer cannot be
    used to take the account over), and the new one must differ from it and pass the project's
    rules; each problem raises :class:`ChangeRefused` naming its field. Every other session of
    the account ends (anyone who signed in with the old password, such as the administrator who
    set it, is signed out); ``keep_session`` is the one making the change.
    """
    user = get_user(session, user_id)
    problems: dict[str, str] = {}
    if not current_password:
        problems["current_password"] = "Enter your current password"
    elif user.password_hash is None or not _verify(user.password_hash, current_password):
        problems["current_password"] = "Your current password is not correct"
    if not new_password:
        problems["new_password"] = "Enter a new password"
    elif len(new_password) > PASSWORD_MAX:
        problems["new_password"] = f"A password must be {PASSWORD_MAX} characters or fewer"
    elif new_password == current_password:
        problems["new_password"] = "Choose a new password, not the one you have now"
    elif problem := password_problem(new_password, user.username):
        problems["new_password"] = problem
    if problems:
        raise ChangeRefused(problems)
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    _end_sessions(session, user.id, now or utcnow(), keep=keep_session)
    session.flush()
    _audit(session, by, "account.password_change", f"account {user.username}", account=user)
    return user


def _end_sessions(session: Session, user_id: int, at: datetime, keep: int | None = None) -> None:
    query = select(WebSession).where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
    if keep is not None:
        query = query.where(WebSession.id != keep)
    for web_session in session.scalars(query):
        web_session.ended_at = at


def is_locked(user: User, now: datetime) -> bool:
    """Whether throttling refuses sign-in for ``user`` at ``now`` (too many recent failures)."""
    last = user.last_failed_sign_in_at
    return user.failed_sign_ins >= MAX_FAILED_SIGN_INS and last is not None and now - last < LOCKOUT


def authenticate(
    session: Session, username: str, password: str, *, now: datetime | None = None
) -> User | None:
    """The active user with this username and password, or ``None``.

    A failure is recorded on the account (commit the caller's transaction so it counts); after
    :data:`MAX_FAILED_SIGN_INS` consecutive failures the account refuses even the right password
    for :data:`LOCKOUT`. A success resets the count, records the time and upgrades an old hash.
    """
    at = now or utcnow()
    user = session.scalar(select(User).where(User.username == normalise_username(username)))
    if user is None or user.password_hash is None or not user.active:
        _verify(_dummy_hash(), password)
        return None
    if is_locked(user, at):
        _verify(_dummy_hash(), password)
        user.last_failed_sign_in_at = at
        session.flush()
        return None
    if not _verify(user.password_hash, password):
        user.failed_sign_ins += 1
        user.last_failed_sign_in_at = at
        session.flush()
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.failed_sign_ins = 0
    user.last_failed_sign_in_at = None
    user.last_sign_in_at = at
    session.flush()
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class Invalid(JoinedupError):
    """Input an account function cannot use (400); ``field`` names the form field to fix."""

    http_status = 400

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotFound(JoinedupError):
    """The thing asked for does not exist (the API answers 404)."""

    http_status = 404


class AlreadyExists(JoinedupError):
    """The username or organisation id is already in use (the API answers 409)."""

    http_status = 409

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class AlreadySo(JoinedupError):
    """The account is already switched on (or off): nothing to change, nothing audited (409)."""

    http_status = 409


class LastAdministrator(JoinedupError):
    """Switching this account off would leave the hub with no active administrator (409)."""

    http_status = 409


@dataclass(frozen=True)
class IssuedToken:
    """A newly issued API token: ``secret`` is shown once and never stored."""

    secret: str
    record: ApiToken


def issue_token(
    session: Session,
    *,
    user_id: int,
    name: str,
    scopes: Iterable[str] = ("read",),
    expires_in: timedelta | None = timedelta(days=90),
    now: datetime | None = None,
    by: Actor | None = None,
) -> IssuedToken:
    """Issue a bearer token acting as ``user_id`` with ``scopes``; only its SHA-256 is stored.

    ``expires_in=None`` makes a token that lasts until revoked (discouraged; say why in its name).
    """
    user = get_user(session, user_id)
    if not user.active:
        raise Invalid("user_id", "Cannot issue a token for a deactivated account.")
    scope_list = sorted(set(scopes))
    unknown = [s for s in scope_list if s not in SCOPES]
    if unknown or not scope_list:
        raise Invalid("scopes", f"Scopes must be one or more of {', '.join(SCOPES)}.")
    if "admin" in scope_list and user.role != "admin":
        # It would give nothing (the role decides), but the token would be listed as one that
        # can manage accounts.
        raise Invalid("scopes", "Only an administrator's account can have the admin scope.")
    if not name.strip():
        raise Invalid("name", "Give the token a name that says what uses it.")
    if len(name.strip()) > NAME_MAX:
        raise Invalid("name", f"A token's name must be {NAME_MAX} characters or fewer.")
    _refuse_control_characters("name", name)
    at = now or utcnow()
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(
        token_sha256=sha256_hex(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        name=name.strip(),
        user_id=user.id,
        scopes=scope_list,
        created_at=at,
        expires_at=at + expires_in if expires_in is not None else None,
    )
    session.add(record)
    session.flush()
    _audit(
        session,
        by,
        "token.issue",
        f"token {record.id} {record.prefix}… for account {user.username}: {', '.join(scope_list)}",
        account=user,
    )
    return IssuedToken(secret=secret, record=record)


def list_tokens(session: Session, *, user_id: int | None = None) -> Sequence[ApiToken]:
    """API tokens, newest first, optionally those of one user (never their secrets)."""
    query = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if user_id is not None:
        query = query.where(ApiToken.user_id == user_id)
    return session.scalars(query).all()


def get_token(session: Session, token_id: int) -> ApiToken:
    """The API token with this id (never its secret), or :class:`NotFound`."""
    record = session.get(ApiToken, token_id)
    if record is None:
        raise NotFound(f"There is no API token {token_id}.")
    return record


def token_status(record: ApiToken, *, now: datetime | None = None) -> str:
    """``revoked``, ``expired`` or ``active``: whether a token would be accepted at ``now``."""
    if record.revoked_at is not None:
        return "revoked"
    if record.expires_at is not None and record.expires_at <= (now or utcnow()):
        return "expired"
    return "active"


def revoke_token(
    session: Session, token_id: int, *, now: datetime | None = None, by: Actor | None = None
) -> ApiToken:
    """Revoke a token at once; revoking twice keeps the first time."""
    record = get_token(session, token_id)
    if record.revoked_at is None:
        record.revoked_at = now or utcnow()
        session.flush()
        _audit(
            session,
            by,
            "token.revoke",
            f"token {record.id} {record.prefix}…",
            account=session.get(User, record.user_id),
        )
    return record


@dataclass(frozen=True)
class IssuedSession:
    """A new web session: ``secret`` goes in the cookie and is never stored."""

    secret: str
    record: WebSession


def start_session(session: Session, user: User, *, now: datetime | None = None) -> IssuedSession:
    """Start a web session for a user who has just signed in.

    The user's sessions that have ended or expired are deleted here, so the table holds only
    live sessions without a separate clean-up job.
    """
    at = now or utcnow()
    session.execute(
        delete(WebSession).where(
            WebSession.user_id == user.id,
            or_(WebSession.ended_at.is_not(None), WebSession.expires_at <= at),
        )
    )
    secret = secrets.token_urlsafe(32)
    record = WebSession(
        token_sha256=sha256_hex(secret),
        user_id=user.id,
        created_at=at,
        last_seen_at=at,
        expires_at=at + SESSION_IDLE,
    )
    session.add(record)
    session.flush()
    return IssuedSession(secret=secret, record=record)


def end_session(session: Session, secret: str, *, now: datetime | None = None) -> None:
    """End the session for a cookie's secret (signing out); unknown secrets are ignored."""
    record = session.scalar(select(WebSession).where(WebSession.token_sha256 == sha256_hex(secret)))
    if record is not None and record.ended_at is None:
        record.ended_at = now or utcnow()
        session.flush()


def set_session_context(
    session: Session, session_id: int, *, purpose: str | None, case_reference: str | None
) -> tuple[str, str]:
    """Record the purpose and case reference stated for a web session; returns them cleaned.

    Raises :class:`ContextError` (with a message per field) when either cannot be used.
    """
    cleaned = check_context(purpose, case_reference)
    record = session.get(WebSession, session_id)
    if record is None or record.ended_at is not None:
        raise NotFound("This session has ended. Sign in again.")
    record.purpose, record.case_reference = cleaned
    session.flush()
    return cleaned


def purpose_label(purpose: str) -> str:
    """How a purpose reads on a page: the label policy gives it (one wording everywhere)."""
    return _policy_purpose_label(purpose)


def check_context(purpose: str | None, case_reference: str | None) -> tuple[str, str]:
    """A valid (purpose, case reference) pair, or a :class:`ContextError` naming what to fix.

    The purpose must be one policy knows; the case reference is the practitioner's own reference
    for the piece of work (a case, referral or appointment number), so it can be audited.
    """
    problems: dict[str, str] = {}
    purpose = (purpose or "").strip()
    reference = " ".join((case_reference or "").split())
    if purpose not in PURPOSES:
        problems["purpose"] = "Select the purpose of your work"
    if not reference:
        problems["case_reference"] = "Enter a case reference"
    elif len(reference) > CASE_REFERENCE_MAX:
        problems["case_reference"] = (
            f"Case reference must be {CASE_REFERENCE_MAX} characters or fewer"
        )
    elif not _CASE_REFERENCE.match(reference):
        problems["case_reference"] = (
            "Case reference must only include letters, numbers, spaces and . / _ -"
        )
    if problems:
        raise ContextError(problems)
    return purpose, reference


class ChangeRefused(JoinedupError):
    """A password change that cannot be made; ``problems`` maps field → message (400)."""

    http_status = 400

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()) + ".")
        self.problems = problems


class ContextError(JoinedupError):
    """A purpose or case reference that cannot be used; ``problems`` maps field → message."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()) + ".")
        self.problems = problems
