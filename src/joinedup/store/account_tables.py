"""Tables for who may use the hub: user accounts, API tokens and web sessions (migration 0004).

Secrets are never stored as given: passwords as argon2id hashes, API tokens and session tokens as
their SHA-256. A database dump therefore lets no one sign in or call the API. Sessions are kept
server-side (a row per session, the cookie holds only a random token) so that signing out,
deactivating a user or revoking a session takes effect at once on every worker, and the purpose
and case reference a practitioner states are held where the API and the pages both see them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from joinedup.store.base import Base, JSONType, UTCDateTime


class User(Base):
    """A person who signs in: staff of a partner organisation, or a resident (``person_id`` set)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(200), nullable=False)
    organisation_id: Mapped[str | None] = mapped_column(
        String, ForeignKey("organisations.id"), nullable=True, index=True
    )
    role: Mapped[str] = mapped_column(String(40), nullable=False)
    password_hash: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The master person id a resident account speaks for; NULL for staff.
    person_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    # When an administrator last checked that ``person_id`` is this resident (NULL: when the
    # account was made). A link run that splits the person after this holds the account
    # (migration 0012, :mod:`joinedup.services.resident_holds`).
    person_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Throttling: consecutive failures since the last success, and when the last one happened.
    failed_sign_ins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_failed_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Migration 0014: the password was set by someone else (an administrator), who knows it;
    # until its owner replaces it the account can do nothing but change it.
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )


class ApiToken(Base):
    """A bearer token for a system calling the API on behalf of a user (only its SHA-256 kept)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    # The first characters of the token, safe to show so people can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    scopes: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WebSession(Base):
    """A signed-in browser: the cookie's token hashed, and the purpose stated for this session."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    purpose: Mapped[str | None] = mapped_column(String(40))
    case_reference: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
