"""What every reader shares: opening the file, progress in bytes, and checking mapped columns."""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from joinedup.ingest.errors import SourceFileError
from joinedup.ingest.mapping import SourceMapping
from joinedup.ingest.rows import SourceRow


class Reader:
    """A streaming reader of one extract. ``rows()`` yields :class:`SourceRow` in file order.

    ``total`` and ``position()`` measure progress in the same unit (bytes, or rows for xlsx),
    so a progress bar needs to know nothing about the format. ``ids_only`` (set before
    ``rows()``) says only record ids are wanted: a reader may then skip work such as reading a
    FHIR Patient's person fields. ``unchanged`` (set before ``rows()``; line formats only:
    JSON Lines and NDJSON) is a bitmap of physical lines — bit ``n % 8`` of byte ``n // 8`` for
    line ``n`` — that the ingest has found unchanged already: such a line is yielded as
    :data:`joinedup.ingest.rows.UNCHANGED` without being parsed.
    """

    def __init__(self, mapping: SourceMapping, path: Path) -> None:
        self.mapping = mapping
        self.path = path
        self.ids_only = False
        self.unchanged: bytearray | None = None
        # Whether a FHIR Patient's person fields are read only when first asked for (a
        # re-ingest, which asks for few of them) rather than at once.
        self.lazy_hints = False
        self._binary: BinaryIO | None = None
        try:
            self.total = path.stat().st_size
        except FileNotFoundError:
            raise SourceFileError(f"{path.name}: file not found") from None
        except OSError as exc:
            raise SourceFileError(f"{path.name}: cannot read the file ({exc.strerror})") from None
        if not path.is_file():
            raise SourceFileError(f"{path.name}: not a file")

    def rows(self) -> Iterator[SourceRow]:  # pragma: no cover - every reader overrides it
        raise NotImplementedError

    def position(self) -> int:
        """How far through ``total`` reading has got (approximate: readers buffer ahead)."""
        handle = self._binary
        if handle is None or handle.closed:
            return 0
        try:
            return handle.tell()
        except (OSError, ValueError):
            return 0

    def _open_binary(self) -> BinaryIO:
        try:
            self._binary = self.path.open("rb")
        except OSError as exc:
            raise SourceFileError(
                f"{self.path.name}: cannot read the file ({exc.strerror})"
            ) from None
        return self._binary


def check_columns(mapping: SourceMapping, header: Sequence[str], file_name: str) -> None:
    """Fail the whole file when the mapping names a column the header lacks (or holds twice).

    A missing column is a mapping written for another export: every row would lose that field,
    so it is better stopped at once than quarantined a million times.
    """
    present = set(header)
    problems = []
    for ref in dict.fromkeys(r.name for r in mapping.field_refs()):
        if ref not in present:
            hint = difflib.get_close_matches(ref, list(present), n=1, cutoff=0.6)
            if not hint:
                hint = [h for h in header if h.casefold() == ref.casefold()]
            problems.append(
                f"column '{ref}' is not in the file"
                + (f" (did you mean '{hint[0]}'?)" if hint else "")
            )
        elif list(header).count(ref) > 1:
            problems.append(f"column '{ref}' appears more than once in the header")
    if problems:
        shown = ", ".join(header[:30]) + (" …" if len(header) > 30 else "")
        raise SourceFileError(f"{file_name}: {'; '.join(problems)}. The columns are: {shown}")


def unique_names(header: Sequence[str]) -> list[str]:
    """Header names made unique (``name``, ``name (2)``) so no column is lost from the raw row."""
    seen: dict[str, int] = {}
    out = []
    for name in header:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def is_marked(bits: bytearray | None, line: int) -> bool:
    """Whether ``line`` is set in a bitmap of lines (see :attr:`Reader.unchanged`)."""
    return bits is not None and line >> 3 < len(bits) and bool(bits[line >> 3] >> (line & 7) & 1)
