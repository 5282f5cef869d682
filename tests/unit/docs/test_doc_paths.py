"""Every file a doc names by path is in the repository.

Modules were split (``services/accounts.py`` into several, ``web/admin.py``,
``services/resident.py``, ``audit/governance.py``, ``linkage/model.py``); a page that still
points at the old file sends its reader nowhere. A path is taken from the repository root,
``src/joinedup/`` or ``docs/``, or as the end of a path under ``src/`` or ``tests/``
(``readers/xlsx_sheet.py``, ``macros/forms.html``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[3]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_SPAN = re.compile(r"`([\w.\-/]+/[\w.\-]*\.(?:py|yaml|yml|json|ini|html|md|toml|properties))`")
#: Paths a page gives as a pattern or outside the repository, not as a file in it.
NOT_FILES = {"versions/NNNN_slug.py", "../shared/DESIGN.md"}


def _files() -> set[str]:
    return {
        path.relative_to(ROOT).as_posix()
        for top in ("src", "tests", "benchmarks")
        for path in (ROOT / top).rglob("*")
        if path.is_file()
    }


def _exists(named: str, files: set[str]) -> bool:
    if any((base / named).exists() for base in (ROOT, ROOT / "src" / "joinedup", ROOT / "docs")):
        return True
    return any(f.endswith("/" + named) for f in files)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_path_a_page_names_exists(page: Path) -> None:
    files = _files()
    named = [m[1] for m in _SPAN.finditer(page.read_text(encoding="utf-8"))]
    missing = [n for n in named if not n.startswith("/") and n not in NOT_FILES]
    missing = [n for n in missing if not _exists(n, files)]
    assert not missing, f"{page.name} names files that are not in the repository: {missing}"
