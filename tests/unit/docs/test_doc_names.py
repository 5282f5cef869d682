"""Every Python name the docs import or name in full still exists (docs are tested).

A docs QA pass found docs/resident.md importing ``access_history``, ``my_choices`` and
``record_my_choice`` from ``services.resident`` after they had moved to modules of their own:
a split module leaves its readers' copy-and-paste broken unless a test reads the docs.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[3]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: ``joinedup.<dotted>`` spans that name a file or a logger, not a module or an attribute.
NOT_PYTHON = {"joinedup.db", "joinedup.access"}

_IMPORT = re.compile(r"^\s*from (joinedup(?:\.\w+)*) import ([\w, ]+)$", re.MULTILINE)
_SPAN = re.compile(r"`(joinedup(?:\.\w+)+)(?:\([^`]*\))?`")


def _resolves(dotted: str) -> bool:
    """Whether ``dotted`` is a module, or an attribute reached from the longest module prefix."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            if not hasattr(target, name):
                return False
            target = getattr(target, name)
        return True
    return False


def _named(page: Path) -> list[str]:
    text = page.read_text(encoding="utf-8")
    names = [f"{m[1]}.{n.strip()}" for m in _IMPORT.finditer(text) for n in m[2].split(",")]
    names += [m[1] for m in _SPAN.finditer(text) if m[1] not in NOT_PYTHON]
    return names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_python_name_a_page_gives_exists(page: Path) -> None:
    missing = [name for name in _named(page) if not _resolves(name)]
    assert not missing, f"{page.name} names what no longer exists: {missing}"


def test_the_check_finds_a_moved_name() -> None:
    assert _resolves("joinedup.services.resident_access_log.access_history")
    assert not _resolves("joinedup.services.resident.access_history")
