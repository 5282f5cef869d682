"""Typed dependencies: a route's signature says what it needs (a session, a caller, a role).

- ``SessionDep`` — one unit of work per request (``store.db.session_scope``), committed before
  the response is sent, so an audit row and the data it records succeed or fail together; opened
  only once the request is admitted (``admit``), so requests never starve each other of
  connections and threads.
- ``CurrentUser`` — the caller, signed in by session cookie (the web) or ``Authorization: Bearer``
  token (systems); 401 when neither.
- ``require_role("ig_officer", ...)`` — the caller, or 403 when their role is not listed.
- ``Caller.purpose`` / ``Caller.case_reference`` — stated once per web session, or per request
  by API clients in the ``Joinedup-Purpose`` and ``Joinedup-Case-Reference`` headers;
  ``RequirePurpose`` insists on them (400 with a message when missing).

The caller is resolved once per request and cached on ``request.state.caller``.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal, cast

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from joinedup.api import API_PREFIX
from joinedup.api.errors import BadRequest, Forbidden, Unauthorised
from joinedup.api.gate import UnitOfWorkGate
from joinedup.audit import audited_engine
from joinedup.services import accounts
from joinedup.services.actor import Actor
from joinedup.services.credentials import Holder, session_holder, token_holder
from joinedup.store.db import session_scope, writer_turn

SESSION_COOKIE = "joinedup_session"
CSRF_COOKIE = "joinedup_csrf"
CSRF_HEADER = "X-CSRF-Token"
PURPOSE_HEADER = "Joinedup-Purpose"
CASE_REFERENCE_HEADER = "Joinedup-Case-Reference"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# What an account whose password an administrator set may still call: who am I, and change it.
PASSWORD_CHANGE_PATHS = frozenset({f"{API_PREFIX}/me", f"{API_PREFIX}/me/password"})
MUST_CHANGE_PASSWORD = (
    "Your password was set by an administrator: change it before doing anything else "
    f"(POST {API_PREFIX}/me/password, or sign in on the web)."
)
_UNRESOLVED = object()


def get_engine(request: Request) -> Engine:
    """The application's engine (set by ``create_app``)."""
    engine: Engine = request.app.state.engine
    return engine


async def admit(request: Request) -> AsyncIterator[None]:
    """Wait, without a thread or a connection, for a turn to open this request's unit of work.

    Why: FastAPI runs a sync route and its sync dependencies on worker threads, one step at a
    time, and a request keeps its pooled connection (and, on SQLite, the write lock) *between*
    steps while holding no thread. With more requests in flight than connections, every worker
    thread could end up waiting for a connection (or the SQLite lock) held by requests that are
    themselves waiting for a thread — a deadlock broken only by the pool timeout, as 500s. So
    at most :attr:`UnitOfWorkGate.slots` requests hold a unit of work at once (never more than
    the pool has connections or the process has threads); the others queue here on the event
    loop, in order, and are answered 503 if their turn does not come within the pool timeout.
    """
    gate: UnitOfWorkGate = request.app.state.unit_of_work_gate
    await gate.acquire()
    try:
        yield
    finally:
        gate.release()


def get_db(
    request: Request, _turn: Annotated[None, Depends(admit, scope="function")]
) -> Iterator[Session]:
    """One unit of work for the request: commits if the route returns, rolls back if it raises.

    On SQLite the transaction begins IMMEDIATE: most requests write (a token's last use, an
    audit event), and a SQLite transaction that reads first and writes later fails outright
    when another request committed in between. Requests queue on the lock instead; PostgreSQL
    is unaffected. A request holds one pooled connection, never two, and only once admitted.
    On a SQLite file it first waits for the writer's turn among all server processes
    (:func:`joinedup.store.db.writer_turn`), so several workers hand the lock on promptly — no
    longer than the gate's timeout, after which it is a 503 as a wait for a turn here is.
    """
    engine = get_engine(request)
    gate: UnitOfWorkGate = request.app.state.unit_of_work_gate
    with (
        gate.writer(),
        writer_turn(engine, gate.timeout),
        session_scope(audited_engine(engine)) as session,
    ):
        yield session


# ``scope="function"`` commits when the route returns, before the response goes out: a client
# never sees data whose audit row then failed to commit.
SessionDep = Annotated[Session, Depends(get_db, scope="function")]


def commit_in_route(session: Session) -> None:
    """Commit the request's unit of work now, in the route's own step, not at the dependency's
    exit; the exit then finds nothing left to commit.

    Why: the audit chain's lock — PostgreSQL's advisory lock, taken by the append at the end of
    a view — is held until the commit, and the exit runs a thread hop later: under load that hop
    waits for the event loop and the GIL for milliseconds, during which no other worker can
    append, so governed views queued on it (measured: PostgreSQL's governed views/s stayed at
    ~146 from 10 to 50 clients with two workers, the ungoverned ones reached ~380). Call it last
    in a route that appends audit events, before building the response; a failure raises as the
    exit's would (503 for a database that cannot commit) and nothing is returned.
    """
    session.commit()


@dataclass(frozen=True)
class Caller:
    """Who is calling, as plain data (safe to use after the unit of work has ended)."""

    user_id: int
    username: str
    display_name: str
    role: str
    organisation_id: str | None
    person_id: str | None
    via: Literal["session", "token"]
    scopes: frozenset[str]
    purpose: str | None = None
    case_reference: str | None = None
    session_id: int | None = None
    token_id: int | None = None
    must_change_password: bool = False

    @property
    def needs_purpose(self) -> bool:
        """Whether this caller's role states a purpose and case reference before seeing data."""
        return self.role in accounts.ROLES_STATING_PURPOSE

    @property
    def credential(self) -> str:
        """What the audit trail records this caller acted with: ``session:<id>`` or
        ``token:<id>`` (ids, never secrets)."""
        if self.via == "token":
            return f"token:{self.token_id}"
        return f"session:{self.session_id}"

    @property
    def purpose_label(self) -> str | None:
        """The stated purpose as it reads on a page."""
        return accounts.purpose_label(self.purpose) if self.purpose else None


def _caller(holder: Holder, **kwargs: Any) -> Caller:
    return Caller(
        user_id=holder.user_id,
        username=holder.username,
        display_name=holder.display_name,
        role=holder.role,
        organisation_id=holder.organisation_id,
        person_id=holder.person_id,
        must_change_password=holder.must_change_password,
        **kwargs,
    )


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorised("Send an API token as 'Authorization: Bearer <token>'.")
    return value.strip()


def resolve_caller(request: Request, session: Session) -> Caller | None:
    """The caller of this request, or ``None`` when it carries no valid credentials.

    A bearer token wins over a cookie. A wrong or expired token is an error (401), not
    anonymity: a system should learn at once that its token no longer works.
    """
    cached = getattr(request.state, "caller", _UNRESOLVED)
    if cached is not _UNRESOLVED:
        return cast("Caller | None", cached)
    caller: Caller | None = None
    secret = _bearer(request)
    if secret is not None:
        holder = token_holder(session, secret)
        if holder is None:
            raise Unauthorised("The API token is not valid: it is unknown, expired or revoked.")
        purpose, reference = _stated_context(request)
        caller = _caller(
            holder,
            via="token",
            scopes=frozenset(holder.scopes),
            token_id=holder.credential_id,
            purpose=purpose,
            case_reference=reference,
        )
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        resumed = session_holder(session, cookie) if cookie else None
        if resumed is not None:
            caller = _caller(
                resumed,
                via="session",
                scopes=frozenset(accounts.SCOPES),
                session_id=resumed.credential_id,
                purpose=resumed.purpose,
                case_reference=resumed.case_reference,
            )
    request.state.caller = caller
    return caller


def _stated_context(request: Request) -> tuple[str | None, str | None]:
    purpose = request.headers.get(PURPOSE_HEADER)
    reference = request.headers.get(CASE_REFERENCE_HEADER)
    if purpose is None and reference is None:
        return None, None
    try:
        return accounts.check_context(purpose, reference)
    except accounts.ContextError as exc:
        raise BadRequest(
            f"{exc} Send them in the {PURPOSE_HEADER} and {CASE_REFERENCE_HEADER} headers."
        ) from exc


# Declared only so that OpenAPI shows the bearer scheme; the header is read by resolve_caller.
_bearer_scheme = HTTPBearer(auto_error=False, description="An API token: jdp_…")


def get_current_user(
    request: Request,
    session: SessionDep,
    _token: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)] = None,
) -> Caller:
    """The signed-in caller; 401 when there is none, 403 when a token lacks the scope.

    Calls made with a browser's session cookie must carry the CSRF token in the
    ``X-CSRF-Token`` header for unsafe methods, as web forms do in a field.
    """
    return authenticate(request, session)


def authenticate(request: Request, session: Session) -> Caller:
    """What :func:`get_current_user` checks, as a plain function for a unit of work that runs
    in one step (:mod:`joinedup.api.unit_of_work`): the caller, or 401 / 403."""
    caller = resolve_caller(request, session)
    if caller is None:
        raise Unauthorised("Sign in, or send an API token as 'Authorization: Bearer <token>'.")
    if caller.must_change_password and request.url.path not in PASSWORD_CHANGE_PATHS:
        raise Forbidden(MUST_CHANGE_PASSWORD)
    unsafe = request.method not in SAFE_METHODS
    if caller.via == "token":
        needed = "write" if unsafe else "read"
        if needed not in caller.scopes:
            raise Forbidden(f"This API token does not have the {needed!r} scope.")
    elif unsafe and request.url.path.startswith("/api/"):
        from joinedup.web.csrf import expected_token

        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or not hmac.compare_digest(sent, expected_token(request)):
            raise Forbidden(f"Send the page's CSRF token in the {CSRF_HEADER} header.")
    return caller


CurrentUser = Annotated[Caller, Depends(get_current_user)]


def actor_of(request: Request, caller: CurrentUser) -> Actor:
    """The service-layer actor for this request's caller, with the request id for the trail
    (API routes and web pages alike)."""
    return Actor.from_caller(caller, getattr(request.state, "request_id", None))


def require_role(*roles: str) -> Any:
    """A dependency that returns the caller if their role is one of ``roles``, else 403.

    Use it as a parameter type: ``caller: Annotated[Caller, require_role("admin")]``, or in a
    router's ``dependencies=[require_role("admin")]``. Admin routes also need a token's
    ``admin`` scope, so a read-only token of an admin cannot change accounts.
    """
    allowed = frozenset(roles)

    def check(caller: CurrentUser) -> Caller:
        if caller.role not in allowed:
            raise Forbidden("Your role cannot use this. " + _roles_sentence(allowed))
        if allowed == {"admin"} and caller.via == "token" and "admin" not in caller.scopes:
            raise Forbidden("This API token does not have the 'admin' scope.")
        return caller

    check.__name__ = f"require_role_{'_'.join(sorted(allowed))}"
    return Depends(check)


def _roles_sentence(roles: frozenset[str]) -> str:
    return "It needs one of these roles: " + ", ".join(sorted(roles)) + "."


def get_stated_purpose(caller: CurrentUser) -> Caller:
    """The caller, provided they have stated a purpose and case reference; else 400."""
    if caller.purpose is None or caller.case_reference is None:
        if caller.via == "token":
            raise BadRequest(
                f"State the purpose and case reference in the {PURPOSE_HEADER} and "
                f"{CASE_REFERENCE_HEADER} headers."
            )
        raise BadRequest("State the purpose and case reference for this session first.")
    return caller


RequirePurpose = Annotated[Caller, Depends(get_stated_purpose)]


def refuse_unknown_parameters(request: Request, known: frozenset[str]) -> None:
    """400 naming any query parameter outside ``known``.

    FastAPI ignores parameters a route does not declare: a search sent with a misspelt filter
    (``rol=gp``) then answers as if it had been applied, which reads as a finding.
    """
    unknown = sorted({name for name in request.query_params if name not in known})
    if unknown:
        names = ", ".join(repr(name[:40]) for name in unknown[:5])
        raise BadRequest(f"This search has no filter {names}: use {', '.join(sorted(known))}.")
