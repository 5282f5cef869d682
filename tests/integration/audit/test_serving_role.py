"""``joinedup serve`` warns, once, when its database role could switch off the audit triggers.

The owner of ``audit_events`` (or a role that may act as it) and a superuser can disable the
triggers that keep the trail append-only (docs/audit.md, "Database roles on PostgreSQL"). The
warning names the role and the docs section; serving goes on, since the demo and the tests run
as the owner. A role granted only what the docs' recipe grants gets no warning.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from joinedup.services.serving_role import DOCS_SECTION, warn_if_role_can_rewrite_audit
from joinedup.store.db import make_engine

POSTGRES_ONLY = pytest.mark.parametrize(
    "db_backend", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
LOGGER = "joinedup.services.serving_role"


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER]


@pytest.fixture
def role_engine(engine: Engine) -> Iterator[Callable[[str, tuple[str, ...]], Engine]]:
    """Make a login role, run set-up statements as the test's superuser, and connect as it.

    The statements may name ``{role}`` and make a second role ``{role}_owner``.
    """
    made: list[tuple[str, Engine]] = []

    def connect_as(kind: str, setup: tuple[str, ...]) -> Engine:
        role = f"jd_{kind}_{uuid.uuid4().hex[:8]}"
        with engine.begin() as connection:
            connection.execute(text(f"CREATE ROLE {role} LOGIN"))
            for statement in setup:
                connection.execute(text(statement.format(role=role)))
        url = engine.url.set(username=role).render_as_string(hide_password=False)
        made.append((role, make_engine(url)))
        return made[-1][1]

    yield connect_as
    for role, role_eng in made:
        role_eng.dispose()
        with engine.begin() as connection:
            # Roles are the cluster's, not the database's: give the table back and drop them.
            connection.execute(text("ALTER TABLE audit_events OWNER TO CURRENT_USER"))
            for name in (role, f"{role}_owner"):
                if connection.scalar(
                    text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}
                ):
                    connection.execute(text(f"DROP OWNED BY {name}"))
                    connection.execute(text(f"DROP ROLE {name}"))


def test_no_warning_on_sqlite_or_for_the_app_role(
    engine: Engine,
    db_backend: str,
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger=LOGGER)
    if db_backend == "postgresql":
        # What docs/audit.md grants the role the hub serves as.
        app_role = (
            "GRANT USAGE ON SCHEMA public TO {role}",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
            "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}",
            "REVOKE UPDATE, DELETE, TRUNCATE ON audit_events, audit_checkpoints FROM {role}",
        )
        engine = request.getfixturevalue("role_engine")("app", app_role)
    assert warn_if_role_can_rewrite_audit(engine) is None
    assert _warnings(caplog) == []


@POSTGRES_ONLY
def test_a_superuser_is_warned_once(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger=LOGGER)
    message = warn_if_role_can_rewrite_audit(engine)
    assert message is not None and "is a superuser" in message and DOCS_SECTION in message
    assert _warnings(caplog) == [message]


@POSTGRES_ONLY
@pytest.mark.parametrize(
    ("setup", "says"),
    [
        pytest.param(
            ("ALTER TABLE audit_events OWNER TO {role}",),
            "owns the audit_events table",
            id="owner",
        ),
        pytest.param(
            (
                "CREATE ROLE {role}_owner NOLOGIN",
                "ALTER TABLE audit_events OWNER TO {role}_owner",
                "GRANT {role}_owner TO {role}",
            ),
            "can act as",
            id="member-of-the-owner",
        ),
    ],
)
def test_a_role_that_may_act_as_the_owner_is_warned(
    engine: Engine,
    role_engine: Callable[[str, tuple[str, ...]], Engine],
    caplog: pytest.LogCaptureFixture,
    setup: tuple[str, ...],
    says: str,
) -> None:
    caplog.set_level(logging.WARNING, logger=LOGGER)
    message = warn_if_role_can_rewrite_audit(role_engine("own", setup))
    assert message is not None and says in message and DOCS_SECTION in message, message
    assert _warnings(caplog) == [message]
