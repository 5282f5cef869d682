"""Changing your own password: the page every other page sends you to while the password you
signed in with is one an administrator set (they know it, so it cannot stay yours).

Routes are thin: they read the form, call :func:`joinedup.services.accounts.change_own_password`
and render the page again with an error summary, or go on to where the user was going.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from joinedup.api.deps import SessionDep, actor_of
from joinedup.services import accounts
from joinedup.web.session import CHANGE_PASSWORD_PATH, SignedIn, safe_next
from joinedup.web.templating import render

router = APIRouter(include_in_schema=False)

OptionalText = Annotated[str | None, Form()]


def _page(
    request: Request, caller: SignedIn, target: str, errors: dict[str, str] | None = None
) -> Response:
    context = {
        "next": target,
        "forced": caller.must_change_password,
        "min_password": accounts.MIN_PASSWORD_LENGTH,
        "errors": errors or {},
    }
    return render(request, "password.html", context, status_code=400 if errors else 200)


@router.get(CHANGE_PASSWORD_PATH)
def change_password_page(request: Request, caller: SignedIn, next: str | None = None) -> Response:
    """Ask for the current password and a new one."""
    return _page(request, caller, safe_next(next))


@router.post(CHANGE_PASSWORD_PATH)
def change_password(
    request: Request,
    session: SessionDep,
    caller: SignedIn,
    current_password: OptionalText = None,
    new_password: OptionalText = None,
    next: OptionalText = None,
) -> Response:
    """Change the password (audited) and go on; the form again with what to fix if refused.

    Passwords are never sent back to the browser: after an error they are typed again.
    """
    target = safe_next(next)
    if target.startswith(CHANGE_PASSWORD_PATH):
        target = "/"
    try:
        accounts.change_own_password(
            session,
            caller.user_id,
            current_password or "",
            new_password or "",
            keep_session=caller.session_id,
            by=actor_of(request, caller),
        )
    except accounts.ChangeRefused as exc:
        return _page(request, caller, target, exc.problems)
    return RedirectResponse(target, status_code=303)
