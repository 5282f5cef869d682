"""Stream the entries of a FHIR Bundle without holding the whole document.

The standard library has no streaming JSON parser (and ``ijson`` is not a dependency), but its
decoder's ``raw_decode`` parses one complete value from a position in a string. So the Bundle's
top level is walked by hand — ``{``, keys, ``:``, ``,`` — and each value, above all each element
of ``entry``, is parsed with ``raw_decode`` from a buffer refilled as needed. Memory is one entry
plus the buffer, whatever the Bundle's size.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import IO, Any

_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\n\r"


_NUMBER_TAIL = re.compile(r"[0-9.eE+-]*")


class BundleSyntaxError(ValueError):
    """The document is not a JSON object with an ``entry`` array where one was expected."""


class _Buffer:
    def __init__(self, text: IO[str], chunk: int = 1 << 16) -> None:
        self.text = text
        self.chunk = chunk
        self.buf = ""
        self.pos = 0
        self.eof = False

    def _fill(self, at_least: int) -> bool:
        data = self.text.read(max(self.chunk, at_least))
        if not data:
            self.eof = True
            return False
        self.buf = self.buf[self.pos :] + data
        self.pos = 0
        return True

    def peek(self) -> str:
        """The next character that is not whitespace ('' at the end), without consuming it."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in _WHITESPACE:
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._fill(self.chunk):
                return ""

    def expect(self, char: str) -> None:
        found = self.peek()
        if found != char:
            raise BundleSyntaxError(f"expected '{char}', found '{found or 'the end'}'")
        self.pos += 1

    def value(self) -> Any:
        """Parse one complete JSON value, reading more while it runs past the buffer."""
        self.peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError:
                if self.eof or not self._fill(len(self.buf)):
                    raise
                continue
            # A number ending at the buffer's end may continue in the next read, and so may
            # one cut after a '.', 'e' or sign ("1." parses as 1, leaving the '.' behind).
            if (
                not self.eof
                and _NUMBER_TAIL.fullmatch(self.buf, end) is not None
                and (end == len(self.buf) or isinstance(value, int | float))
                and self._fill(self.chunk)
            ):
                continue
            self.pos = end
            return value


def bundle_entries(text: IO[str], *, chunk: int = 1 << 16) -> Iterator[Any]:
    """Yield each element of the top-level ``entry`` array of the JSON object in ``text``.

    ``text`` is read ``chunk`` characters at a time (more while one value runs past that).
    Raises :class:`BundleSyntaxError` (or ``json.JSONDecodeError``) where the document breaks,
    and ``BundleSyntaxError`` at the end if ``resourceType`` was not ``Bundle``.
    """
    buf = _Buffer(text, chunk)
    buf.expect("{")
    kind = None
    if buf.peek() == "}":
        raise BundleSyntaxError("the object is empty")
    while True:
        key = buf.value()
        if not isinstance(key, str):
            raise BundleSyntaxError("expected a key")
        buf.expect(":")
        if key == "entry" and buf.peek() == "[":
            buf.expect("[")
            if buf.peek() == "]":
                buf.expect("]")
            else:
                while True:
                    yield buf.value()
                    if buf.peek() == ",":
                        buf.expect(",")
                        continue
                    buf.expect("]")
                    break
        else:
            value = buf.value()
            if key == "resourceType":
                kind = value
                if kind != "Bundle":
                    raise BundleSyntaxError(f"resourceType is {kind!r}, not 'Bundle'")
        if buf.peek() == ",":
            buf.expect(",")
            continue
        buf.expect("}")
        break
    if kind != "Bundle":
        raise BundleSyntaxError("no resourceType 'Bundle'")
