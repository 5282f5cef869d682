"""What a link run shows on stderr: joinedup's own warnings, Splink's only with --verbose."""

from __future__ import annotations

import importlib.util
import io
import logging
import warnings
from pathlib import Path

import pytest

from joinedup.cli.link_output import link_output


def _splink_file() -> str:
    spec = importlib.util.find_spec("splink")
    assert spec is not None and spec.submodule_search_locations
    return str(Path(next(iter(spec.submodule_search_locations))) / "internals" / "x.py")


def _a_run() -> None:
    """What a run does to the terminal: Splink warns as it would, and joinedup once."""
    splink = logging.getLogger("splink.internals.linker_components.training")
    splink.warning("You are using the default value for `max_pairs` …")
    logging.getLogger("splink").setLevel(logging.WARNING)  # as each Splink Linker does
    warnings.warn_explicit("deprecated in Splink", DeprecationWarning, _splink_file(), 1)
    warnings.warn_explicit("from elsewhere", UserWarning, "/somewhere/else.py", 1)
    logging.getLogger("joinedup.linkage.model").warning("training: one line of ours")


def test_by_default_only_joinedups_own_lines_are_shown() -> None:
    stream = io.StringIO()
    with warnings.catch_warnings(record=True) as others:
        warnings.simplefilter("always")
        with link_output(stream=stream):
            _a_run()
    assert stream.getvalue() == "training: one line of ours\n"
    # Warnings from other code still go where they went.
    assert [str(w.message) for w in others] == ["from elsewhere"]


def test_verbose_shows_splinks_messages_marked() -> None:
    stream = io.StringIO()
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        with link_output(verbose=True, stream=stream):
            _a_run()
    assert stream.getvalue().splitlines() == [
        "splink: You are using the default value for `max_pairs` …",
        "splink: DeprecationWarning: deprecated in Splink",
        "training: one line of ours",
    ]


def test_the_loggers_are_put_back_as_they_were(caplog: pytest.LogCaptureFixture) -> None:
    splink, own = logging.getLogger("splink"), logging.getLogger("joinedup")
    before = [(lg.handlers[:], lg.level, lg.propagate) for lg in (splink, own)]
    with link_output(stream=io.StringIO()):
        assert splink.propagate is False and own.propagate is False
        logging.getLogger("splink").setLevel(logging.INFO)
    assert [(lg.handlers[:], lg.level, lg.propagate) for lg in (splink, own)] == before
    with caplog.at_level(logging.WARNING):
        logging.getLogger("joinedup.linkage.model").warning("after the run")
    assert "after the run" in caplog.text
