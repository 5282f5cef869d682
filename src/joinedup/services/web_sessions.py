"""Web sessions: started at sign-in, ended at sign-out, and the purpose stated for one.

A session's secret goes in the cookie and only its SHA-256 is stored
(:func:`joinedup.services.secret_digest.sha256_hex`); :mod:`joinedup.services.credentials`
answers who holds a cookie on each request.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from joinedup.services.account_input import NotFound
from joinedup.services.secret_digest import sha256_hex
from joinedup.services.stated_purpose import check_context
from joinedup.store.account_tables import User, WebSession
from joinedup.store.base import utcnow

SESSION_IDLE = timedelta(minutes=30)
SESSION_MAX = timedelta(hours=10)
# Writing "last seen" on every request would make every read a write; a minute is precise enough.
TOUCH_EVERY = timedelta(seconds=60)


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


def end_sessions(session: Session, user_id: int, at: datetime, keep: int | None = None) -> None:
    """End every live session of ``user_id`` at ``at`` but ``keep`` (the caller flushes)."""
    query = select(WebSession).where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
    if keep is not None:
        query = query.where(WebSession.id != keep)
    for web_session in session.scalars(query):
        web_session.ended_at = at


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
