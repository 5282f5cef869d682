"""Request and response schemas of the resident API (``/api/v1/me/...``).

Each ``…Public`` model mirrors a frozen dataclass of :mod:`joinedup.services.resident` (and its
``resident_access_log`` and ``resident_choices``) or :mod:`joinedup.services.subject_access`
(validated with ``from_attributes``), so a response holds exactly what the service means to
return.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from joinedup.services.resident_choices import NOTE_MAX

_PUBLIC = ConfigDict(from_attributes=True)
_PERSON = "P7K2M9QX4TB1A"
_AT = "2026-03-02T10:15:00Z"


class HeldItemPublic(BaseModel):
    model_config = _PUBLIC

    source: str
    source_name: str
    organisation: str
    organisation_name: str
    categories: list[str]
    described: list[str] = Field(description="The categories in plain words.")
    records: int
    since: datetime = Field(description="When the service's first record about you was stored.")
    special_category: bool = Field(
        description="Health, social care or other special category data (UK GDPR Art. 9)."
    )


class MyRecordPublic(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "person_id": _PERSON,
                    "generated_at": _AT,
                    "held": [
                        {
                            "source": "council_tax",
                            "source_name": "Council Tax",
                            "organisation": "northbridge-council",
                            "organisation_name": "Northbridge Borough Council",
                            "categories": ["identity.core", "finance.council_tax"],
                            "described": [
                                "your name, date of birth, address and contact details",
                                "your council tax account",
                            ],
                            "records": 1,
                            "since": "2010-09-01T00:00:00Z",
                            "special_category": False,
                        }
                    ],
                }
            ]
        },
    )

    person_id: str
    generated_at: datetime
    held: list[HeldItemPublic]


class AccessEntryPublic(BaseModel):
    model_config = _PUBLIC

    seq: int = Field(description="The event's number on the audit trail.")
    at: datetime
    organisation: str
    organisation_name: str
    role: str
    purpose: str | None
    purpose_description: str | None
    action: str
    what: str = Field(description="What was done, in plain words.")
    decision: str = Field(description="permit, partial, deny (a refused attempt) or none.")
    categories: list[str] = Field(description="What was released, as source/category.")
    break_glass: bool
    break_glass_reason: str | None = Field(
        description=(
            "Why emergency access was used, once the organisation's information governance "
            "officer has reviewed it: the reason as stated, or their summary where it named "
            "other people. Null while under review, and for every other access."
        )
    )
    break_glass_reason_status: str | None = Field(
        None,
        description="For break-glass: under_review, released (as stated) or redacted (a "
        "summary); not_shown when it was given while linkage had wrongly joined your records "
        "with someone else's, so it may be about them (ask the organisation). Null for every "
        "other access.",
    )
    despite_objection: bool = Field(
        False,
        description="Data of a service you had objected to sharing for this purpose was "
        "released all the same: an agreement overrides objections there, on stated grounds "
        "(for example, to protect someone at risk of harm).",
    )


class AccessHistoryPublic(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "person_id": _PERSON,
                    "entries": [
                        {
                            "seq": 42,
                            "at": _AT,
                            "organisation": "northbridge-council",
                            "organisation_name": "Northbridge Borough Council",
                            "role": "social_worker",
                            "purpose": "safeguarding",
                            "purpose_description": "protecting a child or an adult at risk",
                            "action": "person.view",
                            "what": "looked at your joined-up record",
                            "decision": "permit",
                            "categories": ["council_tax/identity.core"],
                            "break_glass": False,
                            "break_glass_reason": None,
                            "break_glass_reason_status": None,
                        }
                    ],
                    "next_before_seq": None,
                }
            ]
        },
    )

    person_id: str
    entries: list[AccessEntryPublic]
    next_before_seq: int | None = Field(description="Pass as before_seq for the older page.")


class ChoicePublic(BaseModel):
    model_config = _PUBLIC

    kind: str = Field(description="objection or consent")
    purpose: str
    purpose_description: str
    source: str | None = Field(description="One service only; null for every service.")
    given: bool = Field(description="True: made or given; false: withdrawn.")
    at: datetime
    by_resident: bool = Field(description="Recorded by you (false: on your behalf).")
    note: str | None
    inherited: bool = Field(
        False,
        description="An objection kept from before linkage found that records it had joined "
        "to yours belong to someone else: it was made while they were joined, so it may have "
        "been theirs. It is kept to be safe; take it back if it was not yours.",
    )


class ConsentAskedPublic(BaseModel):
    model_config = _PUBLIC

    purpose: str
    source: str
    agreement: str
    clause: str
    recipients: list[str]


class ObjectionOverriddenPublic(BaseModel):
    model_config = _PUBLIC

    purpose: str
    source: str
    agreement: str
    clause: str
    grounds: str = Field(description="Why the sharing goes on despite an objection.")


class MyChoicesPublic(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "person_id": _PERSON,
                    "current": [
                        {
                            "kind": "objection",
                            "purpose": "debt_support",
                            "purpose_description": "helping a resident in arrears",
                            "source": None,
                            "given": True,
                            "at": _AT,
                            "by_resident": True,
                            "note": None,
                            "inherited": False,
                        }
                    ],
                    "history": [],
                    "consent_asked": [
                        {
                            "purpose": "direct_care",
                            "source": "befriending",
                            "agreement": "northbridge-befriending@1",
                            "clause": "2.1",
                            "recipients": ["nhs-northbridge-icb", "northbridge-council"],
                        }
                    ],
                }
            ]
        },
    )

    person_id: str
    current: list[ChoicePublic] = Field(
        description="The choices policy applies now: the latest per kind, purpose and source, "
        "less a choice for one service made before a later one for every service."
    )
    history: list[ChoicePublic] = Field(description="Every change, oldest first.")
    consent_asked: list[ConsentAskedPublic] = Field(
        description="Where an agreement shares your data only with your consent."
    )
    objection_overridden: list[ObjectionOverriddenPublic] = Field(
        default_factory=list,
        description="Where an agreement shares your data for a purpose even if you object, "
        "and on what grounds (for example, to protect someone at risk of harm).",
    )


class ChoiceCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"kind": "objection", "purpose": "debt_support", "given": True},
                {"kind": "consent", "purpose": "direct_care", "source": "befriending"},
                {"kind": "consent", "purpose": "direct_care", "given": False},
            ]
        },
    )

    kind: Literal["objection", "consent"]
    purpose: Literal["direct_care", "safeguarding", "housing_support", "debt_support", "planning"]
    # Strict: a resident's "no" typed as a string must not be read as a withdrawal, or "1" as
    # consent; only a JSON boolean.
    given: bool = Field(
        True, strict=True, description="False withdraws an earlier objection or consent."
    )
    source: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="Limit the choice to one service that holds your records.",
    )
    note: str | None = Field(None, max_length=NOTE_MAX)


class RecordCopyPublic(BaseModel):
    model_config = _PUBLIC

    record_id: str
    version: int
    current: bool
    valid_from: datetime
    valid_to: datetime | None
    data: dict[str, Any]
    attributes: dict[str, Any]


class SharingTermPublic(BaseModel):
    model_config = _PUBLIC

    agreement: str
    agreement_title: str
    clause: str
    categories: list[str]
    purposes: list[str]
    recipients: list[str]
    roles: list[str]
    lawful_basis: str
    special_category_condition: str | None
    consent_required: bool
    objection: str


class SourceSectionPublic(BaseModel):
    model_config = _PUBLIC

    source: str
    source_name: str
    organisation: str
    organisation_name: str
    categories: list[str]
    described: list[str]
    records: list[RecordCopyPublic]
    shared_under: list[SharingTermPublic]


class SubjectAccessPackPublic(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "person_id": _PERSON,
                    "generated_at": _AT,
                    "legal_basis": "the resident's own record (UK GDPR Art. 15 right of access)",
                    "sources": [],
                    "purposes": ["direct_care", "safeguarding"],
                    "recipients": ["northbridge-council"],
                    "access_log": [],
                    "choices": {
                        "person_id": _PERSON,
                        "current": [],
                        "history": [],
                        "consent_asked": [],
                    },
                }
            ]
        },
    )

    person_id: str
    generated_at: datetime
    legal_basis: str
    sources: list[SourceSectionPublic]
    purposes: list[str]
    recipients: list[str]
    access_log: list[AccessEntryPublic]
    choices: MyChoicesPublic
    organisations: dict[str, str] = Field(
        default_factory=dict,
        description="Organisation id → name, for every organisation the pack names.",
    )
    purpose_descriptions: dict[str, str] = Field(
        default_factory=dict,
        description="Purpose id → what it means, for every purpose the pack names.",
    )
