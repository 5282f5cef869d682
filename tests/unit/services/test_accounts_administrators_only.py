"""Only an administrator manages accounts, organisations and tokens — decided in the service.

The web pages and the admin API each let only the ``admin`` role in, but the rule belongs to
the services every front end shares, as a reviewer's, an IG officer's and a resident's do
(``require_reviewer``, ``require_ig_officer``, ``require_resident``): a front end that forgot
its gate must not let a practitioner make accounts. One row per change; each is refused (403)
before anything is checked or written, on SQLite and PostgreSQL. ``by=None`` is the system
itself (the demo, tests, accounts moved in bulk) and is not asked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from joinedup.services import accounts, resident_holds
from joinedup.services.actor import Actor, NotPermitted
from joinedup.store.db import session_scope
from joinedup.store.governance_tables import AuditEvent

ORG = "northbridge-council"
PASSPHRASE = "a long passphrase"


def _actor(role: str) -> Actor:
    return Actor(user=f"someone.{role}", organisation=ORG, role=role, request_id="req-12345678")


CHANGES: list[tuple[str, Callable[[Session, dict[str, int], Actor], Any]]] = [
    (
        "create an organisation",
        lambda s, ids, by: accounts.create_organisation(s, "riverside", name="R", by=by),
    ),
    (
        "create an account",
        lambda s, ids, by: accounts.create_user(
            s, username="new.gp", display_name="New", role="gp", organisation_id=ORG, by=by
        ),
    ),
    ("switch an account off", lambda s, ids, by: accounts.set_active(s, ids["gp"], False, by=by)),
    (
        "reset a password",
        lambda s, ids, by: accounts.reset_password(s, ids["gp"], "another passphrase", by=by),
    ),
    (
        "issue a token",
        lambda s, ids, by: accounts.issue_token(s, user_id=ids["gp"], name="sync", by=by),
    ),
    ("revoke a token", lambda s, ids, by: accounts.revoke_token(s, ids["token"], by=by)),
    (
        "confirm a resident's person",
        lambda s, ids, by: resident_holds.confirm_person(s, ids["resident"], "PANY", by=by),
    ),
]
NOT_ADMINISTRATORS = ["gp", "ig_officer", "reviewer", "resident"]


@pytest.fixture
def hub(engine: Engine) -> tuple[Engine, dict[str, int]]:
    with session_scope(engine) as session:
        accounts.create_organisation(session, ORG, name="Northbridge Council")
        gp = accounts.create_user(
            session,
            username="sam.gp",
            display_name="Sam",
            role="gp",
            organisation_id=ORG,
            password=PASSPHRASE,
        )
        resident = accounts.create_user(
            session, username="rosa", display_name="Rosa", role="resident", person_id="PROSA"
        )
        token = accounts.issue_token(session, user_id=gp.id, name="case system")
        ids = {"gp": gp.id, "resident": resident.id, "token": token.record.id}
    return engine, ids


@pytest.mark.parametrize("role", NOT_ADMINISTRATORS)
@pytest.mark.parametrize(("change", "call"), CHANGES, ids=[c[0] for c in CHANGES])
def test_only_an_administrator_may_change_accounts(
    hub: tuple[Engine, dict[str, int]], change: str, call: Callable[..., Any], role: str
) -> None:
    engine, ids = hub
    with session_scope(engine) as session, pytest.raises(NotPermitted) as refused:
        call(session, ids, _actor(role))
    assert str(refused.value) == "Only an administrator can manage accounts."
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0
        assert accounts.get_user(session, ids["gp"]).active
        assert accounts.get_token(session, ids["token"]).revoked_at is None


def test_an_administrator_cannot_switch_off_their_own_account(
    hub: tuple[Engine, dict[str, int]],
) -> None:
    # Decided in the service, so every front end says the same and none can forget it.
    engine, _ = hub
    with session_scope(engine) as session:
        admin = accounts.create_user(
            session, username="ada.admin", display_name="Ada", role="admin", organisation_id=ORG
        )
        other = accounts.create_user(
            session, username="bo.admin", display_name="Bo", role="admin", organisation_id=ORG
        )
        admin_id, other_id = admin.id, other.id
    me = Actor(user="ada.admin", organisation=ORG, role="admin", request_id="req-12345678")
    with session_scope(engine) as session, pytest.raises(accounts.OwnAccount) as refused:
        accounts.set_active(session, admin_id, False, by=me)
    assert refused.value.http_status == 409
    assert str(refused.value) == (
        "You cannot switch off your own account. Ask another administrator."
    )
    with session_scope(engine) as session:
        assert accounts.get_user(session, admin_id).active
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0
        # Another administrator can.
        accounts.set_active(session, other_id, False, by=me)
        assert not accounts.get_user(session, other_id).active
