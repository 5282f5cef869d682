"""The hub keeps an active administrator: nobody could manage accounts without one. Two
administrators switching each other off at the same moment each saw the other still active and
left none. SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from joinedup.errors import JoinedupError
from joinedup.services import accounts
from joinedup.store import sources
from joinedup.store.account_tables import User
from joinedup.store.db import session_scope, upgrade
from tests.integration.api.auth_hub import ORGANISATION, password_hash


def _admins(engine: Engine, *names: str) -> list[int]:
    upgrade(engine)
    with session_scope(engine) as session:
        sources.ensure_organisation(session, ORGANISATION, "Northbridge Council", "council")
        return [
            accounts.create_user(
                session,
                username=name,
                display_name=name,
                role="admin",
                password_hash=password_hash(),
                organisation_id=ORGANISATION,
            ).id
            for name in names
        ]


def _active_admins(engine: Engine) -> int:
    with session_scope(engine) as session:
        return (
            session.scalar(select(func.count()).where(User.role == "admin", User.active.is_(True)))
            or 0
        )


def test_the_last_active_administrator_stays_on(engine: Engine) -> None:
    ada, bo = _admins(engine, "ada.admin", "bo.admin")
    with session_scope(engine) as session:
        accounts.set_active(session, bo, False)
    refused = pytest.raises(accounts.LastAdministrator, match="last active administrator")
    with refused, session_scope(engine) as session:
        accounts.set_active(session, ada, False)
    assert _active_admins(engine) == 1
    with session_scope(engine) as session:  # once another is on again, it may go
        accounts.set_active(session, bo, True)
        accounts.set_active(session, ada, False)
    assert _active_admins(engine) == 1


def test_two_administrators_switching_each_other_off_leave_one_on(engine: Engine) -> None:
    ada, bo = _admins(engine, "ada.admin", "bo.admin")
    first_done = threading.Event()
    outcomes: dict[str, object] = {}

    def ada_switches_bo_off() -> None:
        with session_scope(engine) as session:
            accounts.set_active(session, bo, False)
            first_done.set()
            threading.Event().wait(0.5)  # still uncommitted while Bo acts
        outcomes["ada"] = "done"

    def bo_switches_ada_off() -> None:
        first_done.wait(10)
        try:
            with session_scope(engine) as session:
                accounts.set_active(session, ada, False)
            outcomes["bo"] = "done"
        except (JoinedupError, OperationalError) as exc:  # refused, or SQLite's one writer
            outcomes["bo"] = type(exc).__name__

    threads = [threading.Thread(target=f) for f in (ada_switches_bo_off, bo_switches_ada_off)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes["ada"] == "done"
    assert outcomes["bo"] != "done"
    assert _active_admins(engine) == 1
