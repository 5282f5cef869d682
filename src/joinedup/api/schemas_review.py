"""Request and response schemas of the reviewer's API (``/api/v1/review/...``).

Each ``…Public`` model mirrors a frozen dataclass of :mod:`joinedup.services.review_service`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from joinedup.services.review_service import NOTE_MAX

_PUBLIC = ConfigDict(from_attributes=True)


class QueueItemPublic(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 12,
                    "record_l": "council_tax|C1",
                    "record_r": "gp_registrations|G1",
                    "reason": "weak_link",
                    "risk": 1.8,
                    "match_probability": 0.991,
                    "match_weight": 6.8,
                    "person_id": "P7K2M9QX4TB1A",
                }
            ]
        },
    )

    id: int
    record_l: str = Field(description="A record key: source|record id.")
    record_r: str
    reason: str = Field(
        description="uncertain (a possible missed link) or weak_link (a possible wrong merge)"
    )
    risk: float = Field(description="0–2; weak links rank above every uncertain pair.")
    match_probability: float | None
    match_weight: float | None
    person_id: str | None


class RecordSidePublic(BaseModel):
    model_config = _PUBLIC

    record_key: str
    source: str
    record_id: str
    version: int
    current: bool
    person_id: str | None = Field(description="The person the record is in now.")
    data: dict[str, Any]
    attributes: dict[str, Any]
    evidence_matched: str | None = Field(description="The record it matched best in its person.")
    evidence_probability: float | None
    evidence_weight: float | None
    evidence_basis: str | None = Field(description="model, review or alone")
    field_weights: dict[str, float] = Field(description="Match weight per comparison.")
    evidence_start_weight: float | None = Field(
        None,
        description=(
            "The model's starting point in bits (two records picked at random are one person "
            "this seldom): with the field weights it makes up evidence_weight."
        ),
    )


class FieldComparisonPublic(BaseModel):
    model_config = _PUBLIC

    field: str
    left: Any
    right: Any
    agreement: str = Field(description="same, different or one_missing")


class ReviewDetailPublic(BaseModel):
    model_config = _PUBLIC

    item: QueueItemPublic
    status: str = Field(description="open or decided")
    left: RecordSidePublic
    right: RecordSidePublic
    comparison: list[FieldComparisonPublic]
    decision_in_force: str | None
    decision_id: int | None = Field(
        None, description="The decision in force's id: send it back as `seen` when deciding."
    )
    decided_by: str | None = Field(None, description="Who made the decision in force.")
    decided_at: datetime | None = None


class ReviewDecisionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"decision": "not-link", "note": "Different dates of birth; father and son."},
                {"decision": "link"},
            ]
        },
    )

    decision: Literal["link", "not-link"]
    note: str | None = Field(None, max_length=NOTE_MAX)
    seen: int | None = Field(
        None,
        ge=1,
        description=(
            "The `decision_id` you were shown (omit or null when there was none): if the pair "
            "was decided since, 409 names that decision rather than replace it unseen."
        ),
    )


class ReviewOutcomePublic(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "item_id": 12,
                    "record_l": "council_tax|C1",
                    "record_r": "gp_registrations|G1",
                    "decision": "not-link",
                    "reviewer": "rita.reviewer@example.org",
                    "note": "Different dates of birth; father and son.",
                    "decided_at": "2026-03-02T10:15:00Z",
                    "warning": None,
                }
            ]
        },
    )

    item_id: int
    record_l: str
    record_r: str
    decision: str
    reviewer: str
    note: str | None
    decided_at: datetime
    warning: str | None = Field(
        None,
        description=(
            "Set when a record of the pair is no longer current (its source no longer holds "
            "it): the decision is recorded and will apply if the record comes back; and when "
            "a link joins two records holding different NHS numbers, which it overrides."
        ),
    )
