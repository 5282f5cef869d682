"""JSON Lines: one JSON object per line, looked into with dotted paths (``person.name.family``).

Each line is decoded on its own, so one line of bad bytes or broken JSON is quarantined with its
line number while the rest of the file goes on. JSON Lines is UTF-8 by definition; ``auto`` reads
it so (a BOM on the first line is allowed) and an explicit ASCII-compatible codec is honoured,
line by line as bytes. UTF-16 and UTF-32 (PowerShell writes UTF-16 by default) cannot be split
into lines as bytes: a file starting with their byte-order mark, or a mapping naming one of them,
is decoded as text first and then split into lines.
"""

from __future__ import annotations

import codecs
import io
import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

import orjson

from joinedup.ingest.readers.base import Reader, is_marked
from joinedup.ingest.readers.sniff import is_wide, read_head, refuse_binary
from joinedup.ingest.rows import UNCHANGED, SourceRow, bad, blank

#: The codecs error handler that turns each byte a wide codec cannot decode into a lone
#: surrogate (U+DC00 + the byte): valid UTF-16 or UTF-32 never decodes to one, so a line
#: holding one is known to be undecodable and quarantined, and the file goes on.
MARK_UNDECODABLE = "joinedup-mark-undecodable"
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATES = re.compile("[\ud800-\udfff]+")
# A \uD800–\uDFFF escape in JSON text (or text that merely looks like one: the value decides).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _mark_undecodable(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return "".join(chr(0xDC00 + b) for b in exc.object[exc.start : exc.end]), exc.end


codecs.register_error(MARK_UNDECODABLE, _mark_undecodable)


def line_codec(encoding: str, head: bytes) -> str:
    """The codec to read a JSON line format with: the mapping's, or for ``auto`` a UTF-16 or
    UTF-32 byte-order mark's, else UTF-8 (a UTF-8 BOM allowed)."""
    if encoding != "auto":
        return encoding
    for bom, codec in _WIDE_BOMS:
        if head.startswith(bom):
            return codec
    return "utf-8-sig"


def wide_lines(binary: BinaryIO, codec: str) -> Iterator[str]:
    """The lines of a UTF-16 or UTF-32 file as text, split on ``\\n`` only (as bytes would be),
    ends kept; a byte-order mark is dropped, undecodable bytes are marked (see
    :data:`MARK_UNDECODABLE`)."""
    text = io.TextIOWrapper(binary, encoding=codec, errors=MARK_UNDECODABLE, newline="\n")
    first = True
    for line in text:
        if first:
            first = False
            if line.startswith("\ufeff"):
                line = line[1:]
        yield line


def parse_json_line(data: bytes, codec: str) -> tuple[Any, str, str | None]:
    """Decode and parse one line: ``(value, text, problem)``; ``problem`` is None if it parsed.

    ``text`` is the line without its line end. See :func:`parse_json_text`.
    """
    try:
        text = data.decode(codec).rstrip("\r\n")
    except UnicodeDecodeError as exc:
        text = data.decode(codec, errors="replace").rstrip("\r\n")
        return None, text, f"not valid {codec} text ({exc.reason})"
    try:  # parse_json_text, inlined: this is most of the scan's work on a line
        return orjson.loads(text), text, None
    except orjson.JSONDecodeError:
        return _refused(text)


def parse_wide_line(line: str, codec: str) -> tuple[Any, str, str | None]:
    """:func:`parse_json_line` for a line of :func:`wide_lines`."""
    if _SURROGATE.search(line) is not None:
        text = _SURROGATES.sub("\ufffd", line).rstrip("\r\n")
        return None, text, f"not valid {codec} text (bytes that do not decode)"
    return parse_json_text(line)


def parse_json_text(text: str) -> tuple[Any, str, str | None]:
    """Parse one line of text (its line end is dropped first): ``(value, text, problem)``.

    orjson parses in a third of the time; whatever it refuses (``NaN``, integers beyond 64 bits,
    a lone surrogate escape, broken JSON) goes to ``json``, which decides — so the value, and
    the reason given for a bad line, are what ``json`` alone would give — except that a string
    holding a lone surrogate (``"\\ud800"``: half of a pair) is refused too: it is not Unicode
    text, and no database or hash can take it. Columns in a reason count from 1 on the line.
    """
    text = text.rstrip("\r\n")
    try:
        return orjson.loads(text), text, None
    except orjson.JSONDecodeError:
        return _refused(text)


def _refused(text: str) -> tuple[Any, str, str | None]:
    """What ``json`` makes of a line orjson refused (see :func:`parse_json_text`)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, text, f"not valid JSON ({exc.msg} at column {exc.colno})"
    except RecursionError:
        return None, text, "not usable JSON (nested too deeply)"
    if _SURROGATE_ESCAPE.search(text) is not None:
        lone = lone_surrogate(value)
        if lone is not None:
            # The line parsed: what holds no lone surrogate is known (certain_values).
            return value, text, invalid_escape(lone)
    return value, text, None


def certain_values(value: Any) -> dict[str, Any] | None:
    """What a line refused for a lone surrogate still says for certain: its object without
    the entries (at any depth) whose key or value holds one. The JSON parsed, so every other
    value is known, the record id among them (see :func:`joinedup.ingest.rows.bad`). None for
    a line that did not parse or is not an object: nothing in it is certain.

    >>> certain_values({"id": "7", "name": "K\ud800", "a": {"b": 1, "c": ["\udc00"]}})
    {'id': '7', 'a': {'b': 1}}
    """
    if not isinstance(value, dict):
        return None
    kept: dict[str, Any] = {}
    for key, item in value.items():
        if lone_surrogate(key) is not None:
            continue
        if isinstance(item, dict):
            kept[key] = certain_values(item)
        elif lone_surrogate(item) is None:
            kept[key] = item
    return kept


def lone_surrogate(value: Any) -> str | None:
    """The first lone surrogate in any string of ``value`` (keys included), or ``None``."""
    if isinstance(value, str):
        found = _SURROGATE.search(value)
        return found.group() if found is not None else None
    if isinstance(value, dict):
        for key, item in value.items():
            lone = lone_surrogate(key) or lone_surrogate(item)
            if lone is not None:
                return lone
    elif isinstance(value, list):
        for item in value:
            lone = lone_surrogate(item)
            if lone is not None:
                return lone
    return None


def invalid_escape(surrogate: str) -> str:
    """The reason for a lone surrogate: it names the escape, never the text around it."""
    return (
        f"invalid Unicode escape (\\u{ord(surrogate):04x} is half of a surrogate pair "
        "and the other half is missing)"
    )


def escape_surrogates(text: str) -> str:
    """``text`` with each lone surrogate written as its JSON escape, so it can be stored."""
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def json_kind(value: Any) -> str:
    """How to name a JSON value in a reason: ``a list``, ``a string`` …"""
    names = {list: "a list", str: "a string", bool: "true/false", type(None): "null"}
    return names.get(type(value), "a number")


class JsonLinesReader(Reader):
    """Rows of a JSON Lines file; ``values`` is each line's object."""

    def rows(self) -> Iterator[SourceRow]:
        """Yield each line as a row, a blank, or a bad row with why it could not be read."""
        head = read_head(self.path)
        refuse_binary(self.path, head, self.mapping.encoding, "JSON Lines text")
        codec = line_codec(self.mapping.encoding, head)
        binary = self._open_binary()
        try:
            if is_wide(codec):
                yield from self._wide(binary, codec)
                return
            unchanged = self.unchanged
            for number, data in enumerate(binary, start=1):
                if unchanged is not None and is_marked(unchanged, number):
                    codec = "utf-8" if codec == "utf-8-sig" else codec
                    yield UNCHANGED
                    continue
                if not data.strip():
                    yield blank(number)
                    continue
                value, text, problem = parse_json_line(data, codec)
                if number == 1 and codec == "utf-8-sig":
                    codec = "utf-8"
                if problem is not None:
                    yield _row(number, value, text, problem)
                elif not isinstance(value, dict):
                    yield bad(number, text, not_an_object(value))
                else:
                    yield SourceRow(line=number, raw=text, values=value)
        finally:
            binary.close()

    def _wide(self, binary: BinaryIO, codec: str) -> Iterator[SourceRow]:
        unchanged = self.unchanged
        for number, line in enumerate(wide_lines(binary, codec), start=1):
            if unchanged is not None and is_marked(unchanged, number):
                yield UNCHANGED
            elif not line.strip():
                yield blank(number)
            else:
                yield _row(number, *parse_wide_line(line, codec))


def _row(number: int, value: Any, text: str, problem: str | None) -> SourceRow:
    if problem is not None:
        in_array = problem.startswith("not valid JSON") and _array_line(number, text)
        return in_array or bad(number, text, problem, certain=certain_values(value))
    if not isinstance(value, dict):
        return bad(number, text, not_an_object(value))
    return SourceRow(line=number, raw=text, values=value)


def not_an_object(value: Any) -> str:
    """Why a line holding ``value`` (not an object) is no record. An array of objects on one
    line is what a "JSON export" writes for the whole file, so the reason says how to make
    JSON Lines of it rather than only that a list was found."""
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        count = f"{len(value)} object" + ("s" if len(value) > 1 else "")
        return (
            f"expected a JSON object, found a JSON array of {count} on one line: JSON Lines "
            "holds one object a line (write each on its own line, e.g. jq -c '.[]' FILE)"
        )
    return f"expected a JSON object, found {json_kind(value)}"


def _array_line(number: int, text: str) -> SourceRow | None:
    """A line of a JSON array written one object a line (``[``, ``{…},``, ``{…}``, ``]``), as
    exporters that write "JSON" rather than JSON Lines do: the brackets are no record, and
    an object with the array's comma (or bracket) is the record it holds. None for a line
    that is not so: its own problem stands. (Every line was quarantined as not JSON.)"""
    inner = text.strip()
    if inner in ("[", "]", "],"):
        return blank(number)
    if inner[:1] == "[":
        inner = inner[1:].lstrip()
    if inner[-1:] in (",", "]"):
        inner = inner[:-1].rstrip()
    if inner[:1] != "{" or inner[-1:] != "}":
        return None
    value, _, problem = parse_json_text(inner)
    if problem is not None or not isinstance(value, dict):
        return None
    return SourceRow(line=number, raw=text, values=value)
