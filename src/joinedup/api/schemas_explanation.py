"""Response schema of ``GET /api/v1/persons/{person_id}/explanation``.

Mirrors :class:`joinedup.services.explanations.Explanation` (validated with ``from_attributes``),
so nothing the service does not mean to return can leak into a response.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

_PUBLIC = ConfigDict(from_attributes=True)


class RecordEvidencePublic(BaseModel):
    model_config = _PUBLIC

    record_key: str = Field(description="`source|record id`, as the master person index keys it.")
    source: str
    source_name: str
    source_record_id: str
    basis: str = Field(
        description="`model` (scored by the matcher), `review` (a reviewer's link decision) "
        "or `alone`: no match to show — the person's first record, one held by others' "
        "matches, or one whose best match is in a service you are not told of."
    )
    matched_record_key: str | None = Field(
        description="The record this one matched best; null when none, or when it is in a "
        "source not released to you (then `matched_hidden` is true)."
    )
    matched_hidden: bool
    match_probability: float | None
    match_weight: float | None
    field_weights: dict[str, float] = Field(
        description="Match weight per comparison: positive is evidence for, negative against."
    )
    start_weight: float | None = Field(
        None,
        description="Where the model starts before comparing any field, in bits (two records "
        "picked at random are seldom one person): with the field weights it makes up "
        "match_weight. Null without a match weight or field weights.",
    )


class ExplanationPublic(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "person_id": "P7K2M9QX4TB1A",
                    "purpose": "safeguarding",
                    "outcome": "permit",
                    "records": [
                        {
                            "record_key": "gp_registrations|GP000123",
                            "source": "gp_registrations",
                            "source_name": "GP registrations",
                            "source_record_id": "GP000123",
                            "basis": "model",
                            "matched_record_key": "council_tax|CT98765",
                            "matched_hidden": False,
                            "match_probability": 0.9993,
                            "match_weight": 10.5,
                            "field_weights": {"name": 6.1, "date_of_birth": 8.2, "postcode": -2.1},
                            "start_weight": -1.7,
                        }
                    ],
                }
            ]
        },
    )

    person_id: str
    purpose: str
    outcome: str = Field(
        description="permit, partial or deny: what policy released, leaving out sealed sources "
        "of which nothing is released, as the joined view does."
    )
    records: list[RecordEvidencePublic]
