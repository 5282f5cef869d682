"""JSON Lines: one JSON object per line, looked into with dotted paths (``person.name.family``).

Each line is decoded on its own, so one line of bad bytes or broken JSON is quarantined with its
line number while the rest of the file goes on. JSON Lines is UTF-8 by definition; ``auto`` reads
it so (a BOM on the first line is allowed) and an explicit ASCII-compatible codec is honoured.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import orjson

from joinedup.ingest.readers.base import Reader, is_marked
from joinedup.ingest.rows import UNCHANGED, SourceRow, bad, blank


def parse_json_line(data: bytes, codec: str) -> tuple[Any, str, str | None]:
    """Decode and parse one line: ``(value, text, problem)``; ``problem`` is None if it parsed.

    orjson parses in a third of the time; whatever it refuses (``NaN``, integers beyond 64 bits,
    a lone surrogate escape, broken JSON) goes to ``json``, which decides: so the value, and the
    reason given for a bad line, are exactly what ``json`` alone would give.
    """
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        return None, data.decode(codec, errors="replace"), f"not valid {codec} text ({exc.reason})"
    try:
        return orjson.loads(text), text, None
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(text), text, None
    except json.JSONDecodeError as exc:
        return None, text, f"not valid JSON ({exc.msg} at column {exc.colno})"
    except RecursionError:
        return None, text, "not usable JSON (nested too deeply)"


def json_kind(value: Any) -> str:
    """How to name a JSON value in a reason: ``a list``, ``a string`` …"""
    names = {list: "a list", str: "a string", bool: "true/false", type(None): "null"}
    return names.get(type(value), "a number")


class JsonLinesReader(Reader):
    """Rows of a JSON Lines file; ``values`` is each line's object."""

    def rows(self) -> Iterator[SourceRow]:
        """Yield each line as a row, a blank, or a bad row with why it could not be read."""
        codec = "utf-8-sig" if self.mapping.encoding == "auto" else self.mapping.encoding
        binary = self._open_binary()
        unchanged = self.unchanged
        try:
            for number, data in enumerate(binary, start=1):
                if unchanged is not None and is_marked(unchanged, number):
                    codec = "utf-8" if codec == "utf-8-sig" else codec
                    yield UNCHANGED
                    continue
                if not data.strip():
                    yield blank(number)
                    continue
                value, text, problem = parse_json_line(data, codec)
                text = text.rstrip("\r\n")
                if number == 1 and codec == "utf-8-sig":
                    codec = "utf-8"
                if problem is not None:
                    yield bad(number, text, problem)
                elif not isinstance(value, dict):
                    yield bad(number, text, f"expected a JSON object, found {json_kind(value)}")
                else:
                    yield SourceRow(line=number, raw=text, values=value)
        finally:
            binary.close()
