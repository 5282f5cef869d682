"""The shell's pages: sign in, sign out, the purpose of this session, each role's home page.

Routes are thin: they read the form, call ``services.accounts`` and render a template. CSRF is
checked for every POST by the dependency ``create_app`` puts on every web router.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from joinedup.api.deps import SESSION_COOKIE, SessionDep, get_engine, resolve_caller
from joinedup.errors import JoinedupError
from joinedup.policy.vocabulary import PURPOSES, purpose_label
from joinedup.services import accounts
from joinedup.store.db import session_scope
from joinedup.web import NAVIGATION
from joinedup.web.csrf import rotate
from joinedup.web.session import (
    CHANGE_PASSWORD_PATH,
    PurposeCaller,
    WebCaller,
    clear_session_cookie,
    redirect_for,
    safe_next,
    set_session_cookie,
)
from joinedup.web.templating import render

router = APIRouter(include_in_schema=False)

OptionalText = Annotated[str | None, Form()]


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/sign-in")
def sign_in_page(request: Request, session: SessionDep, next: str | None = None) -> Response:
    """The sign-in form (or straight on, for someone already signed in)."""
    caller = resolve_caller(request, session)
    if caller is not None and caller.via == "session":
        return _see_other(safe_next(next))
    signed_out = request.query_params.get("signed-out") == "1"
    return render(request, "sign_in.html", {"next": safe_next(next), "signed_out": signed_out})


@router.post("/sign-in")
def sign_in(
    request: Request,
    username: OptionalText = None,
    password: OptionalText = None,
    next: OptionalText = None,
) -> Response:
    """Check the username and password, start a session and go on to the purpose page."""
    target = safe_next(next)
    errors: dict[str, str] = {}
    if not (username or "").strip():
        errors["username"] = "Enter your username"
    if not password:
        errors["password"] = "Enter your password"
    if errors:
        return _sign_in_again(request, username, target, errors)
    assert username is not None and password is not None
    # Its own unit of work: a failed attempt must be committed to count towards throttling.
    with session_scope(get_engine(request)) as session:
        previous = request.cookies.get(SESSION_COOKIE)
        if previous:  # signing in again replaces the browser's session, never shares it
            accounts.end_session(session, previous)
        user = accounts.authenticate(session, username, password)
        issued = accounts.start_session(session, user) if user is not None else None
        needs_purpose = user is not None and user.role in accounts.ROLES_STATING_PURPOSE
        must_change = user is not None and user.must_change_password
    if issued is None:
        return _sign_in_again(request, username, target, {"username": accounts.SIGN_IN_FAILED})
    if must_change:
        # An administrator set this password: replace it first (the purpose page follows).
        target = CHANGE_PASSWORD_PATH + "?next=" + quote(target, safe="/")
    elif needs_purpose:
        target = "/purpose?next=" + target if target != "/" else "/purpose"
    response = _see_other(target)
    set_session_cookie(request, response, issued.secret)
    rotate(request)
    return response


def _sign_in_again(
    request: Request, username: str | None, target: str, errors: dict[str, str]
) -> Response:
    context = {"next": target, "username": (username or "").strip(), "errors": errors}
    return render(request, "sign_in.html", context, status_code=400)


@router.post("/sign-out")
def sign_out(request: Request, session: SessionDep) -> Response:
    """End the session and say so on the sign-in page."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        accounts.end_session(session, cookie)
    response = _see_other("/sign-in?signed-out=1")
    clear_session_cookie(request, response)
    rotate(request)
    return response


def _purposes() -> list[dict[str, str]]:
    return [
        {"value": name, "text": purpose_label(name), "hint": rule.description}
        for name, rule in PURPOSES.items()
    ]


@router.get("/purpose")
def purpose_page(request: Request, caller: WebCaller, next: str | None = None) -> Response:
    """Ask for the purpose of this session's work and its case reference."""
    context = {
        "next": safe_next(next),
        "purposes": _purposes(),
        "purpose": caller.purpose,
        "case_reference": caller.case_reference or "",
    }
    return render(request, "purpose.html", context)


@router.post("/purpose")
def state_purpose(
    request: Request,
    caller: WebCaller,
    session: SessionDep,
    purpose: OptionalText = None,
    case_reference: OptionalText = None,
    next: OptionalText = None,
) -> Response:
    """Record the purpose and case reference for the rest of the session."""
    target = safe_next(next)
    assert caller.session_id is not None  # WebCaller is always a session
    try:
        accounts.set_session_context(
            session, caller.session_id, purpose=purpose, case_reference=case_reference
        )
    except accounts.ContextError as exc:
        context = {
            "next": target,
            "purposes": _purposes(),
            "purpose": purpose,
            "case_reference": case_reference or "",
            "errors": exc.problems,
        }
        return render(request, "purpose.html", context, status_code=400)
    return _see_other(target)


@router.get("/")
def home(request: Request, caller: PurposeCaller) -> Response:
    """A role's home page: what they can do here, as links."""
    items = NAVIGATION.get(caller.role, ())
    return render(request, "home.html", {"items": items})


@router.get("/accessibility")
def accessibility(request: Request, session: SessionDep) -> Response:
    """The accessibility statement the Public Sector Bodies Accessibility Regulations require."""
    resolve_caller(request, session)
    return render(request, "accessibility.html")


_ERROR_TITLES = {
    400: "There is a problem",
    401: "Sign in to continue",
    403: "You cannot do this",
    404: "Page not found",
    405: "Page not found",
    409: "There is a problem",
    422: "There is a problem",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is unavailable",
}


def render_error(request: Request, status: int, detail: str, exc: Exception | None) -> Response:
    """The page for an error on a web route (set as ``app.state.render_error``).

    A page that needs sign-in or a stated purpose redirects there and back; anything else gets
    the error page with the message (a 500 says only that something went wrong, and its id).
    """
    if isinstance(exc, JoinedupError):
        target = redirect_for(request, exc)
        if target is not None and request.headers.get("HX-Request") == "true":
            # An htmx request would swap the sign-in page into a fragment; have htmx leave.
            return Response(status_code=200, headers={"HX-Redirect": target})
        if target is not None:
            return _see_other(target)
    if getattr(request.state, "caller", None) is None:
        _try_resolve_caller(request)
    # An error may say what the page is about better than its status can (a resident's
    # account waiting for a check is not something they "cannot do").
    title = getattr(exc, "page_title", None) or _ERROR_TITLES.get(status, "There is a problem")
    context = {"title": title, "detail": detail, "status": status}
    return render(request, "error.html", context, status_code=status)


def _try_resolve_caller(request: Request) -> None:
    # So the error page still shows who is signed in; an error page must never fail itself.
    try:
        with session_scope(get_engine(request)) as session:
            resolve_caller(request, session)
    except Exception:
        request.state.caller = None
