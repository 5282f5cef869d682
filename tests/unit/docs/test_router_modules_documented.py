"""docs/developers.md lists every router module the app serves, API and pages.

A docs QA pass found it listing five page modules of eleven, and saying the admin pages were
"not written yet, so admin links 404" long after they were.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from joinedup import api, web

DOC = (Path(__file__).parents[3] / "docs" / "developers.md").read_text(encoding="utf-8")
PROSE = " ".join(DOC.split())


@pytest.mark.parametrize(
    ("listing", "modules"),
    [("api.ROUTER_MODULES", api.ROUTER_MODULES), ("web.ROUTER_MODULES", web.ROUTER_MODULES)],
)
def test_every_router_module_is_listed(listing: str, modules: tuple[str, ...]) -> None:
    entry = PROSE.split(f"`{listing}`", 1)[1].split("\n- ", 1)[0].split(")", 1)[0]
    missing = [m for m in modules if f"`{m.rsplit('.', 1)[1]}`" not in entry]
    assert not missing, f"docs/developers.md's {listing} leaves out {missing}"


def test_no_page_is_said_to_be_unwritten() -> None:
    assert "not written yet" not in PROSE
