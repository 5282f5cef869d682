"""The one place errors become HTTP responses: JSON problem details for the API, a page for the web.

Every user-facing error is a :class:`joinedup.errors.JoinedupError`; its class attribute
``http_status`` (400 when absent) says which 4xx (or 503) it becomes and ``str(error)`` is the
message shown. Request validation errors become 422 with one message per field. Anything else is
a bug: the caller gets a 500 naming the request id and nothing more, and the log records the
exception's type and where it was raised — never its message or locals, which may hold personal
data. A database that cannot serve the request just now (a pool timeout, a locked SQLite file,
a lost connection) is not a bug: 503 with ``Retry-After``, as is a request that waited too long
for its turn (:class:`ServiceBusy`).

API bodies follow RFC 9457 (``application/problem+json``)::

    {"status": 404, "title": "Not Found", "detail": "There is no user 7.", "request_id": "…"}
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from joinedup.errors import JoinedupError

log = logging.getLogger("joinedup.api")


class BadRequest(JoinedupError):
    """The request cannot be served as sent (400)."""

    http_status = 400


class Unauthorised(JoinedupError):
    """No valid credentials (401): sign in, or send a valid API token."""

    http_status = 401


class Forbidden(JoinedupError):
    """Signed in, but not allowed (403)."""

    http_status = 403


class NotFound(JoinedupError):
    """Nothing at this address, or nothing the caller may know exists (404)."""

    http_status = 404


class Conflict(JoinedupError):
    """The change clashes with what is stored (409), such as a username already taken."""

    http_status = 409


class ServiceBusy(JoinedupError):
    """Too many requests at once, or the database is locked or out of reach for now (503)."""

    http_status = 503
    retry_after = 2

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(
            detail
            or "The service is busy and could not take your request in time: nothing was read "
            "or changed. Try again in a moment."
        )


# Web pages render errors with this function (set by joinedup.web.app when the app is built), so
# the API package does not import templates.
WebErrorRenderer = Callable[[Request, int, str, Exception | None], Response]


def status_for(exc: JoinedupError) -> int:
    """The HTTP status for a user-facing error: its ``http_status``, else 400."""
    status = getattr(exc, "http_status", 400)
    return status if isinstance(status, int) and 400 <= status < 600 else 400


def is_api(request: Request) -> bool:
    """Whether the request is for the JSON API (as opposed to a web page)."""
    return request.url.path.startswith("/api/")


def request_id(request: Request) -> str:
    """The id of this request (also sent back in the ``X-Request-ID`` header)."""
    return str(getattr(request.state, "request_id", "-"))


def problem(request: Request, status: int, detail: str, **extra: Any) -> JSONResponse:
    """An RFC 9457 problem-details response for the API."""
    body = {
        "status": status,
        "title": HTTPStatus(status).phrase,
        "detail": detail,
        "request_id": request_id(request),
        **extra,
    }
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if status == 503:
        headers["Retry-After"] = str(ServiceBusy.retry_after)
    return JSONResponse(
        body, status_code=status, headers=headers or None, media_type="application/problem+json"
    )


def _respond(
    request: Request, status: int, detail: str, exc: Exception | None = None, **extra: Any
) -> Response:
    renderer: WebErrorRenderer | None = getattr(request.app.state, "render_error", None)
    if is_api(request) or renderer is None:
        return problem(request, status, detail, **extra)
    return renderer(request, status, detail, exc)


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc)


async def handle_joinedup_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, JoinedupError)
    status = status_for(exc)
    if status >= 500:
        # The user is told to tell an administrator, who needs a line to look for: the type,
        # what caused it and the request id (no message: it may quote what was being written).
        cause = exc.__cause__ or exc.__context__
        because = f" caused by {type(cause).__name__}" if cause is not None else ""
        log.error("%s%s (request %s)", type(exc).__name__, because, request_id(request))
    return _respond(request, status, str(exc), exc)


async def handle_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    # Never echo the submitted value back: it may be personal data.
    errors = [
        {"field": _field(error.get("loc", ())), "message": str(error.get("msg", "is not valid"))}
        for error in exc.errors()
    ]
    detail = (
        "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "The request is not valid."
    )
    return _respond(request, 422, detail, exc, errors=errors)


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(status).phrase
    if status == 404 and detail == "Not Found":
        detail = "There is nothing at this address."
    elif status == 405:
        detail = f"This address does not accept {request.method} requests."
    response = _respond(request, status, detail, exc)
    for name, value in (exc.headers or {}).items():
        response.headers.setdefault(name, value)
    return response


async def handle_database_error(request: Request, exc: Exception) -> Response:
    # A value the database refuses (out of range, a duplicate that slipped past a check in a
    # race) is the request's fault, not a crash. The database's message quotes the values, so
    # it is neither shown nor logged.
    log.warning("database refused %s (request %s)", type(exc).__name__, request_id(request))
    if isinstance(exc, IntegrityError):
        return _respond(request, 409, "This clashes with something already stored.", exc)
    return _respond(request, 400, "A value in the request is out of range.", exc)


async def handle_unavailable(request: Request, exc: Exception) -> Response:
    # A pool timeout, a locked SQLite database, a dropped connection: the request was sound and
    # the database could not serve it just now. Nothing was committed (the unit of work rolled
    # back), so it is safe to retry; 503, never 500. The driver's message may quote SQL values,
    # so only the type is logged.
    log.warning("database unavailable: %s (request %s)", type(exc).__name__, request_id(request))
    return _respond(request, 503, str(ServiceBusy()), exc)


async def handle_unencodable(request: Request, exc: Exception) -> Response:
    # JSON may carry an unpaired surrogate ("\ud800"), which is no character and cannot be
    # stored or sent on: the request's fault wherever it got to, and nothing was committed.
    log.warning("unencodable text (request %s)", request_id(request))
    return _respond(
        request,
        400,
        "The request holds text that is not valid Unicode (an unpaired surrogate).",
        exc,
    )


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f"{frame.filename}:{frame.lineno}" if frame else "?"
    log.error("unexpected %s at %s (request %s)", type(exc).__name__, where, request_id(request))
    return _respond(
        request,
        500,
        f"Sorry, something went wrong on our side. Quote request id {request_id(request)}.",
        exc,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``: the only place an exception becomes a response."""
    app.add_exception_handler(JoinedupError, handle_joinedup_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_exception)
    app.add_exception_handler(DataError, handle_database_error)
    app.add_exception_handler(IntegrityError, handle_database_error)
    app.add_exception_handler(OperationalError, handle_unavailable)
    app.add_exception_handler(PoolTimeout, handle_unavailable)
    app.add_exception_handler(UnicodeEncodeError, handle_unencodable)
    app.add_exception_handler(Exception, handle_unexpected)
