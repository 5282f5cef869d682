"""Admin API: resident accounts waiting for a check after linkage split their person.

A link run that splits the person a resident's account names holds the account (the resident
sees nothing held about them) until an administrator confirms which person it speaks for
(:mod:`joinedup.services.resident_holds`).
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from joinedup.api.admin_routes import Administrator, UserId, UserPublic
from joinedup.api.deps import SessionDep, require_role
from joinedup.services import resident_holds

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[require_role("admin")])


class SplitPublic(BaseModel):
    run_id: int = Field(description="The link run that split the person.")
    finished_at: datetime | None = Field(description="When it finished (null: still saving).")
    person_ids: list[str] = Field(description="The ids it left: the one kept first, then parts.")
    record_counts: list[int] = Field(description="How many records each id held after it.")


class HoldPublic(BaseModel):
    user_id: int
    username: str
    person_id: str = Field(description="The person id the account names now.")
    splits: list[SplitPublic] = Field(description="Splits since the account was last checked.")


class PersonConfirm(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"person_id": "P7K2M9QX4TB1A"}]}
    )

    person_id: str = Field(
        min_length=1,
        max_length=200,
        description="The person id the resident was checked against: the account's own, or "
        "one of the split's parts.",
    )


@router.get("/resident-holds", response_model=list[HoldPublic])
def list_holds(session: SessionDep) -> list[HoldPublic]:
    """Resident accounts that show their resident nothing until an administrator checks them."""
    return [
        HoldPublic(
            user_id=hold.user_id,
            username=hold.username,
            person_id=hold.person_id,
            splits=[SplitPublic(**vars(split)) for split in hold.splits],
        )
        for hold in resident_holds.holds(session).values()
    ]


@router.put("/users/{user_id}/person", response_model=UserPublic)
def confirm_person(
    user_id: UserId, body: PersonConfirm, session: SessionDep, by: Administrator
) -> UserPublic:
    """Name the person a resident's account speaks for, as checked with the resident.

    Ends a hold. 400 for a staff account or an id the index does not hold; 404 for no such user.
    """
    user = resident_holds.confirm_person(session, user_id, body.person_id, by=by)
    return UserPublic.model_validate(user)
