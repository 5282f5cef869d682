"""Docs are tested: every mapping key and person field, and every ingest command and option."""

from __future__ import annotations

from pathlib import Path

import jsonschema

import joinedup.cli.ingest_cmd as ingest_cmd
from joinedup.ingest.mapping import PERSON_FIELDS, mapping_schema
from joinedup.ingest.reconcile import JSON_KEYS

DOCS = Path(__file__).resolve().parents[3] / "docs"


def test_the_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(mapping_schema())


def test_every_mapping_key_and_person_field_is_documented() -> None:
    text = (DOCS / "mappings.md").read_text(encoding="utf-8")
    schema = mapping_schema()
    keys = [k for k in schema["properties"] if k not in ("attributes", "person")]
    keys += [f"attributes.{k}" for k in schema["properties"]["attributes"]["properties"]]
    keys += list(schema["properties"]["person"]["properties"])
    assert set(schema["properties"]["person"]["properties"]) == set(PERSON_FIELDS)
    missing = [key for key in keys if f"`{key}`" not in text]
    assert not missing, f"undocumented in docs/mappings.md: {missing}"


def test_every_command_option_and_json_key_is_documented() -> None:
    text = (DOCS / "ingest.md").read_text(encoding="utf-8")
    mappings = (DOCS / "mappings.md").read_text(encoding="utf-8")
    assert "joinedup ingest" in text and "joinedup mapping check" in mappings
    assert [c.name for c in ingest_cmd.mapping_app.registered_commands] == ["check"]
    for option in ("--full", "--json"):
        assert option in text
    for key in JSON_KEYS:
        assert f"`{key}`" in text or key in text.split("`--json` prints")[1][:200], key
