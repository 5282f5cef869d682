"""API tokens for systems: issued, listed, revoked; each acts as its user, narrowed by scopes.

A token's secret is shown once and only its SHA-256 is stored
(:func:`joinedup.services.secret_digest.sha256_hex`); :mod:`joinedup.services.credentials`
answers who holds one on each request.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.services.account_audit import audit_account_change
from joinedup.services.account_input import (
    NAME_MAX,
    Invalid,
    NotFound,
    refuse_unprintable,
    require_administrator,
)
from joinedup.services.actor import Actor
from joinedup.services.secret_digest import sha256_hex
from joinedup.services.users import get_user
from joinedup.store.account_tables import ApiToken, User
from joinedup.store.base import utcnow

# Scopes a token may carry; a token acts as its user, narrowed to these areas of the API.
SCOPES: tuple[str, ...] = ("read", "write", "admin")
TOKEN_PREFIX = "jdp_"


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
    require_administrator(by)
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
    refuse_unprintable("name", name)
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
    audit_account_change(
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
    require_administrator(by)
    record = get_token(session, token_id)
    if record.revoked_at is None:
        record.revoked_at = now or utcnow()
        session.flush()
        audit_account_change(
            session,
            by,
            "token.revoke",
            f"token {record.id} {record.prefix}…",
            account=session.get(User, record.user_id),
        )
    return record


def revoke_tokens_of(session: Session, user_id: int, at: datetime) -> None:
    """Revoke every live token of ``user_id`` at ``at``, unaudited (the caller audits why)."""
    for token in session.scalars(
        select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    ):
        token.revoked_at = at
