"""Schemas of the IG officer's review of a break-glass reason (``/api/v1/governance/alerts/
{alert_id}/break-glass-reason``): what the resident is shown of why emergency access was used.

Each ``…Public`` model mirrors a frozen dataclass of :mod:`joinedup.services.break_glass_review`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from joinedup.services.break_glass_review import SUMMARY_MAX

_AT = "2026-03-02T10:15:00Z"


class ReasonReviewEntryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    outcome: str = Field(description="released or redacted")
    shown_text: str = Field(description="Exactly what the resident is shown.")
    reviewed_by: str
    organisation: str
    reviewed_at: datetime


class ReasonReviewPublic(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "alert_id": 7,
                    "session_id": 3,
                    "person_id": "P7K2M9QX4TB1A",
                    "actor": "hana.housing@example.org",
                    "organisation": "northbridge-council",
                    "role": "housing_officer",
                    "purpose": "housing_support",
                    "case_reference": "HO-7731",
                    "started_at": _AT,
                    "expires_at": "2026-03-02T14:15:00Z",
                    "reason": "Neighbour reported a fall and no answer at the door",
                    "status": "redacted",
                    "shown_text": "A neighbour was worried about your safety at home.",
                    "history": [
                        {
                            "outcome": "redacted",
                            "shown_text": "A neighbour was worried about your safety at home.",
                            "reviewed_by": "iona.ig@example.org",
                            "organisation": "northbridge-council",
                            "reviewed_at": "2026-03-03T09:00:00Z",
                        }
                    ],
                }
            ]
        },
    )

    alert_id: int
    session_id: int
    person_id: str
    actor: str = Field(description="The account that broke the glass.")
    organisation: str
    role: str
    purpose: str | None
    case_reference: str | None
    started_at: datetime
    expires_at: datetime
    reason: str = Field(description="The reason as the practitioner typed it.")
    status: str = Field(description="What the resident sees: under_review, released, redacted.")
    shown_text: str | None = Field(description="What the resident is shown; null under review.")
    history: list[ReasonReviewEntryPublic] = Field(description="Every review, oldest first.")


class ReasonDecision(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"decision": "release"},
                {
                    "decision": "redact",
                    "summary": "A neighbour was worried about your safety at home.",
                },
            ]
        },
    )

    decision: Literal["release", "redact"] = Field(
        description="release: show the reason as typed; redact: show `summary` instead."
    )
    summary: str | None = Field(
        None,
        min_length=1,
        max_length=SUMMARY_MAX,
        description="For redact: the reason in substance, without other people's details.",
    )
