"""Admin API: partner organisations, user accounts and API tokens (the ``admin`` role only)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field

from joinedup.api.deps import SessionDep, actor_of, require_role
from joinedup.services import accounts
from joinedup.services.actor import Actor

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[require_role("admin")])

# Ids are 32-bit integers in the database; a larger number is a 422, not a database error.
MAX_ID = 2**31 - 1
UserId = Annotated[int, Path(ge=1, le=MAX_ID, description="The user's id.")]
TokenId = Annotated[int, Path(ge=1, le=MAX_ID, description="The token's id.")]


# Changes are recorded on the audit trail as this administrator's, as the admin pages do.
Administrator = Annotated[Actor, Depends(actor_of)]


class OrganisationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"id": "northbridge-council", "name": "Northbridge Council", "kind": "council"}
            ]
        },
    )

    id: str = Field(min_length=2, max_length=63, pattern=r"^[a-z0-9][a-z0-9-]+$")
    name: str = Field(min_length=1, max_length=200)
    kind: str | None = Field(default=None, max_length=40)


class OrganisationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    kind: str | None
    created_at: datetime


class UserCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "username": "sam.social",
                    "display_name": "Sam Patel",
                    "role": "social_worker",
                    "organisation_id": "northbridge-council",
                    "password": "a long passphrase",
                }
            ]
        },
    )

    username: str = Field(min_length=3, max_length=100)
    display_name: str = Field(min_length=1, max_length=200)
    role: str = Field(description="One of: " + ", ".join(accounts.ROLES))
    organisation_id: str | None = Field(default=None, description="Required for staff.")
    person_id: str | None = Field(default=None, description="Required for a resident.")
    password: str | None = Field(
        default=None,
        min_length=accounts.MIN_PASSWORD_LENGTH,
        max_length=1000,
        description="Leave out for an account that only uses API tokens.",
    )


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: str
    organisation_id: str | None
    person_id: str | None
    active: bool
    created_at: datetime
    last_sign_in_at: datetime | None
    must_change_password: bool = Field(
        description="Its password was set by an administrator and not yet changed by its owner."
    )


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"active": False}]})

    # Strict: "no" was read as false and "yes" as true; only a JSON boolean switches an account.
    active: bool = Field(
        strict=True, description="False ends the user's sessions and revokes their tokens."
    )


class PasswordReset(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"password": "a long passphrase"}]}
    )

    password: str = Field(min_length=1, max_length=accounts.PASSWORD_MAX)


class TokenCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"user_id": 3, "name": "Case system nightly sync", "scopes": ["read"], "days": 90}
            ]
        },
    )

    user_id: int = Field(ge=1, le=MAX_ID)
    name: str = Field(min_length=1, max_length=200, description="What uses the token.")
    scopes: list[str] = Field(default=["read"], description="Any of: " + ", ".join(accounts.SCOPES))
    days: int | None = Field(
        default=90, ge=1, le=730, description="Days until it expires (null: until revoked)."
    )


class TokenPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    prefix: str = Field(description="The first characters of the token, to tell tokens apart.")
    name: str
    user_id: int
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenIssued(TokenPublic):
    token: str = Field(description="The secret: shown this once, never again.")


@router.get("/organisations", response_model=list[OrganisationPublic])
def list_organisations(session: SessionDep) -> list[OrganisationPublic]:
    """Every partner organisation."""
    return [OrganisationPublic.model_validate(o) for o in accounts.list_organisations(session)]


@router.post(
    "/organisations", response_model=OrganisationPublic, status_code=status.HTTP_201_CREATED
)
def create_organisation(
    body: OrganisationCreate, session: SessionDep, by: Administrator
) -> OrganisationPublic:
    """Add a partner organisation (409 if the id is taken)."""
    created = accounts.create_organisation(session, body.id, name=body.name, kind=body.kind, by=by)
    return OrganisationPublic.model_validate(created)


@router.get("/users", response_model=list[UserPublic])
def list_users(
    session: SessionDep,
    organisation_id: Annotated[str | None, Query(max_length=63)] = None,
) -> list[UserPublic]:
    """Every account, optionally those of one organisation."""
    users = accounts.list_users(session, organisation_id=organisation_id)
    return [UserPublic.model_validate(u) for u in users]


@router.post("/users", response_model=UserPublic, status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, session: SessionDep, by: Administrator) -> UserPublic:
    """Create an account (409 if the username is taken, 400 with a reason if it cannot be)."""
    user = accounts.create_user(session, **body.model_dump(), by=by)
    return UserPublic.model_validate(user)


@router.get("/users/{user_id}", response_model=UserPublic)
def get_user(user_id: UserId, session: SessionDep) -> UserPublic:
    """One account."""
    return UserPublic.model_validate(accounts.get_user(session, user_id))


@router.patch("/users/{user_id}", response_model=UserPublic)
def update_user(
    user_id: UserId, body: UserUpdate, session: SessionDep, by: Administrator
) -> UserPublic:
    """Switch an account on or off (not your own: another admin must do that, 409)."""
    return UserPublic.model_validate(accounts.set_active(session, user_id, body.active, by=by))


@router.post("/users/{user_id}/password", response_model=UserPublic)
def reset_password(
    user_id: UserId, body: PasswordReset, session: SessionDep, by: Administrator
) -> UserPublic:
    """Set a new password for an account; its owner must change it at their next sign-in (and
    can do nothing else until then), and its web sessions end."""
    user = accounts.reset_password(session, user_id, body.password, by=by)
    return UserPublic.model_validate(user)


@router.get("/tokens", response_model=list[TokenPublic])
def list_tokens(
    session: SessionDep, user_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None
) -> list[TokenPublic]:
    """API tokens (never their secrets), newest first."""
    return [TokenPublic.model_validate(t) for t in accounts.list_tokens(session, user_id=user_id)]


@router.post("/tokens", response_model=TokenIssued, status_code=status.HTTP_201_CREATED)
def issue_token(body: TokenCreate, session: SessionDep, by: Administrator) -> TokenIssued:
    """Issue a token for a user; the response is the only time its secret is shown."""
    issued = accounts.issue_token(
        session,
        user_id=body.user_id,
        name=body.name,
        scopes=body.scopes,
        expires_in=timedelta(days=body.days) if body.days is not None else None,
        by=by,
    )
    public = TokenPublic.model_validate(issued.record)
    return TokenIssued(**public.model_dump(), token=issued.secret)


@router.delete("/tokens/{token_id}", response_model=TokenPublic)
def revoke_token(token_id: TokenId, session: SessionDep, by: Administrator) -> TokenPublic:
    """Revoke a token at once."""
    return TokenPublic.model_validate(accounts.revoke_token(session, token_id, by=by))
