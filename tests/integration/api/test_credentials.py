"""The one-statement credential checks (``services.credentials``), on SQLite and PostgreSQL.

Each case: what the database holds, when the credential is shown, and whether it is accepted —
and whether "last used" / "last seen" is written (at most once a ``TOUCH_EVERY``).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from joinedup.services import accounts
from joinedup.services.credentials import session_holder, token_holder
from joinedup.store.account_tables import ApiToken, User, WebSession
from joinedup.store.base import utcnow
from joinedup.store.db import session_scope
from joinedup.store.sources import ensure_organisation

ORG = "northbridge-council"


def _user(engine: Engine, username: str = "sam.worker@example.org") -> int:
    with session_scope(engine) as session:
        ensure_organisation(session, ORG, "Northbridge Borough Council", "council")
        user = accounts.create_user(
            session,
            username=username,
            display_name="Sam Worker",
            role="social_worker",
            organisation_id=ORG,
        )
        return user.id


def _token(engine: Engine, user_id: int, **kwargs: object) -> tuple[int, str]:
    with session_scope(engine) as session:
        issued = accounts.issue_token(session, user_id=user_id, name="t", **kwargs)  # type: ignore[arg-type]
        return issued.record.id, issued.secret


def test_a_valid_token_names_its_user_and_scopes(engine: Engine) -> None:
    user_id = _user(engine)
    token_id, secret = _token(engine, user_id, scopes=["read", "write"])
    with session_scope(engine) as session:
        holder = token_holder(session, secret)
    assert holder is not None
    assert (holder.user_id, holder.username, holder.role, holder.organisation_id) == (
        user_id,
        "sam.worker@example.org",
        "social_worker",
        ORG,
    )
    assert holder.credential_id == token_id and set(holder.scopes) == {"read", "write"}


@pytest.mark.parametrize(
    ("case", "accepted"),
    [
        ("unknown", False),
        ("revoked", False),
        ("expired", False),
        ("user switched off", False),
        ("valid", True),
    ],
)
def test_token_refusals(engine: Engine, case: str, accepted: bool) -> None:
    user_id = _user(engine)
    token_id, secret = _token(engine, user_id)
    now = utcnow()
    with session_scope(engine) as session:
        if case == "revoked":
            accounts.revoke_token(session, token_id)
        elif case == "expired":
            session.get_one(ApiToken, token_id).expires_at = now - timedelta(seconds=1)
        elif case == "user switched off":
            session.get_one(User, user_id).active = False
    shown = "jdp_not-a-token" if case == "unknown" else secret
    with session_scope(engine) as session:
        assert (token_holder(session, shown, now=now) is not None) is accepted


def test_last_used_is_written_at_most_once_a_touch_interval(engine: Engine) -> None:
    token_id, secret = _token(engine, _user(engine))
    start = utcnow()

    def last_used() -> object:
        with session_scope(engine) as session:
            return session.scalar(select(ApiToken.last_used_at).where(ApiToken.id == token_id))

    with session_scope(engine) as session:
        token_holder(session, secret, now=start)
    assert last_used() == start
    with session_scope(engine) as session:
        token_holder(session, secret, now=start + accounts.TOUCH_EVERY / 2)
    assert last_used() == start
    later = start + accounts.TOUCH_EVERY
    with session_scope(engine) as session:
        token_holder(session, secret, now=later)
    assert last_used() == later


def _session(engine: Engine, user_id: int, **when: object) -> tuple[int, str]:
    with session_scope(engine) as session:
        started = accounts.start_session(session, session.get_one(User, user_id), **when)  # type: ignore[arg-type]
        return started.record.id, started.secret


def test_a_session_carries_its_stated_purpose_and_is_extended(engine: Engine) -> None:
    user_id = _user(engine)
    start = utcnow()
    session_id, secret = _session(engine, user_id, now=start)
    with session_scope(engine) as session:
        accounts.set_session_context(
            session, session_id, purpose="safeguarding", case_reference="SG-1"
        )
    seen = start + accounts.TOUCH_EVERY
    with session_scope(engine) as session:
        holder = session_holder(session, secret, now=seen)
    assert holder is not None
    assert (holder.credential_id, holder.purpose, holder.case_reference) == (
        session_id,
        "safeguarding",
        "SG-1",
    )
    assert holder.scopes == ()
    with session_scope(engine) as session:
        row = session.get_one(WebSession, session_id)
        assert row.last_seen_at == seen
        assert row.expires_at == seen + accounts.SESSION_IDLE


@pytest.mark.parametrize(
    ("case", "accepted"),
    [
        ("idle too long", False),
        ("past the maximum", False),
        ("ended", False),
        ("user switched off", False),
        ("unknown", False),
        ("valid", True),
    ],
)
def test_session_refusals(engine: Engine, case: str, accepted: bool) -> None:
    user_id = _user(engine)
    start = utcnow()
    session_id, secret = _session(engine, user_id, now=start)
    at = start + timedelta(minutes=1)
    if case == "idle too long":
        at = start + accounts.SESSION_IDLE
    with session_scope(engine) as session:
        if case == "past the maximum":
            # Kept alive by requests, but signed in longer ago than the maximum.
            row = session.get_one(WebSession, session_id)
            row.created_at = start - accounts.SESSION_MAX
            row.expires_at = start
            at = start
        elif case == "ended":
            accounts.end_session(session, secret)
        elif case == "user switched off":
            session.get_one(User, user_id).active = False
    shown = "not-a-session" if case == "unknown" else secret
    with session_scope(engine) as session:
        assert (session_holder(session, shown, now=at) is not None) is accepted


def test_an_extension_never_passes_the_maximum(engine: Engine) -> None:
    user_id = _user(engine)
    start = utcnow()
    session_id, secret = _session(engine, user_id, now=start)
    with session_scope(engine) as session:
        session.get_one(WebSession, session_id).created_at = (
            start - accounts.SESSION_MAX + timedelta(minutes=5)
        )
    seen = start + accounts.TOUCH_EVERY
    with session_scope(engine) as session:
        assert session_holder(session, secret, now=seen) is not None
    with session_scope(engine) as session:
        row = session.get_one(WebSession, session_id)
        assert row.expires_at == start + timedelta(minutes=5)
