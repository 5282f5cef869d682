"""The browser's session: its cookie, and the dependencies pages use to say who may see them.

Sessions are server-side (``web_sessions`` rows; the cookie carries only a random token whose
SHA-256 is stored) rather than signed cookies, because signing out, deactivating an account or
ending a session must take effect at once on every worker, and because the purpose and case
reference stated for a session belong where the API and the audit trail can see them.

Page routes declare what they need as a parameter type:

- ``WebCaller`` — signed in (otherwise redirected to the sign-in page and back afterwards),
  with a password of their own (one an administrator set sends them to the change-password
  page first: :data:`CHANGE_PASSWORD_PATH`);
- ``PurposeCaller`` — signed in *and*, for roles that state one, a purpose and case reference
  stated for this session (otherwise redirected to the purpose page and back);
- ``web_role("reviewer")`` — one of these roles (otherwise a 403 page).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.responses import Response

from joinedup.api.deps import SESSION_COOKIE, Caller, SessionDep, resolve_caller
from joinedup.api.errors import Forbidden
from joinedup.errors import JoinedupError
from joinedup.services import accounts


class SignInRequired(JoinedupError):
    """The page needs a signed-in user: the web answers with a redirect to the sign-in page."""

    http_status = 401


class PasswordChangeRequired(JoinedupError):
    """An administrator set the account's password: the web redirects to the change page."""

    http_status = 403


class PurposeRequired(JoinedupError):
    """The page needs a purpose and case reference: the web redirects to the purpose page."""

    http_status = 400


def safe_next(target: str | None, default: str = "/") -> str:
    """``target`` if it is a path on this site, else ``default`` (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ch in target for ch in "\r\n\\"):
        return default
    return target


def here(request: Request) -> str:
    """This request's path and query, to come back to after signing in or stating a purpose."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def redirect_for(request: Request, exc: JoinedupError) -> str | None:
    """Where to send the browser for a sign-in or purpose requirement, or ``None``."""
    if isinstance(exc, SignInRequired):
        return "/sign-in?next=" + quote(here(request), safe="/")
    if isinstance(exc, PurposeRequired):
        return "/purpose?next=" + quote(here(request), safe="/")
    if isinstance(exc, PasswordChangeRequired):
        return CHANGE_PASSWORD_PATH + "?next=" + quote(here(request), safe="/")
    return None


CHANGE_PASSWORD_PATH = "/account/password"


def signed_in(request: Request, session: SessionDep) -> Caller:
    """The signed-in caller of a page, or :class:`SignInRequired`, whoever set their password:
    only the change-password page itself uses it directly."""
    caller = resolve_caller(request, session)
    if caller is None or caller.via != "session":
        raise SignInRequired("Sign in to continue.")
    return caller


SignedIn = Annotated[Caller, Depends(signed_in)]


def web_caller(caller: SignedIn) -> Caller:
    """The signed-in caller of a page; :class:`PasswordChangeRequired` while their password is
    one an administrator set (they know it, so it must be replaced before anything is shown)."""
    if caller.must_change_password:
        raise PasswordChangeRequired("Change the password you were given before you continue.")
    return caller


WebCaller = Annotated[Caller, Depends(web_caller)]


def purpose_caller(caller: WebCaller) -> Caller:
    """The signed-in caller, who has stated a purpose if their role needs one."""
    if caller.needs_purpose and (caller.purpose is None or caller.case_reference is None):
        raise PurposeRequired("State the purpose of your work and a case reference first.")
    return caller


PurposeCaller = Annotated[Caller, Depends(purpose_caller)]


def web_role(*roles: str) -> Any:
    """A dependency: the signed-in caller (with a purpose where needed) if their role is listed."""
    allowed = frozenset(roles)

    def check(caller: PurposeCaller) -> Caller:
        if caller.role not in allowed:
            raise Forbidden("Your role does not give you access to this page.")
        return caller

    return Depends(check)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session_cookie(request: Request, response: Response, secret: str) -> None:
    """Put a new session's secret in the browser (HttpOnly; Secure over https; SameSite=Lax)."""
    request.state.new_session_cookie = secret
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(accounts.SESSION_MAX.total_seconds()),
        path="/",
        httponly=True,
        secure=_secure(request),
        samesite="lax",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    """Remove the session cookie (signing out)."""
    request.state.new_session_cookie = ""
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, secure=_secure(request))
