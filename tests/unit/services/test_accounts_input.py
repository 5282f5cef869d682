"""What an administrator types is refused with a message on its field, never a database error.

One row per input: the call, the field the message belongs to. Each runs on SQLite and on
PostgreSQL, which refuses a NUL character or an over-long value where SQLite would store it.
The administrator's changes are on the audit trail when made ``by`` someone.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from joinedup.services import accounts
from joinedup.services.actor import Actor
from joinedup.store.base import utcnow
from joinedup.store.db import session_scope
from joinedup.store.governance_tables import AuditEvent

ORG = "northbridge-council"
ADMIN = Actor(user="ada.admin", organisation=ORG, role="admin", request_id="req-12345678")


def _user(**changes: Any) -> dict[str, Any]:
    base = {
        "username": "sam.patel",
        "display_name": "Sam Patel",
        "role": "gp",
        "organisation_id": ORG,
        "password": "a long passphrase",
    }
    return {**base, **changes}


USER_CASES = [
    # (why, fields, the field the message is on)
    ("a NUL in the name", _user(display_name="Sam\x00Patel"), "display_name"),
    ("a name longer than the column", _user(display_name="S" * 201), "display_name"),
    ("a username with a space", _user(username="sam patel"), "username"),
    ("a short password", _user(password="short"), "password"),
    # Ten spaces, or "aaaaaaaaaa", passed as ten characters; so did the username with "1!".
    ("a password of spaces", _user(password=" " * 12), "password"),
    ("one character repeated", _user(password="a" * 12), "password"),
    ("a password holding the username", _user(password="Sam.Patel-2026!"), "password"),
    ("no such organisation", _user(organisation_id="nowhere"), "organisation_id"),
    ("a staff account with no organisation", _user(organisation_id=None), "organisation_id"),
    ("a resident with no person id", _user(role="resident", organisation_id=None), "person_id"),
    (
        "a person id longer than the column",
        _user(role="resident", organisation_id=None, person_id="P" * 65),
        "person_id",
    ),
    (
        "a person id with a NUL",
        _user(role="resident", organisation_id=None, person_id="P\x001"),
        "person_id",
    ),
    # The admin API sent it on and the account was made: a resident in an organisation's
    # staff, as far as every check of "their organisation's staff" could tell.
    (
        "a resident in an organisation",
        _user(role="resident", person_id="P7K2M9QX4TB1A"),
        "organisation_id",
    ),
    ("an unknown role", _user(role="wizard"), "role"),
    ("a staff account naming a person", _user(person_id="P7K2M9QX4TB1A"), "person_id"),
    (
        "an administrator naming a person the index does not hold",
        {**_user(role="resident", organisation_id=None, person_id="PNOPE"), "by": ADMIN},
        "person_id",
    ),
]


@pytest.fixture
def org(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        accounts.create_organisation(session, ORG, name="Northbridge Council", kind="council")
    return engine


@pytest.mark.parametrize(("why", "fields", "field"), USER_CASES, ids=[c[0] for c in USER_CASES])
def test_a_bad_account_is_refused_on_its_field(
    org: Engine, why: str, fields: dict[str, Any], field: str
) -> None:
    with session_scope(org) as session, pytest.raises(accounts.Invalid) as caught:
        accounts.create_user(session, **fields)
    assert caught.value.field == field


ORGANISATION_CASES = [
    ("an id with capitals", {"organisation_id": "Riverside", "name": "Riverside"}, "id"),
    ("a NUL in the name", {"organisation_id": "riverside", "name": "River\x00side"}, "name"),
    ("a name longer than any", {"organisation_id": "riverside", "name": "R" * 201}, "name"),
    ("a long kind", {"organisation_id": "riverside", "name": "R", "kind": "k" * 41}, "kind"),
    # The audit trail records a resident's own actions as organisation "resident", and those
    # of an account with none as "hub": an IG officer of an organisation with either id had
    # every resident's choices and reads in their remit.
    ("the id residents act as", {"organisation_id": "resident", "name": "R"}, "id"),
    ("the id the hub acts as", {"organisation_id": "hub", "name": "The hub"}, "id"),
]


@pytest.mark.parametrize(
    ("why", "fields", "field"), ORGANISATION_CASES, ids=[c[0] for c in ORGANISATION_CASES]
)
def test_a_bad_organisation_is_refused_on_its_field(
    org: Engine, why: str, fields: dict[str, Any], field: str
) -> None:
    with session_scope(org) as session, pytest.raises(accounts.Invalid) as caught:
        accounts.create_organisation(session, **fields)
    assert caught.value.field == field


def test_a_taken_username_or_id_is_a_conflict_on_its_field(org: Engine) -> None:
    with session_scope(org) as session:
        accounts.create_user(session, **_user())
    with session_scope(org) as session, pytest.raises(accounts.AlreadyExists) as caught:
        accounts.create_user(session, **_user(username="SAM.PATEL"))
    assert caught.value.field == "username"
    with session_scope(org) as session, pytest.raises(accounts.AlreadyExists) as caught:
        accounts.create_organisation(session, ORG, name="Again")
    assert caught.value.field == "id"


def test_an_administrators_changes_are_audited_and_name_no_secret(org: Engine) -> None:
    with session_scope(org) as session:
        user = accounts.create_user(session, **_user(), by=ADMIN)
        issued = accounts.issue_token(session, user_id=user.id, name="sync", by=ADMIN)
        accounts.revoke_token(session, issued.record.id, by=ADMIN)
        accounts.revoke_token(session, issued.record.id, by=ADMIN)  # once is recorded
        accounts.set_active(session, user.id, False, by=ADMIN)
        accounts.create_user(session, **_user(username="no.audit"))  # no one: nothing
    with session_scope(org) as session:
        rows = session.execute(
            select(AuditEvent.actor, AuditEvent.action, AuditEvent.reason, AuditEvent.request_id)
            .where(AuditEvent.actor == "ada.admin")
            .order_by(AuditEvent.seq)
        ).all()
    assert [r.action for r in rows] == [
        "account.create",
        "token.issue",
        "token.revoke",
        "account.disable",
    ]
    assert all(r.request_id == ADMIN.request_id for r in rows)
    assert issued.secret not in str(rows) and "passphrase" not in str(rows)
    assert "no.audit" not in str(rows)


def test_an_administrators_resident_account_names_a_person_the_index_holds(org: Engine) -> None:
    from joinedup.store.linkage_tables import LinkRun, Person

    with session_scope(org) as session:
        run = LinkRun(mode="full", engine="duckdb", status="done", started_at=utcnow())
        session.add(run)
        session.flush()
        session.add(Person(person_id="PHELD0000001", created_run=run.id, status="active"))
    with session_scope(org) as session:
        fields = _user(role="resident", organisation_id=None, person_id="PHELD0000001")
        user = accounts.create_user(session, **fields, by=ADMIN)
    assert user.person_id == "PHELD0000001"


def test_an_administrators_changes_to_a_residents_account_name_the_resident(org: Engine) -> None:
    # Filed under the resident, they are found by an IG officer searching for that person and
    # shown in the resident's own access log: an account or a token that can act as them was
    # made, and by whom. Before, nothing on the trail said whose account it was.
    from joinedup.store.linkage_tables import LinkRun, Person

    with session_scope(org) as session:
        run = LinkRun(mode="full", engine="duckdb", status="done", started_at=utcnow())
        session.add(run)
        session.flush()
        session.add(Person(person_id="PHELD0000001", created_run=run.id, status="active"))
    with session_scope(org) as session:
        fields = _user(
            username="held.resident",
            role="resident",
            organisation_id=None,
            person_id="PHELD0000001",
        )
        user = accounts.create_user(session, **fields, by=ADMIN)
        issued = accounts.issue_token(session, user_id=user.id, name="app", by=ADMIN)
        accounts.revoke_token(session, issued.record.id, by=ADMIN)
        accounts.set_active(session, user.id, False, by=ADMIN)
        accounts.set_active(session, user.id, True, by=ADMIN)
        staff = accounts.create_user(session, **_user(), by=ADMIN)
        accounts.issue_token(session, user_id=staff.id, name="sync", by=ADMIN)
    with session_scope(org) as session:
        rows = session.execute(
            select(AuditEvent.action, AuditEvent.person_id).order_by(AuditEvent.seq)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("account.create", "PHELD0000001"),
        ("token.issue", "PHELD0000001"),
        ("token.revoke", "PHELD0000001"),
        ("account.disable", "PHELD0000001"),
        ("account.enable", "PHELD0000001"),
        ("account.create", None),
        ("token.issue", None),
    ]


def test_only_an_administrators_account_has_a_token_with_the_admin_scope(org: Engine) -> None:
    with session_scope(org) as session:
        gp = accounts.create_user(session, **_user())
        admin = accounts.create_user(session, **_user(username="ada.admin", role="admin"))
        accounts.issue_token(session, user_id=admin.id, name="admin sync", scopes=["admin"])
        with pytest.raises(accounts.Invalid) as caught:
            accounts.issue_token(session, user_id=gp.id, name="sync", scopes=["read", "admin"])
    assert caught.value.field == "scopes"
