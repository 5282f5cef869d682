"""The administrator's pages for resident accounts waiting after linkage split their person.

The list says which accounts show their resident nothing, and why: the split, the ids it left
and how many records each holds. Confirming names the person the administrator checked the
resident against, which ends the hold (:mod:`joinedup.services.resident_holds`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from joinedup.api.deps import SessionDep, actor_of
from joinedup.services import accounts, resident_holds
from joinedup.web.admin_common import Admin, Done, UserId, clean, field_error, see_other
from joinedup.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/admin/resident-holds")
def holds_page(request: Request, session: SessionDep, caller: Admin, done: Done = None) -> Response:
    """The resident accounts waiting for a check, oldest split first."""
    held = sorted(
        resident_holds.holds(session).values(),
        key=lambda h: (h.since is None, h.since.isoformat() if h.since else "", h.username),
    )
    # The banner names an account only if there is one: the query string is anyone's to write.
    confirmed = accounts.find_user(session, done) if done else None
    context = {"holds": held, "done": confirmed.username if confirmed else None}
    return render(request, "admin/resident_holds.html", context)


def _confirm_form(
    request: Request,
    session: SessionDep,
    user_id: int,
    value: str | None,
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    user = accounts.get_user(session, user_id)
    hold = resident_holds.holds(session, user_ids=[user.id]).get(user.id)
    context = {
        "user": user,
        "hold": hold,
        "value": user.person_id if value is None else value,
        "errors": errors,
    }
    return render(request, "admin/resident_confirm.html", context, status_code=status)


@router.get("/admin/users/{user_id}/person")
def confirm_page(request: Request, session: SessionDep, caller: Admin, user_id: UserId) -> Response:
    """The form to confirm which person a resident's account speaks for."""
    return _confirm_form(request, session, user_id, None, {})


@router.post("/admin/users/{user_id}/person")
def confirm(
    request: Request,
    session: SessionDep,
    caller: Admin,
    user_id: UserId,
    person_id: Annotated[str | None, Form()] = None,
) -> Response:
    """Confirm the person, or the form again saying what to fix."""
    typed = clean(person_id)
    if not typed:
        errors = {"person_id": "Enter the person id you checked the resident against"}
        return _confirm_form(request, session, user_id, typed, errors, 400)
    try:
        user = resident_holds.confirm_person(session, user_id, typed, by=actor_of(request, caller))
    except accounts.Invalid as exc:
        return _confirm_form(request, session, user_id, typed, field_error(exc, "person_id"), 400)
    return see_other("/admin/resident-holds", done=user.username)
