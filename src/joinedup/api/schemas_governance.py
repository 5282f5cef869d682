"""Request and response schemas of the IG officer's API (``/api/v1/governance/...``).

Each ``…Public`` model mirrors a frozen dataclass of :mod:`joinedup.services.governance`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from joinedup.services.governance import NOTE_MAX

_PUBLIC = ConfigDict(from_attributes=True)
_AT = "2026-03-02T10:15:00Z"
_HASH = "5f0c" + "0" * 60


class ChoiceThenPublic(BaseModel):
    model_config = _PUBLIC

    kind: str = Field(description="objection or consent")
    purpose: str
    source: str | None = Field(description="null: every source")
    given: bool = Field(description="false: withdrawn by then")
    at: datetime = Field(description="When the choice was recorded.")
    inherited: bool = Field(description="Kept from before a split (see governance.md).")


class BreakGlassReviewPublic(BaseModel):
    model_config = _PUBLIC

    alert_id: int
    reason_shown_to_resident: str = Field(description="under_review, released or redacted")
    status: str = Field(description="Your organisation's handling: open, acknowledged, closed.")
    handled_by: str | None
    handled_at: datetime | None
    outcome: str | None = Field(description="Your organisation's note; another's is not shown.")


class WithheldCodePublic(BaseModel):
    model_config = _PUBLIC

    source: str
    category: str
    reason_code: str = Field(description="Policy's reason code, e.g. deny_objection.")


class AuditEventPublic(BaseModel):
    model_config = _PUBLIC

    seq: int
    event_id: str
    at: datetime
    actor: str = Field(description="The account that acted (the IG officer sees who).")
    organisation: str
    role: str
    purpose: str | None
    case_reference: str | None
    person_id: str | None
    action: str
    decision: str
    categories: list[str]
    agreements: list[dict[str, Any]]
    request_id: str | None
    reason: str | None
    break_glass: bool
    credential: str | None = Field(
        description=(
            "What the actor acted with: 'session:<id>' (signed in on the web) or 'token:<id>' "
            "(an API token, by its id); null for events recorded before the hub kept it."
        )
    )
    account_organisation: str | None = Field(
        description="For an administrator's change to an account: the account's organisation."
    )
    withheld: list[WithheldCodePublic] | None = Field(
        description=(
            "What the access decision did not release, each item with the code of the reason "
            "(deny_objection, deny_sealed, ...); [] when nothing was withheld, null for an "
            "event that records no access decision or was written before the hub kept it. A "
            "sealed source of which nothing was released is listed only for the IG officer of "
            "the organisation holding it."
        )
    )
    choices_then: list[ChoiceThenPublic] = Field(
        description=(
            "The person's objections and consents as they stood at the event's time (the "
            "latest per kind, purpose and source made before it), not as they are now."
        )
    )
    break_glass_review: BreakGlassReviewPublic | None = Field(
        description=(
            "For a break_glass.start event: its alert, what the resident is shown of the "
            "reason, and your organisation's handling of the alert."
        )
    )


class AuditPagePublic(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "events": [
                        {
                            "seq": 42,
                            "event_id": "0b7f5c0e-2f1e-4a59-9d0e-3f1c2b7a9e11",
                            "at": _AT,
                            "actor": "sam.social@example.org",
                            "organisation": "northbridge-council",
                            "role": "social_worker",
                            "purpose": "safeguarding",
                            "case_reference": "SG-2024-0117",
                            "person_id": "P7K2M9QX4TB1A",
                            "action": "person.view",
                            "decision": "permit",
                            "categories": ["council_tax/identity.core"],
                            "agreements": [
                                {
                                    "id": "northbridge-council-services",
                                    "version": 2,
                                    "sha256": _HASH,
                                    "clauses": ["council-tax-to-social-care"],
                                }
                            ],
                            "request_id": "5f0c2e",
                            "reason": None,
                            "break_glass": False,
                            "credential": "token:12",
                            "account_organisation": None,
                            "withheld": [
                                {
                                    "source": "housing",
                                    "category": "housing.tenancy",
                                    "reason_code": "deny_purpose_not_permitted",
                                }
                            ],
                            "choices_then": [
                                {
                                    "kind": "objection",
                                    "purpose": "housing_support",
                                    "source": None,
                                    "given": True,
                                    "at": "2026-02-11T09:00:00Z",
                                    "inherited": False,
                                }
                            ],
                            "break_glass_review": None,
                        }
                    ],
                    "next_before_seq": None,
                    "total": 1,
                    "total_capped": False,
                }
            ]
        },
    )

    events: list[AuditEventPublic]
    next_before_seq: int | None = Field(description="Pass as before_seq for the older page.")
    total: int = Field(description="How many events match, on every page (up to 10,000).")
    total_capped: bool = Field(description="true: more than 10,000 match.")


class OtherHandlingPublic(BaseModel):
    model_config = _PUBLIC

    organisation: str
    status: str = Field(description="acknowledged or closed, by that organisation")
    handled_by: str | None = Field(description="Their IG officer's account: whom to ask.")
    handled_at: datetime | None


class AlertPublic(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "kind": "break_glass",
                    "raised_at": _AT,
                    "person_id": "P7K2M9QX4TB1A",
                    "actor": "hana.housing@example.org",
                    "organisation": "northbridge-council",
                    "subject": "break_glass_sessions:3",
                    "summary": "break-glass by a housing_officer until 2026-03-02 14:15 UTC",
                    "status": "open",
                    "handled_by": None,
                    "handled_at": None,
                    "outcome": None,
                    "reason_review": "under_review",
                    "others": [
                        {
                            "organisation": "nhs-northbridge-icb",
                            "status": "closed",
                            "handled_by": "ig.icb@example.org",
                            "handled_at": _AT,
                        }
                    ],
                }
            ]
        },
    )

    id: int
    kind: str = Field(description="break_glass, relationship_declared or split_choices")
    raised_at: datetime
    person_id: str | None
    actor: str
    organisation: str
    subject: str | None
    summary: str
    status: str = Field(
        description="open, acknowledged or closed, by your organisation: every organisation an "
        "alert concerns handles it for itself"
    )
    handled_by: str | None
    handled_at: datetime | None
    outcome: str | None = Field(description="The IG officer's note.")
    reason_review: str | None = Field(
        None,
        description=(
            "For a break_glass alert, what the resident sees of the reason: under_review "
            "(nothing yet), released (as typed) or redacted (a summary); null otherwise."
        ),
    )
    others: list[OtherHandlingPublic] = Field(
        [],
        description=(
            "Read-only: how each other organisation the alert concerns has handled it so far "
            "(acknowledged or closed, by whom, when), so two IG officers do not investigate "
            "blind of each other. Not their note: it may name people. An organisation that has "
            "not handled it is not listed. Your own handling is status, handled_by, handled_at "
            "and outcome above."
        ),
    )


class AlertAcknowledge(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"note": "Checked with the team manager: emergency admission, justified."},
                {"note": "Relationship confirmed with the allocated worker.", "close": True},
            ]
        },
    )

    note: str = Field(min_length=1, max_length=NOTE_MAX, description="What you checked or found.")
    close: bool = Field(
        False, strict=True, description="Close the alert (the note is its outcome)."
    )


class ClauseTermsPublic(BaseModel):
    model_config = _PUBLIC

    id: str
    source: str
    provider: str
    categories: list[str]
    recipients: list[str]
    roles: list[str]
    purposes: list[str]
    article_6: str
    article_9: str | None
    consent_required: bool
    objection: str = Field(description="honour or override")
    override_grounds: str | None
    description: str
    sealed_categories: list[str]
    plain: str = Field(description="The clause as one sentence.")


class AgreementSummaryPublic(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "northbridge-befriending",
                    "version": 1,
                    "title": "Northbridge Befriending and partners — consent-based sharing",
                    "valid_from": "2026-04-01",
                    "valid_to": "2027-12-31",
                    "in_force": True,
                    "sha256": _HASH,
                    "parties": ["nhs-northbridge-icb", "northbridge-befriending"],
                    "providers": ["northbridge-befriending"],
                    "recipients": ["northbridge-council"],
                    "clauses": 3,
                    "recorded": True,
                }
            ]
        },
    )

    id: str
    version: int
    title: str
    valid_from: date
    valid_to: date | None
    in_force: bool
    sha256: str
    parties: list[str]
    providers: list[str]
    recipients: list[str]
    clauses: int
    recorded: bool = Field(description="Its text is stored with the audit trail.")


class AgreementDetailPublic(BaseModel):
    model_config = _PUBLIC

    summary: AgreementSummaryPublic
    clauses: list[ClauseTermsPublic]
    text: str | None = Field(description="The agreement as written (YAML).")


class ChainStatusPublic(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "ok": True,
                    "events": 1200,
                    "checkpoints": 1,
                    "head_seq": 1200,
                    "head_hash": _HASH,
                    "last_checkpoint_seq": 1000,
                    "unsigned_tail": 200,
                    "problems": [],
                    "checked_at": _AT,
                    "first_seq": 1,
                    "first_at": "2026-01-05T08:12:40Z",
                    "head_at": _AT,
                    "signed_by": [
                        {"key_id": "3a9f0c51d2e47b86", "checkpoints": 1, "development": False}
                    ],
                }
            ]
        },
    )

    ok: bool
    events: int
    checkpoints: int
    head_seq: int | None
    head_hash: str | None
    last_checkpoint_seq: int | None
    unsigned_tail: int = Field(description="Events since the last checkpoint (chain only).")
    problems: list[dict[str, Any]] = Field(description="seq, kind, message — first bad first.")
    checked_at: datetime
    first_seq: int | None = Field(description="The first event checked.")
    first_at: datetime | None = Field(description="When the first event was recorded.")
    head_at: datetime | None = Field(description="When the newest event was recorded.")
    signed_by: list[dict[str, Any]] = Field(
        description=(
            "key_id, checkpoints, development: each key whose valid signatures seal checkpoints "
            "(development true: the public development key, which proves nothing)."
        )
    )
