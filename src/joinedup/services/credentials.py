"""Who holds a bearer token or a session cookie: one statement a request, answered as plain data.

Every API request and page asks this before anything else, so it is one prebuilt Core
statement (the credential joined to its user, only the columns needed) rather than an ORM
query and a ``Session.get``: loading two ORM objects into the identity map cost more CPU than
the database's own work. The rules are those of :mod:`joinedup.services.api_tokens` and
:mod:`joinedup.services.web_sessions`: a token is refused when revoked or expired, a session
when ended, idle for :data:`web_sessions.SESSION_IDLE` or older than
:data:`web_sessions.SESSION_MAX`, either when its user is switched off; "last used" is written
at most every :data:`web_sessions.TOUCH_EVERY`, so most requests only read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from joinedup.services.secret_digest import sha256_hex
from joinedup.services.web_sessions import SESSION_IDLE, SESSION_MAX, TOUCH_EVERY
from joinedup.store.account_tables import ApiToken, User, WebSession
from joinedup.store.base import utcnow
from joinedup.store.prepared import Prepared

_USER = (
    User.id.label("user_id"),
    User.username,
    User.display_name,
    User.role,
    User.organisation_id,
    User.person_id,
    User.must_change_password,
)
_TOKEN = Prepared(
    select(
        *_USER,
        ApiToken.id.label("credential_id"),
        ApiToken.scopes,
        ApiToken.expires_at,
        ApiToken.last_used_at,
    )
    .join(User, User.id == ApiToken.user_id)
    .where(
        ApiToken.token_sha256 == bindparam("digest"),
        ApiToken.revoked_at.is_(None),
        User.active.is_(True),
    )
)
_SESSION = Prepared(
    select(
        *_USER,
        WebSession.id.label("credential_id"),
        WebSession.purpose,
        WebSession.case_reference,
        WebSession.created_at,
        WebSession.last_seen_at,
        WebSession.expires_at,
    )
    .join(User, User.id == WebSession.user_id)
    .where(
        WebSession.token_sha256 == bindparam("digest"),
        WebSession.ended_at.is_(None),
        User.active.is_(True),
    )
)
# Table-level updates: an ORM-enabled UPDATE would look for the row in the session to sync it.
_TOKENS = cast(Table, ApiToken.__table__)
_SESSIONS = cast(Table, WebSession.__table__)
_TOUCH_TOKEN = (
    update(_TOKENS)
    .where(_TOKENS.c.id == bindparam("credential_id"))
    .values(last_used_at=bindparam("at"))
)
_TOUCH_SESSION = (
    update(_SESSIONS)
    .where(_SESSIONS.c.id == bindparam("credential_id"))
    .values(last_seen_at=bindparam("at"), expires_at=bindparam("expires"))
)


@dataclass(frozen=True)
class Holder:
    """The user behind a valid credential, and the credential's own facts.

    ``scopes`` are a token's (empty for a session); ``purpose`` and ``case_reference`` are what
    was stated for a web session (``None`` for a token, whose client states them per request).
    """

    user_id: int
    username: str
    display_name: str
    role: str
    organisation_id: str | None
    person_id: str | None
    credential_id: int
    scopes: tuple[str, ...] = ()
    purpose: str | None = None
    case_reference: str | None = None
    # The password was set by an administrator and not yet replaced: the holder may only
    # change it (the API and the pages refuse everything else).
    must_change_password: bool = False


def token_holder(session: Session, secret: str, *, now: datetime | None = None) -> Holder | None:
    """The holder of an API token's ``secret``, or ``None`` if unknown, expired or revoked, or
    its user is switched off. Example: ``token_holder(session, "jdp_…").scopes``."""
    at = now or utcnow()
    row = _TOKEN.first(session, {"digest": sha256_hex(secret)})
    if row is None or (row.expires_at is not None and row.expires_at <= at):
        return None
    last = row.last_used_at
    if last is None or at - last >= TOUCH_EVERY:
        session.execute(_TOUCH_TOKEN, {"credential_id": row.credential_id, "at": at})
    return Holder(
        row.user_id,
        row.username,
        row.display_name,
        row.role,
        row.organisation_id,
        row.person_id,
        row.credential_id,
        scopes=tuple(row.scopes or ()),
        must_change_password=bool(row.must_change_password),
    )


def session_holder(session: Session, secret: str, *, now: datetime | None = None) -> Holder | None:
    """The holder of a session cookie's ``secret``, extending its idle timeout; ``None`` when
    the session is unknown, ended or timed out, or its user is switched off."""
    at = now or utcnow()
    row = _SESSION.first(session, {"digest": sha256_hex(secret)})
    if row is None or row.expires_at is None or row.expires_at <= at:
        return None
    last = row.last_seen_at
    if last is None or at - last >= TOUCH_EVERY:
        created = row.created_at or at
        expires = min(at + SESSION_IDLE, created + SESSION_MAX)
        session.execute(
            _TOUCH_SESSION, {"credential_id": row.credential_id, "at": at, "expires": expires}
        )
    return Holder(
        row.user_id,
        row.username,
        row.display_name,
        row.role,
        row.organisation_id,
        row.person_id,
        row.credential_id,
        purpose=row.purpose,
        case_reference=row.case_reference,
        must_change_password=bool(row.must_change_password),
    )
