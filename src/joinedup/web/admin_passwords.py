"""The administrator's page to reset someone's password (forgotten, or locked out).

The administrator knows the password they type, so the account must change it at its next
sign-in before it can do anything else (:func:`joinedup.services.accounts.reset_password`); the
page says so before they type it. Routes are thin: the service checks the password against the
project's rules and records ``account.password_reset`` on the audit trail.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from joinedup.api.deps import SessionDep, actor_of
from joinedup.services import accounts
from joinedup.web.admin_common import Admin, UserId, role_label
from joinedup.web.admin_forms import FIELD_MAX
from joinedup.web.templating import render

router = APIRouter(include_in_schema=False)


def _page(request: Request, user: Any, errors: dict[str, str] | None = None) -> Response:
    context = {
        "user": user,
        "role_label": role_label,
        "min_password": accounts.MIN_PASSWORD_LENGTH,
        "errors": errors or {},
    }
    return render(request, "admin/user_password.html", context, status_code=400 if errors else 200)


@router.get("/admin/users/{user_id}/password")
def reset_password_page(
    request: Request, session: SessionDep, caller: Admin, user_id: UserId
) -> Response:
    """The form to set a new password for an account."""
    return _page(request, accounts.get_user(session, user_id))


@router.post("/admin/users/{user_id}/password")
def reset_password(
    request: Request,
    session: SessionDep,
    caller: Admin,
    user_id: UserId,
    password: Annotated[str | None, Form()] = None,
) -> Response:
    """Set the password and show the list; or the form again, saying what to fix (the password
    is never sent back to the browser)."""
    user = accounts.get_user(session, user_id)
    typed = password or ""
    if not typed:
        return _page(request, user, {"password": "Enter a new password"})
    if len(typed) > FIELD_MAX:
        return _page(request, user, {"password": f"Enter at most {FIELD_MAX} characters"})
    try:
        accounts.reset_password(session, user_id, typed, by=actor_of(request, caller))
    except accounts.Invalid as exc:
        return _page(request, user, {"password": str(exc).rstrip(".")})
    return RedirectResponse("/admin/users?" + urlencode({"reset": user.username}), status_code=303)
