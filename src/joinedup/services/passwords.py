"""Passwords: the project's rules for them, their argon2id hashes, and changing one.

Stored only as an argon2id hash (OWASP's parameters); never logged, never on the audit trail.
Sign-in, which checks a password and throttles failures, is :mod:`joinedup.services.sign_in`.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from joinedup.errors import JoinedupError
from joinedup.services.account_audit import audit_account_change
from joinedup.services.account_input import Invalid, require_administrator
from joinedup.services.actor import Actor
from joinedup.services.users import get_user, normalise_username
from joinedup.services.web_sessions import end_sessions
from joinedup.store.account_tables import User
from joinedup.store.base import utcnow

MIN_PASSWORD_LENGTH = 10
# Long enough for any passphrase; a pasted document is refused before argon2 hashes it.
PASSWORD_MAX = 1000
# argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): about as slow to crack
# as argon2-cffi's heavier default, at a third of the cost per sign-in on a small server.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


@cache
def _dummy_hash() -> str:
    return _hasher.hash("not a real password, only for constant time")


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` is the one ``password_hash`` was made from (never raises)."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_against_nothing(password: str) -> None:
    """Take as long as checking a real password, for an account that does not exist.

    So a wrong username takes as long as a wrong password and response times do not reveal
    which accounts exist.
    """
    verify_password(_dummy_hash(), password)


def rehashed(password_hash: str, password: str) -> str | None:
    """A new hash of ``password`` when ``password_hash`` was made with older parameters."""
    return _hasher.hash(password) if _hasher.check_needs_rehash(password_hash) else None


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
    require_administrator(by)
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
    end_sessions(session, user.id, now or utcnow())
    session.flush()
    audit_account_change(
        session, by, "account.password_reset", f"account {user.username}", account=user
    )
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
    elif user.password_hash is None or not verify_password(user.password_hash, current_password):
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
    end_sessions(session, user.id, now or utcnow(), keep=keep_session)
    session.flush()
    audit_account_change(
        session, by, "account.password_change", f"account {user.username}", account=user
    )
    return user


class ChangeRefused(JoinedupError):
    """A password change that cannot be made; ``problems`` maps field → message (400)."""

    http_status = 400

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()) + ".")
        self.problems = problems
