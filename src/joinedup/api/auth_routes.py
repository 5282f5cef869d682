"""Who am I, is the service up, and can it serve: the routes every client calls first."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from joinedup.api.deps import CurrentUser, SessionDep, actor_of
from joinedup.services import accounts
from joinedup.services.actor import Actor
from joinedup.services.health import database_answers

router = APIRouter(tags=["auth"])


class Health(BaseModel):
    """The service is up."""

    status: Literal["ok"] = "ok"


class Me(BaseModel):
    """The caller as the hub sees them, and the purpose stated for this session or request."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "username": "sam.social",
                    "display_name": "Sam Patel",
                    "role": "social_worker",
                    "organisation_id": "northbridge-council",
                    "person_id": None,
                    "via": "token",
                    "scopes": ["read"],
                    "purpose": "safeguarding",
                    "case_reference": "SG-2024-0117",
                    "must_change_password": False,
                }
            ]
        }
    )

    username: str
    display_name: str
    role: str
    organisation_id: str | None
    person_id: str | None = Field(description="For a resident: the person id they are.")
    via: Literal["session", "token"]
    scopes: list[str]
    purpose: str | None
    case_reference: str | None
    must_change_password: bool = Field(
        description=(
            "An administrator set this account's password: until it is changed "
            "(POST /api/v1/me/password) every other call is refused with 403."
        )
    )


class PasswordChange(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"current_password": "the one you were given", "new_password": "a long passphrase"}
            ]
        },
    )

    current_password: str = Field(max_length=accounts.PASSWORD_MAX)
    new_password: str = Field(max_length=accounts.PASSWORD_MAX)


@router.get("/health", response_model=Health, summary="Is the service up?")
def health() -> Health:
    """Answers 200 while the service runs (no authentication; for load balancers)."""
    return Health()


class Ready(BaseModel):
    """The service is up and its database answers."""

    status: Literal["ready"] = "ready"


@router.get(
    "/ready",
    response_model=Ready,
    summary="Can the service serve requests?",
    responses={503: {"description": "The database cannot be reached."}},
)
def ready(request: Request) -> Ready | JSONResponse:
    """200 when the database answers a trivial query, else 503 (no authentication; for a load
    balancer's readiness check: ``/health`` only says the process runs, and answered "ok"
    while PostgreSQL was down)."""
    if not database_answers(request.app.state.engine):
        return JSONResponse(
            {"status": 503, "title": "Service Unavailable", "detail": DATABASE_DOWN},
            status_code=503,
            media_type="application/problem+json",
        )
    return Ready()


DATABASE_DOWN = "The database cannot be reached."


@router.get("/me", response_model=Me, summary="Who am I?")
def me(caller: CurrentUser) -> Me:
    """The authenticated caller, their role and organisation, and their stated purpose."""
    return Me(
        username=caller.username,
        display_name=caller.display_name,
        role=caller.role,
        organisation_id=caller.organisation_id,
        person_id=caller.person_id,
        via=caller.via,
        scopes=sorted(caller.scopes),
        purpose=caller.purpose,
        case_reference=caller.case_reference,
        must_change_password=caller.must_change_password,
    )


@router.post(
    "/me/password",
    status_code=204,
    summary="Change my password",
    responses={400: {"description": "The current password is wrong or the new one is refused."}},
)
def change_password(
    body: PasswordChange,
    session: SessionDep,
    caller: CurrentUser,
    actor: Annotated[Actor, Depends(actor_of)],
) -> None:
    """Replace your own password (giving the current one). Clears ``must_change_password``, ends
    your other web sessions, and is recorded on the audit trail."""
    # A refusal is a ChangeRefused (400) naming what to fix.
    accounts.change_own_password(
        session,
        caller.user_id,
        body.current_password,
        body.new_password,
        keep_session=caller.session_id,
        by=actor,
    )
