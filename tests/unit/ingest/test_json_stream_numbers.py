"""A number cut by the read buffer after its '.', 'e' or sign is read whole (a Hypothesis find)."""

from __future__ import annotations

import io
import json

import pytest

from joinedup.ingest.readers.json_stream import bundle_entries

CASES = [
    ("a decimal", [1.5, 2]),
    ("an exponent", [1e5, -2.5e-3]),
    ("negative numbers", [-1, -0.25]),
    ("numbers in objects", [{"a": 10.125, "b": [3.5e10]}]),
]


@pytest.mark.parametrize(("entries"), [c[1] for c in CASES], ids=[c[0] for c in CASES])
@pytest.mark.parametrize("chunk", range(1, 12))
def test_numbers_split_anywhere_read_whole(entries: list[object], chunk: int) -> None:
    text = json.dumps({"resourceType": "Bundle", "entry": entries})
    assert list(bundle_entries(io.StringIO(text), chunk=chunk)) == entries
