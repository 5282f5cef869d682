"""CSRF protection for the web: a signed double-submit token bound to the browser's session.

Each browser gets a random ``joinedup_csrf`` cookie (HttpOnly, SameSite=Lax). The token put in
every form is an HMAC, under the application's secret key, of that cookie and of the signed-in
session, so it cannot be forged without the key, is useless in another browser, and changes when
the user signs in or out (the cookie is replaced then too, which defeats login CSRF).

:func:`verify_csrf` is attached by ``create_app`` to every web router, so every unsafe method of
every page route checks it; forms send it in the ``csrf_token`` field, htmx in the
``X-CSRF-Token`` header.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request

from joinedup.api.deps import CSRF_COOKIE, CSRF_HEADER, SAFE_METHODS, SESSION_COOKIE
from joinedup.api.errors import Forbidden

FORM_FIELD = "csrf_token"


class CsrfError(Forbidden):
    """The form was sent without a valid CSRF token (403)."""


def _browser_secret(request: Request) -> str:
    """The browser's CSRF cookie value, minting one (set on the response) if it has none."""
    fresh: str | None = getattr(request.state, "new_csrf_cookie", None)
    if fresh is not None:
        return fresh
    value = request.cookies.get(CSRF_COOKIE)
    if value and 20 <= len(value) <= 100:
        return value
    return rotate(request)


def rotate(request: Request) -> str:
    """Give the browser a new CSRF cookie (at sign-in and sign-out); returns its value."""
    value = secrets.token_urlsafe(32)
    request.state.new_csrf_cookie = value
    return value


def expected_token(request: Request) -> str:
    """The CSRF token valid for this browser and session: put it in every form that posts."""
    key: bytes = request.app.state.secret_key
    session_cookie = getattr(request.state, "new_session_cookie", None)
    if session_cookie is None:
        session_cookie = request.cookies.get(SESSION_COOKIE, "")
    bound = hashlib.sha256(session_cookie.encode()).hexdigest() if session_cookie else ""
    message = f"csrf|{_browser_secret(request)}|{bound}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


async def verify_csrf(request: Request) -> None:
    """Refuse an unsafe request (POST, PUT, PATCH, DELETE) without the right CSRF token."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(FORM_FIELD)
            sent = value if isinstance(value, str) else None
    if not request.cookies.get(CSRF_COOKIE) or not sent:
        raise CsrfError("This form has expired. Go back, reload the page and try again.")
    if not hmac.compare_digest(sent, expected_token(request)):
        raise CsrfError("This form has expired. Go back, reload the page and try again.")
