"""The JSON Schema every agreement file must satisfy (``joinedup policy schema`` prints it).

Structure only: rules that need more than one field at a time (parties named in clauses,
special category data needs an Article 9 condition) are checked in
:mod:`joinedup.policy.agreements` after the schema passes.
"""

from __future__ import annotations

from typing import Any

from joinedup.policy.vocabulary import PURPOSES, ROLES

_ID = {"type": "string", "pattern": "^[a-z0-9][a-z0-9_.-]*$"}
_CATEGORY = {"type": "string", "pattern": r"^[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?$"}
_LAWFUL_BASIS = {
    "type": "object",
    "additionalProperties": False,
    "required": ["article_6"],
    "properties": {
        "article_6": {"type": "string", "minLength": 3},
        "article_9": {"type": "string", "minLength": 3},
    },
}

AGREEMENT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://joinedup.example/schemas/agreement.json",
    "title": "joinedup data sharing agreement",
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "version", "title", "valid_from", "parties", "clauses"],
    "properties": {
        "id": _ID,
        "version": {"type": "integer", "minimum": 1},
        "title": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "valid_from": {"type": "string", "format": "date"},
        "valid_to": {"type": ["string", "null"], "format": "date"},
        "review_by": {"type": "string", "format": "date"},
        "parties": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["org", "name"],
                "properties": {
                    "org": _ID,
                    "name": {"type": "string", "minLength": 1},
                    "kind": {"enum": ["council", "nhs", "charity", "police", "other"]},
                    "contact": {"type": "string"},
                },
            },
        },
        "lawful_basis": _LAWFUL_BASIS,
        "clauses": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": [
                    "id",
                    "source",
                    "provider",
                    "categories",
                    "recipients",
                    "roles",
                    "purposes",
                ],
                "properties": {
                    "id": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]*$"},
                    "description": {"type": "string"},
                    "source": _ID,
                    "provider": _ID,
                    "categories": {"type": "array", "minItems": 1, "items": _CATEGORY},
                    "recipients": {"type": "array", "minItems": 1, "items": _ID},
                    "roles": {"type": "array", "minItems": 1, "items": {"enum": list(ROLES)}},
                    "purposes": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"enum": list(PURPOSES)},
                    },
                    "lawful_basis": _LAWFUL_BASIS,
                    "consent_required": {"type": "boolean"},
                    "objection": {"enum": ["honour", "override"]},
                    "override_grounds": {"type": "string", "minLength": 10},
                },
                "if": {
                    "properties": {"objection": {"const": "override"}},
                    "required": ["objection"],
                },
                "then": {"required": ["override_grounds"]},
            },
        },
    },
}
