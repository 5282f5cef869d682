"""The application factory: one FastAPI app serving the JSON API, the pages and their assets.

``create_app(settings=None, engine=None)`` builds everything from settings (the environment by
default) and nothing global, so tests build as many apps as they like. ``joinedup serve`` runs it
under uvicorn.

Every response passes :class:`ShellMiddleware`, which gives the request an id (``X-Request-ID``),
a CSP nonce for the one inline script GOV.UK Frontend needs, and the security headers, and writes
one access-log line per request that names the route *template* (``/api/v1/users/{user_id}``),
never the raw path or query, which may hold personal data.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import re
import secrets
import time
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType

from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy.engine import Engine
from starlette.datastructures import MutableHeaders
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from joinedup import __version__
from joinedup.api import API_PREFIX
from joinedup.api import ROUTER_MODULES as API_ROUTER_MODULES
from joinedup.api.deps import CSRF_COOKIE
from joinedup.api.errors import install_error_handlers
from joinedup.api.gate import gate_for
from joinedup.config import Settings
from joinedup.store.ordered_ids import uuid7
from joinedup.store.wal import WalCheckpointer

access_log = logging.getLogger("joinedup.access")

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
GOVUK_ASSETS = STATIC / "vendor" / "govuk" / "assets"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

API_DESCRIPTION = """
The joinedup API: the same services as the web pages, for other systems.

**Authentication.** Send an API token issued by an administrator:
`Authorization: Bearer jdp_…`. A token carries scopes: `read` (GET), `write` (other methods),
`admin` (the admin routes).

**Purpose.** Requests that read personal data state why, in two headers:
`Joinedup-Purpose` (one of `direct_care`, `safeguarding`, `housing_support`, `debt_support`,
`planning`) and `Joinedup-Case-Reference` (your reference for the piece of work). Both are
recorded on the audit trail.

**Errors** are [RFC 9457](https://www.rfc-editor.org/rfc/rfc9457) problem details with a 4xx
status and a `detail` saying what to change; quote `request_id` when asking for help.
"""


def _csp(nonce: str) -> str:
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


class ShellMiddleware:
    """Request id, CSP nonce, security headers, the CSRF cookie and a personal-data-free access log.

    A plain ASGI middleware (not ``BaseHTTPMiddleware``) so it adds no task or body copy per
    request.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _REQUEST_ID.match(incoming) else uuid7().hex
        nonce = secrets.token_urlsafe(16)
        state["request_id"] = request_id
        state["csp_nonce"] = nonce
        path: str = scope.get("path", "")
        static = path.startswith(("/static/", "/assets/"))
        https = scope.get("scheme") == "https"
        status = 500
        started = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
                headers["X-Content-Type-Options"] = "nosniff"
                headers["X-Frame-Options"] = "DENY"
                headers["Referrer-Policy"] = "same-origin"
                headers["Cross-Origin-Opener-Policy"] = "same-origin"
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
                headers.setdefault("Content-Security-Policy", _csp(nonce))
                if https:
                    headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
                if not static:
                    # Pages and API answers hold personal data: never kept by a browser or proxy.
                    headers["Cache-Control"] = "no-store"
                csrf = state.get("new_csrf_cookie")
                if csrf:
                    secure = "; Secure" if https else ""
                    headers.append(
                        "set-cookie",
                        f"{CSRF_COOKIE}={csrf}; HttpOnly; Path=/; SameSite=Lax{secure}",
                    )
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            route = scope.get("route")
            mount = "/" + path.split("/")[1] if static else "-"
            template = getattr(route, "path", None) or mount
            # FastAPI 0.165 names an included router's route without its prefix, which made
            # GET /api/v1/admin/users and the admin page GET /admin/users one line.
            api = path.startswith(API_PREFIX + "/")
            if route is not None and api and not template.startswith(API_PREFIX + "/"):
                template = API_PREFIX + template
            access_log.info(
                "%s %s %s %.1fms %s",
                scope.get("method"),
                template,
                status,
                (time.perf_counter() - started) * 1000,
                request_id,
            )


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _secret_key(settings: Settings) -> bytes:
    if settings.secret_key:
        return hashlib.sha256(settings.secret_key.encode()).digest()
    # Sessions live in the database, so a per-process key only costs open forms on a restart;
    # several workers behind a load balancer need JOINEDUP_SECRET_KEY set to share one.
    warnings.warn(
        "JOINEDUP_SECRET_KEY is not set: using a random key for this process only.",
        stacklevel=3,
    )
    return secrets.token_bytes(32)


def _optional_module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return None


def _routers(module_names: tuple[str, ...]) -> list[APIRouter]:
    routers = []
    for name in module_names:
        module = _optional_module(name)
        if module is not None:
            routers.append(module.router)
    return routers


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # While serving, SQLite's log is checkpointed by a thread of its own rather than by
    # whichever request's commit fills it (see joinedup.store.wal).
    checkpoints = WalCheckpointer(app.state.engine).start()
    app.state.wal_checkpointer = checkpoints
    try:
        yield
    finally:
        checkpoints.stop()


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the joinedup web application: the API under ``/api/v1``, the pages, the assets.

    ``settings`` defaults to the environment (``Settings.from_env()``); ``engine`` to one made from
    ``settings.database_url``. The database is not migrated here (``joinedup serve`` does that),
    so building an app has no side effects. Example::

        app = create_app(engine=make_engine("sqlite:///hub.db"))
        uvicorn.run(app)
    """
    from joinedup.store.db import make_engine
    from joinedup.web import ROUTER_MODULES as WEB_ROUTER_MODULES
    from joinedup.web.app import render_error
    from joinedup.web.csrf import verify_csrf

    settings = settings or Settings.from_env()
    engine = engine or make_engine(settings.database_url, settings=settings)
    app = FastAPI(
        lifespan=_lifespan,
        title="joinedup API",
        version=__version__,
        description=API_DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        # The interactive docs load scripts from a CDN, which the CSP and offline use forbid.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.unit_of_work_gate = gate_for(engine, settings)
    app.state.secret_key = _secret_key(settings)
    app.state.render_error = render_error
    install_error_handlers(app)
    app.add_middleware(ShellMiddleware)

    for router in _routers(API_ROUTER_MODULES):
        app.include_router(router, prefix=API_PREFIX)
    # Every page route, now and later, checks CSRF on unsafe methods: it is attached here, once.
    for router in _routers(WEB_ROUTER_MODULES):
        app.include_router(router, dependencies=[Depends(verify_csrf)])

    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")
    app.mount("/assets", StaticFiles(directory=GOVUK_ASSETS, check_dir=False), name="assets")
    return app
