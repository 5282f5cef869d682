"""Signing in with a username and password, throttled after repeated failures.

Nothing here raises on a wrong password, because the failed attempt must be committed to count
towards throttling; :func:`authenticate` returns ``None`` instead and the caller shows
:data:`SIGN_IN_FAILED` after its transaction has ended.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from joinedup.services.passwords import rehashed, verify_against_nothing, verify_password
from joinedup.services.users import find_user
from joinedup.store.account_tables import User
from joinedup.store.base import utcnow

MAX_FAILED_SIGN_INS = 5
LOCKOUT = timedelta(minutes=15)

SIGN_IN_FAILED = (
    "Enter a correct username and password. "
    f"After {MAX_FAILED_SIGN_INS} failed attempts an account is locked for "
    f"{int(LOCKOUT.total_seconds() // 60)} minutes."
)


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
    user = find_user(session, username)
    if user is None or user.password_hash is None or not user.active:
        verify_against_nothing(password)
        return None
    if is_locked(user, at):
        verify_against_nothing(password)
        user.last_failed_sign_in_at = at
        session.flush()
        return None
    if not verify_password(user.password_hash, password):
        user.failed_sign_ins += 1
        user.last_failed_sign_in_at = at
        session.flush()
        return None
    if (upgraded := rehashed(user.password_hash, password)) is not None:
        user.password_hash = upgraded
    user.failed_sign_ins = 0
    user.last_failed_sign_in_at = None
    user.last_sign_in_at = at
    session.flush()
    return user
