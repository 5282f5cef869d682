"""What every module of the administrator's pages shares: who may open them, the shapes of
their ids and answers, how a role reads, and the steps each form takes after the service.

Used by :mod:`.admin` (organisations and accounts), :mod:`.admin_tokens`,
:mod:`.admin_passwords` and :mod:`.resident_hold_pages`.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Form, Path, Query
from starlette.responses import RedirectResponse

from joinedup.api.deps import Caller
from joinedup.errors import JoinedupError
from joinedup.web.session import web_role

Admin = Annotated[Caller, web_role("admin")]
# Ids are 32-bit integers in the database; a larger number is a 4xx page, not a database error.
MAX_ID = 2**31 - 1
UserId = Annotated[int, Path(ge=1, le=MAX_ID)]
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


def role_label(role: str) -> str:
    """A role as people read it: ``ig_officer`` → ``Information governance officer``."""
    return ROLE_LABELS.get(role) or role.replace("_", " ").capitalize()


def see_other(path: str, **query: str) -> RedirectResponse:
    """A 303 to ``path`` with ``query``: after a form is sent, the page that shows the result."""
    return RedirectResponse(path + ("?" + urlencode(query) if query else ""), status_code=303)


def clean(value: str | None) -> str:
    """A form's answer as typed, without surrounding spaces; empty when it was not sent."""
    return (value or "").strip()


def field_error(exc: JoinedupError, default: str) -> dict[str, str]:
    """The service's error as ``{field: message}``, on the field it names (or ``default``)."""
    field = getattr(exc, "field", None) or default
    return {field: str(exc).rstrip(".")}
