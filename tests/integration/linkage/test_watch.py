"""``joinedup link --watch``: links as records arrive, and only when there is something to link."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from joinedup.cli import _register, app
from joinedup.errors import JoinedupError
from joinedup.linkage.runs import LinkRunResult
from joinedup.linkage.watch import pending, watch
from tests.integration.linkage.index_helpers import Store, StubScorer, person

AMARA = person("1", "Amara", "Okafor", "1980-01-02")
AMARA_AGAIN = person("2", "Amara", "Okafor", "1980-01-02")
TOMASZ = person("3", "Tomasz", "Nowak", "1975-05-06")


def test_watch_links_what_arrives_between_polls_and_idles_otherwise(engine: Engine) -> None:
    store = Store(engine)
    store.put(AMARA)
    arrivals = [lambda: None, lambda: store.put(AMARA_AGAIN, TOMASZ), lambda: None]
    results: list[LinkRunResult] = []
    polls = 0

    def sleep(_seconds: float) -> None:
        nonlocal polls
        arrivals[polls]()  # records ingested while the watcher sleeps
        polls += 1

    runs = watch(
        engine,
        every=5,
        model=StubScorer(),
        on_run=results.append,
        stop=lambda: polls == len(arrivals),
        sleep=sleep,
    )
    # Poll 1 links Amara; poll 2 finds nothing and runs nothing; poll 3 links the arrivals.
    assert runs == 2
    assert [r.counts["new_records"] for r in results] == [1, 2]
    persons = store.persons()
    assert persons["1"] == persons["2"] != persons["3"]
    assert not pending(engine)


def test_watch_reports_a_run_it_cannot_start_and_tries_again(engine: Engine) -> None:
    Store(engine).put(AMARA)
    errors: list[JoinedupError] = []
    polls = 0

    def sleep(_seconds: float) -> None:
        nonlocal polls
        polls += 1

    import joinedup.linkage.watch as module

    real_link = module.link
    calls = 0

    def busy_then_free(*args: object, **kwargs: object) -> LinkRunResult:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise JoinedupError("link run 7 has been running; wait for it to finish")
        return real_link(*args, **kwargs)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(module, "link", busy_then_free)
        runs = watch(
            engine,
            every=1,
            model=StubScorer(),
            on_error=errors.append,
            stop=lambda: polls == 3,
            sleep=sleep,
        )
    assert runs == 1 and len(errors) == 1
    assert not pending(engine)


def test_watch_refuses_a_silly_interval(engine: Engine) -> None:
    with pytest.raises(JoinedupError, match="above 0"):
        watch(engine, every=0, stop=lambda: True)


def test_cli_refuses_watch_with_full(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", db_url)
    _register()
    result = CliRunner().invoke(app, ["link", "--watch", "--full"])
    assert result.exit_code != 0
    assert "--watch links incrementally" in result.output
