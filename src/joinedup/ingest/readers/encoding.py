"""Choosing the text encoding of an extract: UTF-8 (with or without BOM), else what the bytes say.

Council systems export Windows-1252 as often as UTF-8, and a £ or é may first appear a million
rows in. So ``auto`` does not guess from the opening bytes alone: it streams the whole file
through an incremental UTF-8 decoder (cheap, constant memory) and only when that fails asks
charset-normalizer about a sample around the first offending byte. Windows-1252 comes first
whenever it decodes that sample: charset-normalizer, given a few accented letters in mostly
ASCII text, often names a cousin (cp1250, mac_roman) that would turn £ into something else.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from charset_normalizer import from_bytes

_CHUNK = 1 << 20
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def detect_encoding(path: Path) -> str:
    """The codec to read ``path`` with: a BOM's codec, ``utf-8``, or the best single-byte guess.

    Never fails: bytes that fit nothing else are read as Windows-1252 where possible and as
    Latin-1 (which maps every byte) otherwise, so odd bytes quarantine rows instead of the file.
    """
    with path.open("rb") as handle:
        head = handle.read(4)
        for bom, codec in _BOMS:
            if head.startswith(bom):
                return codec
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        offset = 0
        while chunk := handle.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                handle.seek(max(0, offset + exc.start - _CHUNK // 2))
                sample = handle.read(_CHUNK)
                handle.seek(0)
                sample = handle.read(_CHUNK // 2) + b"\n" + sample
                return _single_byte_guess(sample)
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"  # a truncated multi-byte sequence at the very end
    return "utf-8"


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
