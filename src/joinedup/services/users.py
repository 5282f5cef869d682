"""Finding accounts: by id, by username, page by page; and how a username is written."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from joinedup.services.account_input import Invalid, NotFound
from joinedup.services.text import refuse_control_characters
from joinedup.store.account_tables import User

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{2,99}$")
USER_SEARCH_MAX = 200


def normalise_username(username: str) -> str:
    """Usernames compare case-insensitively and without surrounding spaces."""
    return username.strip().lower()


def get_user(session: Session, user_id: int) -> User:
    """The user with this id, or a :class:`JoinedupError` saying there is none."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"There is no user {user_id}.")
    return user


def find_user(session: Session, username: str) -> User | None:
    """The account with this username (any case, spaces ignored), or ``None``."""
    return session.scalar(select(User).where(User.username == normalise_username(username)))


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
