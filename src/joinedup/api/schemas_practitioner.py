"""Request and response schemas of the practitioner API (``/api/v1/persons``).

Each ``…Public`` model mirrors a plain dataclass of :mod:`joinedup.services` (validated with
``from_attributes``), so nothing the services do not mean to return can leak into a response.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from joinedup.services.break_glass import MAX_HOURS
from joinedup.services.break_glass import MIN_REASON as BREAK_GLASS_MIN_REASON
from joinedup.services.relationships import MAX_REASON, MIN_REASON

_PUBLIC = ConfigDict(from_attributes=True)
_PERSON = "P7K2M9QX4TB1A"


class CandidatePublic(BaseModel):
    model_config = _PUBLIC

    person_id: str
    grade: str = Field(description="certain, probable or possible")
    matched_on: list[str]
    given_name: str | None
    family_name: str | None
    year_of_birth: int | None
    date_of_birth: str | None = Field(
        description="Only when the search gave the full date of birth and it matched."
    )
    postcode_district: str | None


class SearchResultPublic(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "candidates": [
                        {
                            "person_id": _PERSON,
                            "grade": "certain",
                            "matched_on": ["nhs_number", "name"],
                            "given_name": "Anne",
                            "family_name": "Walker",
                            "year_of_birth": 1950,
                            "date_of_birth": None,
                            "postcode_district": "NB1",
                        }
                    ],
                    "truncated": False,
                    "searched_on": ["name", "nhs_number"],
                }
            ]
        },
    )

    candidates: list[CandidatePublic]
    truncated: bool = Field(description="More candidates matched than the limit allowed.")
    searched_on: list[str]


class WithheldPublic(BaseModel):
    model_config = _PUBLIC

    source: str | None = Field(
        description="Always set: a source whose very name is sealed data (adult social care, a "
        "GP register) is not listed at all when nothing of it is released to you."
    )
    category: str | None
    sealed: bool
    reason_code: str
    reason: str


class ServicePublic(BaseModel):
    model_config = _PUBLIC

    source: str
    name: str
    organisation: str = Field(description="The organisation's id.")
    organisation_name: str | None = Field(
        default=None, description="How the organisation reads to people."
    )
    category: str | None
    since: str | None = Field(
        description="When the hub first held a record of the person from this source (ISO date)"
        "; not when the service first knew them."
    )
    records: int
    details: list[dict[str, Any]] | None


class IdentityPublic(BaseModel):
    model_config = _PUBLIC

    names: list[dict[str, Any]]
    dates_of_birth: list[str]
    nhs_numbers: list[str]
    addresses: list[dict[str, Any]]


class ContactPublic(BaseModel):
    model_config = _PUBLIC

    kind: str
    value: str
    source: str


class TimelineEntryPublic(BaseModel):
    model_config = _PUBLIC

    at: str
    source: str
    kind: str
    description: str


class HouseholdMemberPublic(BaseModel):
    model_config = _PUBLIC

    person_id: str
    given_name: str | None
    family_name: str | None
    withheld_reason: str | None


class PersonViewPublic(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "person_id": _PERSON,
                    "purpose": "safeguarding",
                    "case_reference": "SG-2024-0117",
                    "outcome": "partial",
                    "break_glass_used": False,
                    "released": ["council_tax/identity.core", "council_tax/finance.council_tax"],
                    "identity": {
                        "names": [
                            {
                                "title": "Mrs",
                                "given_name": "Anne",
                                "middle_names": None,
                                "family_name": "Walker",
                                "preferred_name": None,
                                "sources": ["council_tax"],
                            }
                        ],
                        "dates_of_birth": [],
                        "nhs_numbers": [],
                        "addresses": [],
                    },
                    "services": [],
                    "contacts": [],
                    "timeline": [],
                    "household": [],
                    "withheld": [
                        {
                            "source": "befriending",
                            "category": "charity.befriending",
                            "sealed": False,
                            "reason_code": "deny_consent_missing",
                            "reason": "Needs the resident's consent, which is not recorded.",
                        }
                    ],
                    "reasons": [],
                    "agreements": [
                        {"id": "northbridge-council-services", "version": 2, "sha256": "5f0c…"}
                    ],
                }
            ]
        },
    )

    person_id: str
    purpose: str
    case_reference: str | None
    outcome: str = Field(
        description="permit (all held is released), partial or deny — leaving out sealed "
        "sources of which nothing is released, as `withheld` does"
    )
    break_glass_used: bool
    released: list[str] = Field(description="The items released, as source/category.")
    identity: IdentityPublic | None
    services: list[ServicePublic]
    contacts: list[ContactPublic]
    timeline: list[TimelineEntryPublic]
    household: list[HouseholdMemberPublic] | None
    withheld: list[WithheldPublic]
    reasons: list[dict[str, Any]]
    agreements: list[dict[str, Any]]


class PersonMovedPublic(BaseModel):
    """The body of a 301 for a retired person id: where its records went."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": 301,
                    "detail": "Person PAAAAAAAAAAAA is now P7K2M9QX4TB1A.",
                    "requested": "PAAAAAAAAAAAA",
                    "person_id": _PERSON,
                    "location": f"/api/v1/persons/{_PERSON}",
                }
            ]
        }
    )

    status: int
    detail: str
    requested: str
    person_id: str
    location: str


class RelationshipCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"reason": "Allocated social worker for the care assessment", "days": 90},
                {
                    "reason": "Discharge planning with the ward team",
                    "expires_at": "2026-12-01T17:00:00Z",
                    "whole_organisation": True,
                },
            ]
        },
    )

    reason: str = Field(min_length=MIN_REASON, max_length=MAX_REASON)
    days: int | None = Field(default=None, ge=1, le=366, strict=True)
    expires_at: datetime | None = None
    # Strict: it widens who may see the record, so only a JSON true does it ("yes" is refused).
    whole_organisation: bool = Field(
        default=False, strict=True, description="True: anyone in your organisation may rely on it."
    )


class RelationshipPublic(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 12,
                    "person_id": _PERSON,
                    "organisation": "northbridge-council",
                    "user": "sam.social",
                    "reason": "Allocated social worker for the care assessment",
                    "starts_at": "2026-11-23T10:00:00Z",
                    "expires_at": "2027-02-21T10:00:00Z",
                }
            ]
        },
    )

    id: int
    person_id: str
    organisation: str
    user: str | None
    reason: str
    starts_at: datetime
    expires_at: datetime


class BreakGlassCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "reason": "Unconscious in A&E, no relationship on record; need medication",
                    "hours": 2,
                }
            ]
        },
    )

    reason: str = Field(min_length=BREAK_GLASS_MIN_REASON, max_length=MAX_REASON)
    # Strict: a JSON true is not "1 hour", nor "2" a number of hours.
    hours: int = Field(default=MAX_HOURS, ge=1, le=MAX_HOURS, strict=True)


class BreakGlassPublic(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 3,
                    "person_id": _PERSON,
                    "reason": "Unconscious in A&E, no relationship on record; need medication",
                    "started_at": "2026-11-23T10:00:00Z",
                    "expires_at": "2026-11-23T12:00:00Z",
                    "already_open": False,
                }
            ]
        },
    )

    id: int
    person_id: str
    reason: str
    started_at: datetime
    expires_at: datetime
    already_open: bool = Field(
        False,
        description="True (with status 200) when the caller's session on this person was "
        "already open: it is returned as it stands and nothing new is opened or alerted.",
    )
