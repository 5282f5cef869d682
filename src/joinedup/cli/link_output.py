"""What ``joinedup link`` shows on stderr while it works: joinedup's own lines, not Splink's.

Splink logs and warns for someone tuning a model in a notebook — "consider increasing
`max_pairs` to 1e8", "if this is truly the case then you do not need to run the linkage model",
a warning for every comparison level EM did not see. A council data engineer running
``joinedup link`` can act on none of it, and the model already deals with each case (a level
nobody saw keeps its built-in value). So, for the length of a run, `link_output`:

- gives the ``splink`` logger a handler of its own, which Splink then uses instead of adding its
  stderr handler: it drops every message, or with ``--verbose`` prints WARNING and above on
  stderr, each line starting ``splink:``;
- does the same with Python warnings raised from Splink, PySpark or py4j code (other warnings
  are shown as before);
- prints joinedup's own warnings — the one ``training:`` line of `joinedup.linkage.model`, a
  cache that could not be written — on stderr as plain lines, as they were.

Everything is put back as it was when the run ends. Nothing here changes what a run computes.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, TextIO

#: Libraries whose log messages and warnings are for their own users, not ours.
QUIETED_PACKAGES: tuple[str, ...] = ("splink", "pyspark", "py4j")
_SPLINK_LOGGER = "splink"
_OWN_LOGGER = "joinedup"


@contextmanager
def link_output(*, verbose: bool = False, stream: TextIO | None = None) -> Iterator[None]:
    """Keep Splink's messages off the terminal (or, ``verbose``, mark them) during a link run.

    ``stream`` is where shown lines go (stderr). Example::

        with link_output(verbose=False):
            result = link(engine)
    """
    out = stream if stream is not None else sys.stderr
    splink_handler: logging.Handler
    if verbose:
        splink_handler = logging.StreamHandler(out)
        splink_handler.setLevel(logging.WARNING)
        splink_handler.setFormatter(logging.Formatter("splink: %(message)s"))
    else:
        splink_handler = logging.NullHandler()
    own_handler = logging.StreamHandler(out)
    own_handler.setLevel(logging.WARNING)
    own_handler.setFormatter(logging.Formatter("%(message)s"))

    with (
        _only_handler(_SPLINK_LOGGER, splink_handler),
        _only_handler(_OWN_LOGGER, own_handler, keep=True),
        warnings.catch_warnings(),
    ):
        shown = warnings.showwarning

        def show(
            message: Warning | str,
            category: type[Warning],
            filename: str,
            lineno: int,
            file: TextIO | None = None,
            line: str | None = None,
        ) -> None:
            if not _from_quieted_package(filename):
                shown(message, category, filename, lineno, file, line)
            elif verbose:
                out.write(f"splink: {category.__name__}: {message}\n")

        warnings.showwarning = show
        yield


@contextmanager
def _only_handler(name: str, handler: logging.Handler, *, keep: bool = False) -> Iterator[None]:
    """``handler`` as the logger's only handler, not propagating, until the block ends.

    Splink adds its own stderr handler whenever a Linker is made unless its logger already has
    one, so holding a handler there is what keeps it away. ``keep`` leaves the logger's own
    handlers (none, from the command line) in place beside it.
    """
    logger = logging.getLogger(name)
    saved: dict[str, Any] = {
        "handlers": list(logger.handlers),
        "level": logger.level,
        "propagate": logger.propagate,
    }
    if not keep:
        for existing in saved["handlers"]:
            logger.removeHandler(existing)
    logger.addHandler(handler)
    # Not propagating: a root handler (a test's, a caller's) would print each line again.
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        for existing in saved["handlers"]:
            if existing not in logger.handlers:
                logger.addHandler(existing)
        logger.setLevel(saved["level"])
        logger.propagate = saved["propagate"]


def _from_quieted_package(filename: str) -> bool:
    path = os.path.abspath(filename)
    return any(path.startswith(root + os.sep) for root in _package_roots())


@lru_cache(maxsize=1)
def _package_roots() -> tuple[str, ...]:
    # Found without importing them: a DuckDB run never loads PySpark.
    roots = []
    for name in QUIETED_PACKAGES:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        for location in (spec.submodule_search_locations or []) if spec else []:
            roots.append(os.path.abspath(location))
    return tuple(roots)
