"""Browser test fixtures: a live joinedup on a free port, Debian's Chromium, and ``check_page``.

- ``live_server`` (session) — uvicorn in a thread over a fresh SQLite database, migrated, with
  one organisation and one account per role (``live_server.username(role)`` /
  :data:`PASSWORD`). ``base_url`` points at it, so ``page.goto("/sign-in")`` works.
- ``page`` — pytest-playwright's page, watched for console errors and CSP violations.
- ``check_page(page)`` — every page test calls it on every page it shows (see
  ``page_checks.py`` for the rules).
- ``sign_in_as(page, role, purpose="safeguarding")`` — signs in through the form (``sign_in``
  outside a test's own page: a module that reuses one signed-in context per role).

Chromium is Debian's (``/usr/bin/chromium``), never a downloaded one. Where it is missing the
tests are skipped, unless ``CI`` is set, when that is a failure.
"""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser.page_checks import PageWatch, check

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PASSWORD = "correct horse battery"
ORGANISATION = "northbridge-council"
RESIDENT_PERSON_ID = "P-BROWSER-0001"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                if os.environ.get("CI"):
                    item.add_marker(
                        pytest.mark.xfail(reason=f"{CHROMIUM} is missing", strict=True, run=False)
                    )
                else:
                    item.add_marker(pytest.mark.skip(reason=f"{CHROMIUM} is missing"))


@dataclass
class LiveServer:
    """A running joinedup: its address, engine and the accounts made for tests."""

    url: str
    engine: Any
    user_ids: dict[str, int] = field(default_factory=dict)

    @staticmethod
    def username(role: str) -> str:
        return role.replace("_", ".") + "@example.org"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _make_accounts(engine: Any) -> dict[str, int]:
    from joinedup.policy.vocabulary import ROLES
    from joinedup.services import accounts
    from joinedup.store import sources
    from joinedup.store.db import session_scope

    shared_hash = accounts.hash_password(PASSWORD)
    ids: dict[str, int] = {}
    with session_scope(engine) as session:
        sources.ensure_organisation(session, ORGANISATION, "Northbridge Council", "council")
        for role in ROLES:
            user = accounts.create_user(
                session,
                username=LiveServer.username(role),
                display_name=role.replace("_", " ").title() + " Tester",
                role=role,
                password_hash=shared_hash,
                organisation_id=None if role == "resident" else ORGANISATION,
                person_id=RESIDENT_PERSON_ID if role == "resident" else None,
            )
            ids[role] = user.id
    return ids


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    """joinedup served by uvicorn in a thread, over a fresh migrated SQLite database."""
    import uvicorn

    from joinedup.api.app import create_app
    from joinedup.config import Settings
    from joinedup.store.db import make_engine, upgrade

    with tempfile.TemporaryDirectory(prefix="joinedup-browser-") as tmp:
        settings = Settings(
            data_dir=Path(tmp),
            database_url=f"sqlite:///{tmp}/browser.db",
            secret_key="browser tests only",
        )
        engine = make_engine(settings.database_url)
        upgrade(engine)
        user_ids = _make_accounts(engine)
        port = _free_port()
        config = uvicorn.Config(
            create_app(settings, engine),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name="live-joinedup", daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the live joinedup server did not start")
            time.sleep(0.05)
        try:
            yield LiveServer(f"http://127.0.0.1:{port}", engine, user_ids)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            engine.dispose()


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    return live_server.url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture
def page_watch(page: Page) -> PageWatch:
    """The page, watched from its first request so the checks see every error it logs."""
    return PageWatch(page).attach()


@pytest.fixture
def check_page(page_watch: PageWatch) -> Callable[..., None]:
    """``check_page(page)``: fail the test if the page shown breaks any page rule."""

    def run(page: Page, *, axe: bool = True) -> None:
        assert page is page_watch.page, "check_page only checks the test's own page fixture"
        check(page_watch, axe=axe)

    return run


def sign_in(
    page: Page,
    live_server: LiveServer,
    role: str,
    purpose: str = "safeguarding",
    case: str = "CASE-1",
) -> Page:
    """Sign ``page`` in as ``role`` through the form, stating ``purpose`` if asked for one."""
    page.goto("/sign-in")
    page.get_by_label("Username").fill(live_server.username(role))
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if page.url.startswith(f"{live_server.url}/purpose"):
        page.get_by_label(purpose.replace("_", " ").capitalize()).check()
        page.get_by_label("Case reference").fill(case)
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()
    return page


@pytest.fixture
def sign_in_as(live_server: LiveServer, page_watch: PageWatch) -> Callable[..., Page]:
    """``sign_in_as(page, role, purpose=...)``: sign in through the form (and state a purpose)."""

    def run(page: Page, role: str, purpose: str = "safeguarding", case: str = "CASE-1") -> Page:
        return sign_in(page, live_server, role, purpose, case)

    return run
