"""A request's whole unit of work in one step on one worker thread: sign-in check, service, commit.

``SessionDep`` + ``CurrentUser`` + a sync route cost four trips between the event loop and the
thread pool per request (open the session, resolve the caller, run the route, close the
session), each a hand-over through a queue and a wake-up of the loop, plus FastAPI's solving of
the generator dependencies: measured, more CPU than the joined view itself. A route that reads
personal data on the hot path takes :data:`AuthenticatedWork` instead and hands one function to
:meth:`Work.run`, which, once the request is admitted (:class:`joinedup.api.gate.UnitOfWorkGate`),
runs on one thread, in order:

1. the writer's turn and the unit of work (``session_scope`` on the audited engine), as
   ``SessionDep`` opens it;
2. :func:`joinedup.api.deps.authenticate` — exactly :func:`~joinedup.api.deps.get_current_user`'s
   checks: 401 without valid credentials, 403 for a token without the scope, CSRF for a cookie;
3. the route's function with the session and the caller — the service decides, reads and
   appends its audit events in this transaction, and the route commits (``commit_in_route``);
4. the response, serialised there too (:func:`public_json`).

Nothing runs before the caller is known, and an error anywhere rolls the unit of work back and
reaches the one error handler as before, so deny-by-default, audit-in-the-same-transaction and
fail-closed (503) hold unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import anyio.to_thread
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel

# Re-exported: routes name the step's session type without importing SQLAlchemy themselves.
from sqlalchemy.orm import Session as Session
from starlette.responses import Response

from joinedup.api.deps import Caller, _bearer_scheme, authenticate, get_current_user
from joinedup.api.gate import UnitOfWorkGate
from joinedup.audit import audited_engine
from joinedup.store.db import session_scope, writer_turn

T = TypeVar("T")


class Work:
    """The request's unit of work, not yet begun; :meth:`run` begins, runs and ends it."""

    __slots__ = ("request",)

    def __init__(self, request: Request) -> None:
        self.request = request

    async def run(self, step: Callable[[Session, Caller], T]) -> T:
        """``step(session, caller)`` in the request's unit of work, on one worker thread.

        Waits for admission on the event loop first, holding neither a thread nor a
        connection (see :func:`joinedup.api.deps.admit` for why), and keeps the turn until the
        thread is done — also when the client goes away meanwhile, as the thread runs to the
        end and the unit of work still commits or rolls back.
        """
        gate: UnitOfWorkGate = self.request.app.state.unit_of_work_gate
        await gate.acquire()
        try:
            return await anyio.to_thread.run_sync(self._in_thread, step, gate.timeout)
        finally:
            gate.release()

    def _in_thread(self, step: Callable[[Session, Caller], T], timeout: float) -> T:
        engine = self.request.app.state.engine
        gate: UnitOfWorkGate = self.request.app.state.unit_of_work_gate
        with (
            gate.writer(),
            writer_turn(engine, timeout),
            session_scope(audited_engine(engine)) as session,
        ):
            caller = authenticate(self.request, session)
            return step(session, caller)


async def unit_of_work(
    request: Request,
    _token: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)] = None,
) -> Work:
    """The dependency behind :data:`AuthenticatedWork` (async: it does no I/O of its own).

    ``_token`` only declares the bearer scheme in OpenAPI, as for ``CurrentUser``; the
    credentials are checked inside :meth:`Work.run`, before the route's step.
    """
    return Work(request)


# A route's unit of work whose every step runs after the caller is authenticated.
AuthenticatedWork = Annotated[Work, Depends(unit_of_work)]

# The dependencies that authenticate the caller: every API route outside the public few needs
# one of them (tests/integration/api/test_auth.py walks the routes for them).
AUTHENTICATING = frozenset({get_current_user, unit_of_work})


def public_json(model: type[BaseModel], value: object, status_code: int = 200) -> Response:
    """``value`` (a services dataclass) as ``model``'s JSON, ready to send.

    Validated through ``model`` (``from_attributes``), so only the fields the public schema
    declares go out — what ``response_model`` guarantees — and serialised by pydantic-core in
    the same step; FastAPI passes a ``Response`` through without validating it a second time.
    """
    body = model.__pydantic_serializer__.to_json(model.model_validate(value))
    return Response(body, status_code=status_code, media_type="application/json")
