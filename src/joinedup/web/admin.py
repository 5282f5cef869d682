"""The administrator's pages: partner organisations, user accounts and API tokens.

Routes are thin: they read the form and call :mod:`joinedup.services.accounts` — the same
functions as the admin API — which validates and says which field is wrong. What is here is
the form handling GOV.UK asks for (every field checked first, so that all the problems are shown
at once in an error summary linked to each field, the answers kept: :mod:`.admin_forms`),
a confirmation page before anything that cannot be undone, and showing a new token's secret
once, never in a URL: the form redirects to the token's page (post/redirect/get, so refreshing
issues nothing), the secret travelling in a short-lived cookie only that page reads and clears.
Each change is on the audit trail as the administrator's (``account.create``, ``token.revoke``,
…). Resetting a password is in :mod:`.admin_passwords`.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from joinedup.api.deps import Caller, SessionDep, actor_of
from joinedup.api.errors import Conflict
from joinedup.errors import JoinedupError
from joinedup.policy.vocabulary import ROLES
from joinedup.services import accounts
from joinedup.web.admin_forms import (
    organisation_problems,
    token_name_problem,
    too_long,
    user_problems,
)
from joinedup.web.session import web_role
from joinedup.web.templating import render

router = APIRouter(include_in_schema=False)

Admin = Annotated[Caller, web_role("admin")]
# Ids are 32-bit integers in the database; a larger number is a 4xx page, not a database error.
MAX_ID = 2**31 - 1
UserId = Annotated[int, Path(ge=1, le=MAX_ID)]
USERS_PAGE_SIZE = 50
TokenId = Annotated[int, Path(ge=1, le=MAX_ID)]
Done = Annotated[str | None, Query(max_length=100)]
OptionalText = Annotated[str | None, Form()]

ROLE_LABELS: dict[str, str] = {
    "social_worker": "Social worker",
    "gp": "GP",
    "housing_officer": "Housing officer",
    "charity_caseworker": "Charity caseworker",
    "reviewer": "Records reviewer",
    "ig_officer": "Information governance officer",
    "admin": "Administrator",
    "resident": "Resident",
}
SCOPE_HINTS: dict[str, str] = {
    "read": "Search and read records, as the user's role and purpose allow",
    "write": "Record decisions, choices and relationships",
    "admin": "Manage organisations, users and tokens (only for an administrator's token)",
}
# Choices for how long a token lasts; "never" is there for systems that cannot rotate, and the
# hint says to avoid it.
EXPIRY_DAYS: dict[str, int | None] = {"30": 30, "90": 90, "365": 365, "never": None}
EXPIRY_LABELS: dict[str, str] = {
    "30": "30 days",
    "90": "90 days",
    "365": "1 year",
    "never": "Until revoked",
}


def role_label(role: str) -> str:
    """A role as people read it: ``ig_officer`` → ``Information governance officer``."""
    return ROLE_LABELS.get(role) or role.replace("_", " ").capitalize()


def _see_other(path: str, **query: str) -> RedirectResponse:
    return RedirectResponse(path + ("?" + urlencode(query) if query else ""), status_code=303)


def _clean(value: str | None) -> str:
    return (value or "").strip()


def _field_error(exc: JoinedupError, default: str) -> dict[str, str]:
    """The service's error as ``{field: message}``, on the field it names (or ``default``)."""
    field = getattr(exc, "field", None) or default
    return {field: str(exc).rstrip(".")}


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
    values = {"id": _clean(id).lower(), "name": _clean(name), "kind": _clean(kind)}
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
        return _organisation_form(request, values, _field_error(exc, "id"), 400)
    return _see_other("/admin/organisations", added=created.id)


# --- users ------------------------------------------------------------------------------------


def _page_number(text: str | None) -> int:
    # A page link only: anything but a page number is the first page (not isdigit: "²").
    return int(text) if text and re.fullmatch(r"[0-9]{1,6}", text) and int(text) else 1


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
    search = _clean(q)
    number = _page_number(page)
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
        errors = _field_error(exc, "q")
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
        "username": _clean(username),
        "display_name": _clean(display_name),
        "role": _clean(role),
        "organisation_id": _clean(organisation_id),
        "person_id": _clean(person_id),
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
        return _user_form(request, session, values, _field_error(exc, "username"), 400)
    return _see_other("/admin/users", added=user.username)


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
    """Switch the account off: its sessions end and its tokens are revoked, at once."""
    if user_id == caller.user_id:
        raise Conflict("You cannot switch off your own account. Ask another administrator.")
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
        return _see_other("/admin/users", already=accounts.get_user(session, user_id).username)
    return _see_other("/admin/users", changed=user.username)


# --- API tokens -------------------------------------------------------------------------------


@router.get("/admin/tokens")
def tokens_page(
    request: Request, session: SessionDep, caller: Admin, revoked: Done = None
) -> Response:
    """Every API token (never its secret), newest first, with a way to revoke each."""
    tokens = accounts.list_tokens(session)
    usernames = {u.id: u.username for u in accounts.list_users(session)}
    done = next(
        (f"Token {t.name} is revoked." for t in tokens if revoked == str(t.id)),
        None,
    )
    context = {
        "tokens": tokens,
        "usernames": usernames,
        "status": accounts.token_status,
        "done": done,
    }
    return render(request, "admin/tokens.html", context)


def _token_form(
    request: Request,
    session: SessionDep,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    context = {
        "values": values,
        "errors": errors,
        "users": [u for u in accounts.list_users(session) if u.active],
        "scopes": [(s, SCOPE_HINTS.get(s, "")) for s in accounts.SCOPES],
        "expiry": EXPIRY_LABELS,
        "role_label": role_label,
    }
    return render(request, "admin/token_new.html", context, status_code=status)


@router.get("/admin/tokens/new")
def new_token_page(
    request: Request,
    session: SessionDep,
    caller: Admin,
    user_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    """The form to issue a token for a user (or a system's account)."""
    values = {"user_id": str(user_id or ""), "scopes": ["read"], "expiry": "90"}
    return _token_form(request, session, values, {})


@router.post("/admin/tokens")
def issue_token(
    request: Request,
    session: SessionDep,
    caller: Admin,
    user_id: OptionalText = None,
    name: OptionalText = None,
    expiry: OptionalText = None,
    scopes: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Issue the token and show its secret, this once; or the form again, saying what to fix."""
    sent = scopes or []
    values: dict[str, Any] = {
        "user_id": _clean(user_id),
        "name": _clean(name),
        "expiry": _clean(expiry),
        "scopes": [s for s in sent if s in accounts.SCOPES],
    }
    errors = too_long({k: v for k, v in values.items() if isinstance(v, str)})
    digits = values["user_id"]
    account = int(digits) if digits.isdecimal() and len(digits) <= 10 else 0
    if not 1 <= account <= MAX_ID:
        errors.setdefault("user_id", "Select the account the token acts as")
    name_problem = token_name_problem(values["name"])
    if name_problem:
        errors.setdefault("name", name_problem)
    if not values["scopes"] or len(values["scopes"]) != len(sent):
        errors.setdefault("scopes", "Select what the token may do")
    if values["expiry"] not in EXPIRY_DAYS:
        errors.setdefault("expiry", "Select how long the token lasts")
    if errors:
        return _token_form(request, session, values, errors, 400)
    days = EXPIRY_DAYS[values["expiry"]]
    try:
        issued = accounts.issue_token(
            session,
            user_id=account,
            name=values["name"],
            scopes=values["scopes"],
            expires_in=timedelta(days=days) if days is not None else None,
            by=actor_of(request, caller),
        )
    except accounts.NotFound:
        return _token_form(
            request, session, values, {"user_id": "Select an account from the list"}, 400
        )
    except accounts.Invalid as exc:
        return _token_form(request, session, values, _field_error(exc, "name"), 400)
    page = f"/admin/tokens/{issued.record.id}/issued"
    response = _see_other(page)
    response.set_cookie(
        NEW_TOKEN_COOKIE,
        issued.secret,
        max_age=NEW_TOKEN_SECONDS,
        path=page,
        httponly=True,
        secure=request.url.scheme == "https",
        samesite="strict",
    )
    return response


# The secret of a token just issued, on its way from the form to the page that shows it once:
# only that page's path receives it, for a few minutes, and the page clears it.
NEW_TOKEN_COOKIE = "joinedup_new_token"
NEW_TOKEN_SECONDS = 300


@router.get("/admin/tokens/{token_id}/issued")
def token_issued_page(
    request: Request, session: SessionDep, caller: Admin, token_id: TokenId
) -> Response:
    """The token just issued, its secret shown this once; afterwards (a refresh, a bookmark)
    the page says the secret cannot be shown again, and nothing is issued."""
    token = accounts.get_token(session, token_id)
    sent = request.cookies.get(NEW_TOKEN_COOKIE, "")
    secret = sent if sent and accounts.sha256_hex(sent) == token.token_sha256 else None
    context = {"token": token, "secret": secret, "user": accounts.get_user(session, token.user_id)}
    response = render(request, "admin/token_issued.html", context)
    if sent:
        response.delete_cookie(
            NEW_TOKEN_COOKIE,
            path=request.url.path,
            httponly=True,
            secure=request.url.scheme == "https",
            samesite="strict",
        )
    return response


@router.get("/admin/tokens/{token_id}/revoke")
def revoke_token_page(
    request: Request, session: SessionDep, caller: Admin, token_id: TokenId
) -> Response:
    """Before a token is revoked: which one, and a button to confirm."""
    token = accounts.get_token(session, token_id)
    user = accounts.get_user(session, token.user_id)
    context = {"token": token, "user": user, "status": accounts.token_status(token)}
    return render(request, "admin/token_revoke.html", context)


@router.post("/admin/tokens/{token_id}/revoke")
def revoke_token(
    request: Request, session: SessionDep, caller: Admin, token_id: TokenId
) -> Response:
    """Revoke the token at once and show the list."""
    token = accounts.revoke_token(session, token_id, by=actor_of(request, caller))
    return _see_other("/admin/tokens", revoked=str(token.id))
