"""``joinedup serve`` warns, once, when its database role could switch off the audit triggers.

The owner of an append-only table — ``audit_events``, ``audit_checkpoints``,
``break_glass_reason_reviews``, ``review_decisions`` — (or a role that may act as it) and a
superuser can disable the triggers that keep it append-only (docs/audit.md, "Database roles on
PostgreSQL"); a trigger disabled or missing leaves the table open to anyone granted UPDATE. The
warning names the role, the tables and the docs section; serving goes on, since the demo and the
tests run as the owner. A role granted only what the docs' recipe grants gets no warning.
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
from joinedup.store.db_roles import APPEND_ONLY_TABLES

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
            # Roles are the cluster's, not the database's: give the tables back and drop them.
            for table in APPEND_ONLY_TABLES:
                connection.execute(text(f"ALTER TABLE {table} OWNER TO CURRENT_USER"))
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
            "REVOKE UPDATE, DELETE, TRUNCATE ON audit_events, audit_checkpoints, "
            "break_glass_reason_reviews, review_decisions FROM {role}",
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
        pytest.param(
            ("ALTER TABLE review_decisions OWNER TO {role}",),
            "owns the review_decisions table",
            id="owner-of-review-decisions",
        ),
        pytest.param(
            (
                "CREATE ROLE {role}_owner NOLOGIN",
                "ALTER TABLE break_glass_reason_reviews OWNER TO {role}_owner",
                "ALTER TABLE audit_checkpoints OWNER TO {role}_owner",
                "GRANT {role}_owner TO {role}",
            ),
            "the owner of the audit_checkpoints and break_glass_reason_reviews tables",
            id="member-of-the-owner-of-two",
        ),
        pytest.param(
            (
                "ALTER TABLE audit_events OWNER TO {role}",
                "ALTER TABLE review_decisions OWNER TO {role}",
            ),
            "owns the audit_events and review_decisions tables",
            id="owner-of-two",
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


APP_ROLE = (
    "GRANT USAGE ON SCHEMA public TO {role}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
)


@POSTGRES_ONLY
@pytest.mark.parametrize(
    ("setup", "table"),
    [
        pytest.param(
            ("ALTER TABLE review_decisions DISABLE TRIGGER review_decisions_append_only",),
            "review_decisions",
            id="disabled",
        ),
        pytest.param(
            ("DROP TRIGGER audit_checkpoints_append_only ON audit_checkpoints",),
            "audit_checkpoints",
            id="dropped",
        ),
    ],
)
def test_a_disabled_or_missing_trigger_is_warned_whoever_serves(
    engine: Engine,
    role_engine: Callable[[str, tuple[str, ...]], Engine],
    caplog: pytest.LogCaptureFixture,
    setup: tuple[str, ...],
    table: str,
) -> None:
    """Done as the owner (the test's superuser); then the app role, owning nothing, serves."""
    with engine.begin() as connection:
        for statement in setup:
            connection.execute(text(statement))
    caplog.set_level(logging.WARNING, logger=LOGGER)
    message = warn_if_role_can_rewrite_audit(role_engine("app", APP_ROLE))
    assert message is not None, "an unguarded append-only table went unreported"
    assert f"on the {table} table is disabled or missing" in message
    assert "Serving as a role that can rewrite" not in message  # the app role owns nothing
    assert _warnings(caplog) == [message]
