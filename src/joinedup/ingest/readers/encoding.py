"""Choosing the text encoding of an extract: UTF-8 (with or without BOM), else what the bytes say.

Council systems export Windows-1252 as often as UTF-8, and a £ or é may first appear a million
rows in. So ``auto`` does not guess from the opening bytes alone: it streams the whole file
through an incremental UTF-8 decoder (cheap, constant memory). A file that is all UTF-8 is read
as UTF-8. A file with no multi-byte UTF-8 in it at all but bytes that are not UTF-8 is a
single-byte file: charset-normalizer is asked about a sample around the first offending byte,
and Windows-1252 comes first whenever it decodes that sample (charset-normalizer, given a few
accented letters in mostly ASCII text, often names a cousin — cp1250, mac_roman — that would
turn £ into something else).

A file holding **both** — valid multi-byte UTF-8 and bytes that are not UTF-8 — is a UTF-8
file into which something wrote a few rows in Windows-1252 (a second export appended, a row
edited in another tool), or one cut off in the middle of its last character. Reading it all
as Windows-1252 would turn every UTF-8 ``ë`` into ``Ã«``; so it is read as UTF-8 and only the
bytes that are not UTF-8 are read as Windows-1252 (the :data:`CP1252_FALLBACK` error handler),
and the physical lines holding them are noted so that the rows they belong to can be flagged.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from charset_normalizer import from_bytes

_CHUNK = 1 << 20
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

#: The codecs error handler that decodes each byte UTF-8 refuses as Windows-1252 (the five
#: bytes Windows-1252 leaves undefined as Latin-1), so a mixed file reads without a guess.
CP1252_FALLBACK = "joinedup-cp1252-fallback"

# Each byte as Windows-1252 would show it; the five it does not define, as Latin-1 does.
_CP1252 = tuple(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(256))
# In text decoded with surrogateescape: a character that stands for a byte that was not UTF-8.
_ESCAPED = re.compile("[\udc80-\udcff]")


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return "".join(_CP1252[b] for b in exc.object[exc.start : exc.end]), exc.end


codecs.register_error(CP1252_FALLBACK, _cp1252_fallback)


@dataclass(frozen=True, slots=True)
class Detected:
    """What ``auto`` found: the codec, the error handler to decode with, and (mixed files only)
    a bitmap of the physical lines holding bytes the handler decodes — bit ``n % 8`` of byte
    ``n // 8`` for line ``n``, counted as :class:`io.TextIOWrapper` with ``newline=""`` splits
    lines (``\\r\\n``, ``\\r`` and ``\\n`` each end one)."""

    codec: str
    errors: str = "strict"
    fallback_lines: bytearray | None = None


def detect_encoding(path: Path) -> str:
    """The codec to read ``path`` with: a BOM's codec, ``utf-8``, or the best single-byte guess.

    For a file of mixed UTF-8 and Windows-1252 this is ``utf-8``, to be read with the
    :data:`CP1252_FALLBACK` error handler: :func:`detect` says so.
    """
    return detect(path).codec


def detect(path: Path) -> Detected:
    """How to decode ``path``: see the module's docstring.

    Never fails: bytes that fit nothing else are read as Windows-1252 where possible and as
    Latin-1 (which maps every byte) otherwise, so odd bytes quarantine rows instead of the file.
    A UTF-8 file costs one strict decoding pass, as it always has; only a file with bytes that
    are not UTF-8 is read again (to see whether it holds multi-byte UTF-8 too), and only a
    mixed one a third time (to find the lines those bytes are on).
    """
    with path.open("rb") as handle:
        head = handle.read(4)
        for bom, codec in _BOMS:
            if head.startswith(bom):
                return Detected(codec)
        handle.seek(0)
        first_bad = _first_bad_byte(handle)
        if first_bad is None:
            return Detected("utf-8")
        handle.seek(0)
        if _has_multibyte(handle):
            handle.seek(0)
            return Detected("utf-8", CP1252_FALLBACK, _bad_lines(handle))
        handle.seek(max(0, first_bad - _CHUNK // 2))
        sample = handle.read(_CHUNK)
        handle.seek(0)
        sample = handle.read(_CHUNK // 2) + b"\n" + sample
        return Detected(_single_byte_guess(sample))


def _first_bad_byte(handle: BinaryIO) -> int | None:
    """About where the first byte that is not UTF-8 is, or ``None`` if the file is UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    while chunk := handle.read(_CHUNK):
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            return offset + exc.start
        offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return max(0, offset - 1)  # a multi-byte sequence cut off at the very end
    return None


def _has_multibyte(handle: BinaryIO) -> bool:
    """Whether the file holds valid multi-byte UTF-8 among bytes that are not UTF-8.

    Decoded with ``surrogateescape``, each byte that is not UTF-8 becomes one character, as
    each ASCII byte does: only a multi-byte sequence makes fewer characters than bytes.
    """
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    chars = size = 0
    while chunk := handle.read(_CHUNK):
        chars += len(decoder.decode(chunk))
        size += len(chunk)
    chars += len(decoder.decode(b"", final=True))
    return chars < size


def _bad_lines(handle: BinaryIO) -> bytearray:
    """A bitmap of the physical lines holding bytes that are not UTF-8 (see :class:`Detected`)."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    lines = _Lines()
    while chunk := handle.read(_CHUNK):
        lines.feed(decoder.decode(chunk))
    lines.feed(decoder.decode(b"", final=True))
    return lines.bad


class _Lines:
    """Counts physical lines through text decoded with ``surrogateescape``, piece by piece,
    marking those that hold an escaped byte."""

    def __init__(self) -> None:
        self.bad = bytearray()
        self.line = 1  # the physical line the next piece starts on
        self.after_cr = False  # whether the text so far ends with "\r" (a "\n" may follow)

    def feed(self, text: str) -> None:
        done = 0
        for match in _ESCAPED.finditer(text):
            at = match.start()
            self._count(text[done:at])
            done = at
            line = self.line
            if line >> 3 >= len(self.bad):
                self.bad.extend(bytes((line >> 3) + 1 - len(self.bad)))
            self.bad[line >> 3] |= 1 << (line & 7)
        self._count(text[done:])

    def _count(self, text: str) -> None:
        if not text:
            return
        ends = text.count("\n") + text.count("\r") - text.count("\r\n")
        if self.after_cr and text[0] == "\n":
            ends -= 1  # "\r" ended the last piece, "\n" begins this one: one line end
        self.line += ends
        self.after_cr = text[-1] == "\r"


def _single_byte_guess(sample: bytes) -> str:
    if _decodes(sample, "cp1252"):
        return "cp1252"
    best = from_bytes(sample).best()
    if best is not None and _decodes(sample, best.encoding):
        return str(best.encoding)
    return "latin-1"


def _decodes(sample: bytes, codec: str) -> bool:
    try:
        sample.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def first_undecodable_line(path: Path, codec: str) -> int | None:
    """The line number (from 1) holding the first bytes ``codec`` cannot decode, if any.

    Used only to word an error: text readers decode ahead in blocks, so where they fail says
    little about which line is at fault.
    """
    decoder = codecs.getincrementaldecoder(codec)()
    lines = 1
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                # exc.start counts from the chunk, plus whatever the decoder still held back.
                held = len(exc.object) - len(chunk)
                return lines + chunk[: max(0, exc.start - held)].count(b"\n")
            lines += chunk.count(b"\n")
    return None
