"""The administrator's pages: partner organisations and user accounts.

Routes are thin: they read the form and call :mod:`joinedup.services.accounts` — the same
functions as the admin API — which validates and says which field is wrong. What is here is
the form handling GOV.UK asks for (every field checked first, so that all the problems are shown
at once in an error summary linked to each field, the answers kept: :mod:`.admin_forms`), and
a confirmation page before anything that cannot be undone. Each change is on the audit trail as
the administrator's (``account.create``, ``account.disable``, …). API tokens are in
:mod:`.admin_tokens`, resetting a password in :mod:`.admin_passwords`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from joinedup.api.deps import Caller, SessionDep, actor_of
from joinedup.policy.vocabulary import ROLES
from joinedup.services import accounts
from joinedup.web.admin_common import (
    Admin,
    Done,
    OptionalText,
    UserId,
    clean,
    field_error,
    role_label,
    see_other,
)
from joinedup.web.admin_forms import organisation_problems, user_problems
from joinedup.web.paging import page_number
from joinedup.web.templating import render

router = APIRouter(include_in_schema=False)

USERS_PAGE_SIZE = 50


# --- organisations ----------------------------------------------------------------------------


@router.get("/admin/organisations")
def organisations_page(
    request: Request, session: SessionDep, caller: Admin, added: Done = None
) -> Response:
    """The partner organisations that use this hub."""
    organisations = accounts.list_organisations(session)
    found = next((o for o in organisations if o.id == added), None)
    context = {"organisations": organisations, "added": found}
    return render(request, "admin/organisations.html", context)


def _organisation_form(
    request: Request, values: dict[str, str], errors: dict[str, str], status: int = 200
) -> Response:
    context = {"values": values, "errors": errors}
    return render(request, "admin/organisation_new.html", context, status_code=status)


@router.get("/admin/organisations/new")
def new_organisation_page(request: Request, caller: Admin) -> Response:
    """The form to add a partner organisation."""
    return _organisation_form(request, {}, {})


@router.post("/admin/organisations")
def add_organisation(
    request: Request,
    session: SessionDep,
    caller: Admin,
    id: OptionalText = None,
    name: OptionalText = None,
    kind: OptionalText = None,
) -> Response:
    """Add the organisation, then show the list with it; or the form again, saying what to fix."""
    values = {"id": clean(id).lower(), "name": clean(name), "kind": clean(kind)}
    errors = organisation_problems(values)
    if errors:
        return _organisation_form(request, values, errors, 400)
    try:
        created = accounts.create_organisation(
            session,
            values["id"],
            name=values["name"],
            kind=values["kind"] or None,
            by=actor_of(request, caller),
        )
    except (accounts.Invalid, accounts.AlreadyExists) as exc:
        return _organisation_form(request, values, field_error(exc, "id"), 400)
    return see_other("/admin/organisations", added=created.id)


# --- users ------------------------------------------------------------------------------------


def _done(
    session: SessionDep,
    added: str | None,
    changed: str | None,
    already: str | None = None,
    reset: str | None = None,
) -> str | None:
    """The banner after creating, switching or resetting an account, wherever it is in the list."""
    named = added or changed or already or reset
    user = accounts.find_user(session, named) if named else None
    if user is None:
        return None
    if added:
        return f"Account {user.username} created."
    if reset:
        return f"Password for {user.username} reset. They must change it when they next sign in."
    state = "switched on" if user.active else "switched off"
    if already:
        return f"Account {user.username} is already {state}: nothing was changed."
    return f"Account {user.username} is now {state}."


@router.get("/admin/users")
def users_page(
    request: Request,
    session: SessionDep,
    caller: Admin,
    added: Done = None,
    changed: Done = None,
    already: Done = None,
    reset: Done = None,
    q: str | None = None,
    page: str | None = None,
) -> Response:
    """The accounts, a page at a time in username order; ``q`` finds them by username or name.

    Each shows who, their role and organisation, and whether it is switched on. A search too
    long or unprintable to search with is a message by its field, not a 422 page.
    """
    search = clean(q)
    number = page_number(page)
    errors: dict[str, str] = {}
    try:
        found = accounts.page_of_users(
            session, search=search, offset=(number - 1) * USERS_PAGE_SIZE, limit=USERS_PAGE_SIZE
        )
        last = max(1, -(-found.total // USERS_PAGE_SIZE))
        if number > last:  # past the end (a stale link): the last page
            number = last
            found = accounts.page_of_users(
                session, search=search, offset=(last - 1) * USERS_PAGE_SIZE, limit=USERS_PAGE_SIZE
            )
    except accounts.Invalid as exc:
        errors = field_error(exc, "q")
        found, last = accounts.UserPage(users=(), total=0), 1

    def link(to: int) -> str:
        return "/admin/users?" + urlencode({**({"q": search} if search else {}), "page": to})

    context = {
        "users": found.users,
        "total": found.total,
        "search": search,
        "first": (number - 1) * USERS_PAGE_SIZE + 1,
        "page_number": number,
        "pages": last,
        "previous_link": link(number - 1) if number > 1 else None,
        "next_link": link(number + 1) if number < last else None,
        "names": {o.id: o.name for o in accounts.list_organisations(session)},
        "done": _done(session, added, changed, already, reset),
        "role_label": role_label,
        "me": caller.user_id,
        "errors": errors,
    }
    return render(request, "admin/users.html", context, status_code=400 if errors else 200)


def _user_form(
    request: Request,
    session: SessionDep,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    context = {
        "values": values,
        "errors": errors,
        "roles": [(r, role_label(r)) for r in ROLES],
        "organisations": accounts.list_organisations(session),
        "min_password": accounts.MIN_PASSWORD_LENGTH,
    }
    return render(request, "admin/user_new.html", context, status_code=status)


@router.get("/admin/users/new")
def new_user_page(request: Request, session: SessionDep, caller: Admin) -> Response:
    """The form to create an account."""
    return _user_form(request, session, {}, {})


@router.post("/admin/users")
def add_user(
    request: Request,
    session: SessionDep,
    caller: Admin,
    username: OptionalText = None,
    display_name: OptionalText = None,
    role: OptionalText = None,
    organisation_id: OptionalText = None,
    person_id: OptionalText = None,
    password: OptionalText = None,
) -> Response:
    """Create the account and show it in the list; or the form again, saying what to fix.

    The password is never sent back to the browser: after an error it must be typed again.
    """
    values = {
        "username": clean(username),
        "display_name": clean(display_name),
        "role": clean(role),
        "organisation_id": clean(organisation_id),
        "person_id": clean(person_id),
    }
    known = {o.id for o in accounts.list_organisations(session)}
    errors = user_problems(values, password or "", known)
    if errors:
        return _user_form(request, session, values, errors, 400)
    resident = values["role"] == "resident"
    try:
        user = accounts.create_user(
            session,
            username=values["username"],
            display_name=values["display_name"],
            role=values["role"],
            organisation_id=None if resident else values["organisation_id"],
            person_id=values["person_id"] if resident else None,
            password=password or None,
            by=actor_of(request, caller),
        )
    except (accounts.Invalid, accounts.AlreadyExists) as exc:
        return _user_form(request, session, values, field_error(exc, "username"), 400)
    return see_other("/admin/users", added=user.username)


@router.get("/admin/users/{user_id}/disable")
def disable_user_page(
    request: Request, session: SessionDep, caller: Admin, user_id: UserId
) -> Response:
    """Before an account is switched off: what that does, and a button to confirm."""
    user = accounts.get_user(session, user_id)
    live_tokens = [
        t for t in accounts.list_tokens(session, user_id=user.id) if t.revoked_at is None
    ]
    context = {
        "user": user,
        "tokens": len(live_tokens),
        "yourself": user.id == caller.user_id,
        "role_label": role_label,
    }
    return render(request, "admin/user_disable.html", context)


@router.post("/admin/users/{user_id}/disable")
def disable_user(request: Request, session: SessionDep, caller: Admin, user_id: UserId) -> Response:
    """Switch the account off: its sessions end and its tokens are revoked, at once (not your
    own: the service refuses that, 409)."""
    return _switch(request, session, caller, user_id, False)


@router.post("/admin/users/{user_id}/enable")
def enable_user(request: Request, session: SessionDep, caller: Admin, user_id: UserId) -> Response:
    """Switch an account back on (its old tokens stay revoked; issue new ones)."""
    return _switch(request, session, caller, user_id, True)


def _switch(
    request: Request, session: SessionDep, caller: Caller, user_id: int, active: bool
) -> Response:
    # Posting again (a second tab, a double click) changes and records nothing, and says so.
    try:
        user = accounts.set_active(session, user_id, active, by=actor_of(request, caller))
    except accounts.AlreadySo:
        return see_other("/admin/users", already=accounts.get_user(session, user_id).username)
    return see_other("/admin/users", changed=user.username)
