"""The administrator's pages for API tokens: the list, issuing one, revoking one.

A new token's secret is shown once, never in a URL: the form redirects to the token's page
(post/redirect/get, so refreshing issues nothing), the secret travelling in a short-lived cookie
only that page reads and clears. Routes are thin: they read the form and call
:mod:`joinedup.services.accounts`, which validates and puts each change on the audit trail as
the administrator's (``token.issue``, ``token.revoke``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import Response

from joinedup.api.deps import SessionDep, actor_of
from joinedup.services import accounts
from joinedup.web.admin_common import (
    MAX_ID,
    Admin,
    Done,
    OptionalText,
    TokenId,
    clean,
    field_error,
    role_label,
    see_other,
)
from joinedup.web.admin_forms import token_name_problem, too_long
from joinedup.web.templating import render

router = APIRouter(include_in_schema=False)

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
        "user_id": clean(user_id),
        "name": clean(name),
        "expiry": clean(expiry),
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
        return _token_form(request, session, values, field_error(exc, "name"), 400)
    page = f"/admin/tokens/{issued.record.id}/issued"
    response = see_other(page)
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
    return see_other("/admin/tokens", revoked=str(token.id))
