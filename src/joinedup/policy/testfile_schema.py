"""The JSON Schema a policy test file (``*_test.yaml``) must satisfy before any case runs.

A test file that is itself wrong must fail loudly: without a schema, ``permits:`` for
``permit:`` checked nothing and passed, ``choises:`` dropped the resident's objection, a choice
``kind: objecton`` was ignored by the engine, ``given: "false"`` meant given, and
``categories: finance.council_tax`` became one category per letter. Request ``role`` and
``purpose`` stay free text on purpose: a test may check that an unknown one is refused.
"""

from __future__ import annotations

from typing import Any

from joinedup.policy.vocabulary import PURPOSES, REASON_CODES

_TEXT = {"type": "string", "minLength": 1}
_TIME = {"type": "string", "minLength": 1}  # parsed by the runner, which names a bad one
_LABEL = {"type": "string", "pattern": r"^[^/\s]+/[^/\s]+$"}  # source/category
_DENY_CODE = {"enum": [code for code in REASON_CODES if code.startswith("deny")]}


def _record(required: list[str], **properties: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": required,
        "properties": properties,
    }


_REQUEST_FIELDS: dict[str, Any] = {
    "actor": _TEXT,
    "organisation": _TEXT,
    "role": _TEXT,
    "purpose": _TEXT,
    "person_id": _TEXT,
    "now": _TIME,
    "case_reference": {"type": ["string", "null"]},
    "requester_person_id": {"type": ["string", "null"]},
    "holdings": {
        "type": "array",
        "items": _record(
            ["source", "provider", "categories"],
            source=_TEXT,
            provider=_TEXT,
            categories={"type": "array", "minItems": 1, "items": _TEXT},
        ),
    },
    "relationships": {
        "type": "array",
        "items": _record(
            ["org", "starts_at", "expires_at"],
            org=_TEXT,
            reason={"type": "string"},
            starts_at=_TIME,
            expires_at=_TIME,
            actor={"type": ["string", "null"]},
        ),
    },
    "choices": {
        "type": "array",
        "items": _record(
            ["kind", "purpose", "at"],
            kind={"enum": ["objection", "consent"]},
            purpose={"enum": list(PURPOSES)},
            given={"type": "boolean"},
            at=_TIME,
            source={"type": ["string", "null"]},
            note={"type": ["string", "null"]},
        ),
    },
    "break_glass": _record(
        ["started_at", "expires_at"],
        reason={"type": "string"},
        started_at=_TIME,
        expires_at=_TIME,
        actor=_TEXT,
    ),
}

_EXPECT = {
    **_record(
        [],
        permit={"type": ["array", "null"], "items": _LABEL},
        # (types and if/then rather than oneOf: a miss is then named, not "valid under none")
        deny={
            "type": ["null", "array", "object"],
            "items": _LABEL,
            "propertyNames": _LABEL,
            "additionalProperties": {
                "type": ["null", "string", "array"],
                "minItems": 1,
                "items": _DENY_CODE,
                "if": {"type": "string"},
                "then": _DENY_CODE,
            },
        },
        break_glass_used={"type": "boolean"},
        outcome={"enum": ["permit", "partial", "deny"]},
    ),
    "minProperties": 1,
}

POLICY_TEST_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "joinedup policy test file",
    **_record(
        ["cases"],
        description={"type": "string"},
        defaults=_record([], **_REQUEST_FIELDS),
        cases={
            "type": "array",
            "minItems": 1,
            "items": _record(
                ["expect"],
                name=_TEXT,
                description={"type": "string"},
                request=_record([], **_REQUEST_FIELDS),
                expect=_EXPECT,
            ),
        },
    ),
}
