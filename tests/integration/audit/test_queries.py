"""Searching the trail, and the resident's access log (organisation, role, when, why)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from joinedup.audit import append
from joinedup.audit.queries import access_log, search
from joinedup.errors import JoinedupError
from joinedup.linkage.runs import start_run
from joinedup.store.db import session_scope
from joinedup.store.linkage_tables import Person
from tests.integration.audit.helpers import T0, event, fill


def test_search_filters(engine: Engine) -> None:
    fill(engine, 20)
    with session_scope(engine) as session:
        assert len(search(session, limit=1000)) == 20
        by_person = search(session, person_id="p-1")
        assert {e.person_id for e in by_person} == {"p-1"} and len(by_person) == 4
        assert [e.seq for e in by_person] == sorted((e.seq for e in by_person), reverse=True)
        assert {e.actor for e in search(session, actor="user-0")} == {"user-0"}
        assert {e.purpose for e in search(session, purpose="safeguarding")} == {"safeguarding"}
        window = search(session, since=T0 + timedelta(minutes=5), until=T0 + timedelta(minutes=8))
        assert sorted(e.seq for e in window) == [5, 6, 7]
        assert search(session, decision="deny") == []
        page = search(session, before_seq=3)
        assert [e.seq for e in page] == [2, 1]
        with pytest.raises(JoinedupError, match="limit"):
            search(session, limit=0)


def test_access_log_shows_organisation_role_time_and_reason(engine: Engine) -> None:
    with session_scope(engine) as session:
        append(session, event(1, person_id="p-9", reason="annual review"))
        append(
            session,
            event(2, person_id="p-9", break_glass=True, reason="break-glass: collapsed"),
        )
        append(session, event(3, person_id="p-8"))
    with session_scope(engine) as session:
        log = access_log(session, "p-9")
    assert [(e.organisation, e.role, e.break_glass) for e in log] == [
        ("nhs-northbridge-icb", "gp", True),
        ("northbridge-council", "social_worker", False),
    ]
    assert log[1].reason == "annual review" and log[1].at == T0 + timedelta(minutes=1)
    assert not hasattr(log[0], "actor")


def test_cli_prints_the_access_log(db_url: str, engine: Engine) -> None:
    from typer.testing import CliRunner

    from joinedup.cli import _register, app

    with session_scope(engine) as session:
        append(session, event(1, person_id="p-9", reason="annual review"))
        append(session, event(2, person_id="p-9", break_glass=True, reason="collapsed"))
    _register()
    result = CliRunner().invoke(app, ["audit", "log", "p-9", "--database-url", db_url])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("2026-06-01 09:02:00Z  nhs-northbridge-icb (gp)")
    assert "BREAK-GLASS" in lines[0] and "— collapsed" in lines[0]
    assert "— annual review" in lines[1]
    with session_scope(engine) as session:
        run = start_run(session, "full", "duckdb")
        session.add(Person(person_id="p-quiet", created_run=run.id, status="active"))
    quiet = CliRunner().invoke(app, ["audit", "log", "p-quiet", "--database-url", db_url])
    assert quiet.exit_code == 0, quiet.output
    assert quiet.output == "no recorded access\n"
    # A mistyped id said "no recorded access" too, exiting 0.
    unknown = CliRunner().invoke(app, ["audit", "log", "p-nobody", "--database-url", db_url])
    assert unknown.exit_code == 3
    assert unknown.stderr == "Error: no person has the id 'p-nobody'\n"


def test_cli_finds_the_access_log_of_an_id_typed_in_any_case(db_url: str, engine: Engine) -> None:
    from typer.testing import CliRunner

    from joinedup.cli import _register, app

    issued = "P7K2M9QX4TB1A"
    with session_scope(engine) as session:
        append(session, event(1, person_id=issued, reason="annual review"))
    _register()
    # It found no events under "p7k2m9qx4tb1a" and said "no recorded access".
    typed = CliRunner().invoke(
        app, ["audit", "log", f" {issued.lower()} ", "--database-url", db_url]
    )
    assert typed.exit_code == 0, typed.output
    assert "— annual review" in typed.output


def test_cli_access_log_between_two_uk_dates(db_url: str, engine: Engine) -> None:
    """The ICO asks for every access between two dates: UK days, both ends included."""
    from typer.testing import CliRunner

    from joinedup.cli import _register, app

    with session_scope(engine) as session:
        # 00:30 on 1 June in London (BST), 23:30 on 31 May in UTC: on 1 June for the ICO.
        append(
            session,
            event(1, person_id="p-9", reason="first", at=datetime(2026, 5, 31, 23, 30, tzinfo=UTC)),
        )
        append(
            session,
            event(2, person_id="p-9", reason="second", at=datetime(2026, 6, 1, 12, 0, tzinfo=UTC)),
        )
        # 00:30 on 2 June in London: after the range.
        append(
            session,
            event(3, person_id="p-9", reason="third", at=datetime(2026, 6, 1, 23, 30, tzinfo=UTC)),
        )
    _register()
    for since, until in (("2026-06-01", "2026-06-01"), ("01/06/2026", "1/6/2026")):
        result = CliRunner().invoke(
            app,
            ["audit", "log", "p-9", "--since", since, "--until", until, "--database-url", db_url],
        )
        assert result.exit_code == 0, result.output
        assert "— first" in result.output and "— second" in result.output
        assert "— third" not in result.output
    for bad in (["--since", "31/02/2026"], ["--since", "2026-06-02", "--until", "2026-06-01"]):
        refused = CliRunner().invoke(app, ["audit", "log", "p-9", *bad, "--database-url", db_url])
        assert refused.exit_code == 2, refused.output
        assert "Error" in refused.output
