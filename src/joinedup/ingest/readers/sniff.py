"""Refusing, at the first bytes, a file that is not text: a workbook, a PDF, a program.

A text reader given a binary file would carry on regardless: an ``.xlsx`` given to a CSV mapping
becomes one "header" of zip garbage, and the message naming the missing columns then shows NUL,
ESC and compressed XML to the terminal and to ``ingest_batches.message``. Looking at the start of
the file first gives one clear message instead, and nothing is stored.
"""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

from joinedup.ingest.errors import SourceFileError

#: How much of the start of a file is looked at.
SNIFF_BYTES = 8192

_ZIP = b"PK\x03\x04"
_SIGNATURES = (
    (b"%PDF", "a PDF document, not {text}"),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an old-style Excel .xls workbook (or another Office document), not {text}; "
        "save it as .xlsx (format: xlsx in the mapping) or as CSV",
    ),
    (b"\x1f\x8b", "a gzip-compressed file, not {text}; decompress it first"),
    (b"\x7fELF", "a program, not {text}"),
    (b"\x89PNG", "a PNG image, not {text}"),
    (b"\xff\xd8\xff", "a JPEG image, not {text}"),
    (b"SQLite format 3\x00", "an SQLite database, not {text}"),
)
# C0 control bytes that no text export holds (tab, line ends, form feed, vertical tab and the
# DOS end-of-file mark 0x1A are left out), and DEL.
_CONTROLS = bytes([*range(0x01, 0x09), *range(0x0E, 0x1A), *range(0x1B, 0x20), 0x7F])
_WIDE = frozenset({"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"})
_WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def is_wide(codec: str) -> bool:
    """Whether ``codec`` is UTF-16 or UTF-32, whose text cannot be split into lines as bytes."""
    try:
        return codecs.lookup(codec).name in _WIDE
    except LookupError:
        return False


def refuse_binary(path: Path, head: bytes, codec: str, text: str) -> None:
    """Raise :class:`SourceFileError` when ``head`` (the file's first bytes) says it is not text.

    ``codec`` is the mapping's encoding (``auto`` or a codec); ``text`` names what was expected
    (``CSV text``). Recognised: a zip archive (an ``.xlsx`` workbook is one), the signatures of
    PDF, ``.xls``, gzip, programs, images and SQLite, UTF-16 without a byte-order mark, and any
    other start with NUL bytes that is mostly NUL or where control bytes that text does not
    hold are one in twenty of the rest (random bytes have one in ten). NUL bytes in otherwise
    plain text (some old systems pad fields with them) are left to the reader.
    """
    name = path.name
    if head.startswith(_ZIP):
        raise SourceFileError(f"{name}: {_zip_kind(path, text)}")
    for signature, what in _SIGNATURES:
        if head.startswith(signature):
            raise SourceFileError(f"{name}: this looks like {what.format(text=text)}")
    if is_wide(codec) or head.startswith(_WIDE_BOMS) or b"\x00" not in head:
        return
    if codec == "auto":
        wide = _utf16_without_bom(head)
        if wide is not None:
            raise SourceFileError(
                f"{name}: this looks like UTF-16 text without a byte-order mark (a NUL byte "
                f"beside every letter); set encoding: {wide} in the mapping"
            )
    rest = head.replace(b"\x00", b"")
    controls = len(rest) - len(rest.translate(None, _CONTROLS))
    if len(rest) < len(head) // 2 or controls * 20 > len(rest):
        raise SourceFileError(
            f"{name}: this looks like a binary file (NUL and control bytes), not {text}; "
            "check that the right file was given"
        )


def _zip_kind(path: Path, text: str) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        names = set()
    if "word/document.xml" in names:
        return f"this looks like a Word document, not {text}"
    if names and "xl/workbook.xml" not in names:
        return f"this is a zip archive, not {text}; unzip it first"
    return f"this looks like an Excel workbook, not {text}; set format: xlsx in the mapping"


def _utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when ``head`` has NUL in (nearly) every odd or every even
    byte and (nearly) none in the others: ASCII text written two bytes a letter."""
    sample = head[: len(head) & ~1]
    even, odd = sample[0::2], sample[1::2]
    if len(even) < 4:
        return None
    if odd.count(0) * 10 >= len(odd) * 9 and even.count(0) * 10 < len(even):
        return "utf-16-le"
    if even.count(0) * 10 >= len(even) * 9 and odd.count(0) * 10 < len(odd):
        return "utf-16-be"
    return None


def read_head(path: Path) -> bytes:
    """The first :data:`SNIFF_BYTES` of ``path`` (empty if it cannot be read: the reader that
    opens it next says why)."""
    try:
        with path.open("rb") as handle:
            return handle.read(SNIFF_BYTES)
    except OSError:
        return b""
