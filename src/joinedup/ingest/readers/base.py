"""What every reader shares: opening the file, progress in bytes, and checking mapped columns."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from joinedup.ingest.errors import SourceFileError
from joinedup.ingest.mapping import SourceMapping
from joinedup.ingest.rows import SourceRow

#: Said of a missing or irregular extract: "-" and pipes are what people try next.
_NOT_A_PIPE = (
    " (an extract is read from a file, twice: first for its ids; save standard input or a "
    "decompressed stream to a file first)"
)


class Reader:
    """A streaming reader of one extract. ``rows()`` yields :class:`SourceRow` in file order.

    ``total`` and ``position()`` measure progress in the same unit (bytes, or rows for xlsx),
    so a progress bar needs to know nothing about the format. ``ids_only`` (set before
    ``rows()``) says only record ids are wanted: a reader may then skip work such as reading a
    FHIR Patient's person fields. ``unchanged`` (set before ``rows()``; line formats only:
    JSON Lines and NDJSON) is a bitmap of physical lines — bit ``n % 8`` of byte ``n // 8`` for
    line ``n`` — that the ingest has found unchanged already: such a line is yielded as
    :data:`joinedup.ingest.rows.UNCHANGED` without being parsed.

    Once ``rows()`` is done, ``hidden`` and ``unsaved`` count what a workbook hid (rows hidden
    in it, formulas in mapped columns with no saved result) and ``notes`` holds what the
    reader has to say about the file as a whole; the reconciliation reports them.
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
        self.hidden = 0
        self.unsaved = 0
        self.notes: list[str] = []
        try:
            self.total = path.stat().st_size
        except FileNotFoundError:
            hint = _NOT_A_PIPE if str(path) == "-" else ""
            raise SourceFileError(f"{path.name}: file not found{hint}") from None
        except OSError as exc:
            raise SourceFileError(f"{path.name}: cannot read the file ({exc.strerror})") from None
        if not path.is_file():
            # A directory, or a pipe (/dev/stdin, <(zcat …)), which cannot be read twice.
            hint = "" if path.is_dir() else _NOT_A_PIPE
            raise SourceFileError(f"{path.name}: not a file{hint}")

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


def match_case(mapping: SourceMapping, header: Sequence[str]) -> tuple[list[str], list[str]]:
    """``header`` with each column the mapping names in another case (``SURNAME`` for
    ``surname``) renamed to the mapping's spelling, and a note for each.

    Exports change the case of their headings between versions (a report tool upper-cases
    them, a new release title-cases them); stopping a nightly ingest for that helps no one,
    but it is said in the reconciliation. Renamed only when exactly one column matches and the
    mapping does not name that column itself; two candidates (``Name`` and ``NAME``) are left
    for :func:`check_columns` to refuse. A header that came with the mapping (``columns:``)
    is the mapping's own and is not passed here.
    """
    out = list(header)
    present = set(header)
    wanted = list(dict.fromkeys(r.name for r in mapping.field_refs()))
    notes: list[str] = []
    for ref in wanted:
        if ref in present:
            continue
        folded = ref.casefold()
        found = [i for i, h in enumerate(out) if h.casefold() == folded and h not in wanted]
        if len(found) != 1:
            continue
        notes.append(
            f"column '{shown(out[found[0]])}' was read for '{ref}', which the mapping names: the "
            "two differ only in case (write the mapping's name as the header does to silence "
            "this)"
        )
        out[found[0]] = ref
    return out, notes


def check_columns(mapping: SourceMapping, header: Sequence[str], file_name: str) -> None:
    """Fail the whole file when the mapping names a column the header lacks (or holds twice).

    A missing column is a mapping written for another export: every row would lose that field,
    so it is better stopped at once than quarantined a million times.

    The message goes to the terminal and to ``ingest_batches.message``, so it never repeats a
    header cell that may be personal data. When no column the mapping names is found at all
    (not even in another case), the "header" is most likely the first row of a file without
    one: the message says so and shows no cell. Otherwise the columns are listed, but a cell
    that looks like data (a date, a long number, an email address, a postcode) is hidden and
    never offered as a "did you mean".
    """
    present = set(header)
    wanted = list(dict.fromkeys(r.name for r in mapping.field_refs()))
    if all(ref in present and header.count(ref) == 1 for ref in wanted):
        return
    if mapping.columns is None:  # the header came from the file, not from the mapping
        folded = {h.casefold() for h in header}
        if not any(ref in present or ref.casefold() in folded for ref in wanted):
            raise SourceFileError(_headerless(header, wanted, file_name))
        hidden = {h for h in header if looks_like_data(h)}
    else:
        hidden = set()
    names = [h for h in header if h not in hidden]
    problems = []
    for ref in wanted:
        cased = [h for h in names if h.casefold() == ref.casefold()]
        if ref not in present and len(cased) > 1:
            problems.append(
                f"column '{ref}' is not in the file: "
                + " and ".join(f"'{shown(h)}'" for h in cased)
                + " differ from it only in case (name one exactly in the mapping)"
            )
        elif ref not in present:
            hint = difflib.get_close_matches(ref, names, n=1, cutoff=0.6)
            if not hint:
                hint = [h for h in names if h.casefold() == ref.casefold()]
            problems.append(
                f"column '{ref}' is not in the file"
                + (f" (did you mean '{shown(hint[0])}'?)" if hint else "")
            )
        elif header.count(ref) > 1:
            problems.append(f"column '{ref}' appears more than once in the header")
    listed = [HIDDEN if h in hidden else shown(h) for h in header[:30]]
    columns = ", ".join(listed) + (" …" if len(header) > 30 else "")
    raise SourceFileError(f"{file_name}: {'; '.join(problems)}. The columns are: {columns}")


#: How a header cell that looks like data is shown in a message.
HIDDEN = "[hidden: looks like data]"

# What a column name is not: a date (01/01/1970, 1970-01-01, 3 Apr 1961), five digits or more
# in a row (an NHS number, a phone number, a compact date), an email address or a postcode.
_DATA = re.compile(
    r"\d{1,4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,4}"
    r"|\d{1,2}[-/ ]?[a-z]{3,9}[-/ ]?\d{2,4}"
    r"|\d{5,}"
    r"|@"
    r"|\b[a-z]{1,2}\d[a-z\d]?\s*\d[a-z]{2}\b",
    re.IGNORECASE,
)


def looks_like_data(cell: str) -> bool:
    """Whether a header cell looks like a value rather than a column name.

    A bare number counts too (a record id in the first row of a file with no header), and so
    does text with control characters in it (a binary file read as text).

    >>> [looks_like_data(c) for c in ("1", "01/01/1970", "9434765919", "Date of birth", "ref")]
    [True, True, True, False, False]
    """
    text = cell.strip()
    if not text:
        return False
    if not text.isprintable() or text.replace(" ", "").isdigit():
        return True
    return _DATA.search(text) is not None


def shown(name: str, limit: int = 40) -> str:
    """A header name as it may appear in a message: one line, printable, at most ``limit``
    characters."""
    text = "".join(c if c.isprintable() else "?" for c in name)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _headerless(header: Sequence[str], wanted: list[str], file_name: str) -> str:
    data = any(looks_like_data(h) for h in header)
    what = (
        "the first row looks like data rather than column names"
        if data
        else "none of the columns the mapping names is in the header row"
    )
    reads = ", ".join(wanted[:10]) + (" …" if len(wanted) > 10 else "")
    return (
        f"{file_name}: {what} ({len(header)} cells; the mapping reads {reads}). If the file "
        "has no header row, name its columns in file order with columns: [...] in the mapping "
        "(see docs/mappings.md); otherwise check that the mapping was written for this export"
    )


#: Rows looked at below a header that lacks the mapped columns, for the one that has them.
LOOK_AHEAD = 50


def header_row(mapping: SourceMapping, rows: Iterable[tuple[int, Sequence[Any]]]) -> int | None:
    """The number of the first of ``rows`` (``(number, cells)`` pairs) whose cells name every
    column the mapping reads, or None.

    Exports put report titles, run dates and blank lines above the header; when the first
    row is not the header, this finds the one that is, so the message can say what
    ``skip_rows`` (or ``sheet``) to set instead of only that the columns are missing.
    """
    wanted = {r.name for r in mapping.field_refs()}
    for number, cells in rows:
        names = {str(c).strip() for c in cells if c is not None}
        if wanted <= names:
            return number
    return None


def skip_rows_hint(number: int, unit: str) -> str:
    """What to set when the header is on ``number`` (a physical line or a sheet row)."""
    return (
        f"The columns the mapping names are on {unit} {number}: set skip_rows: {number - 1} "
        "in the mapping"
    )


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


# The last lines of a report: a total or count ("Total records: 4,123", SQL*Plus's "4123 rows
# selected.", sqlcmd's "(4123 rows affected)") or an end marker ("*** End of report ***"); and
# the footer of each page ("Page 1 of 3", Crystal Reports and SSRS exports).
_FOOTER = re.compile(
    r"\W*(?:(?:grand\s+)?totals?\b(?!\w)|count\s*:|number\s+of\s+(?:records|rows)\b"
    r"|end\s+of\s+(?:report|file|data|extract)\b|[\d,]+\s+(?:rows?|records?)\b"
    r"|page\s+\d+\s+of\s+\d+\s*$)",
    re.IGNORECASE,
)
# A count or total as a report writes it: "4123", "4,123", "1,234.50".
_COUNT = re.compile(r"\d[\d,]*(?:\.\d+)?")
#: The quarantine reason of a row that repeats the header: reports put it at each page's top.
HEADER_AGAIN_REASON = "repeats the header row (as a report does at each page's top), not a record"
#: The quarantine reason of a row that is a report's footer.
FOOTER_REASON = (
    "looks like a report's footer (a total, a count, an end marker or a page number), not a record"
)


def is_header_again(cells: Sequence[str], header: Sequence[str]) -> bool:
    """Whether a row repeats the ``header`` (as written, trimmed): its cells are the column
    names, and any beyond them are empty. It was stored as a person called ``Name`` with the
    record id ``Person ID``.

    >>> header = ["ID", "Name"]
    >>> is_header_again([" ID", "Name", ""], header), is_header_again(["1", "A"], header)
    (True, False)
    """
    # Asked of every row: the first cell differs from the first column's name in a record.
    if not cells or not header or cells[0].strip() != header[0]:
        return False
    width = len(header)
    return [c.strip() for c in cells[:width]] == list(header) and not any(
        c.strip() for c in cells[width:]
    )


def is_footer(cells: Sequence[str]) -> bool:
    """Whether a row is a report's footer: its first filled cell says so and the row holds
    nothing else but one or two numbers: the count in a column of its own (``Total
    records,,4123``, as report writers put a total under the column it counts) or the
    digits a thousands separator split off (``Total records: 4,123`` read as two cells). A
    record whose name begins with such a word has other cells filled.

    >>> is_footer(["Total records: 4", "123", ""]), is_footer(["Total", "", "4123"])
    (True, True)
    >>> is_footer(["3", "Total Care Ltd", ""]), is_footer(["Totals", "A", ""])
    (False, False)
    """
    # Every row is asked, twice (the id scan, then the store pass): a record filling more
    # than three cells answers before anything else is looked at.
    if not cells or len(cells) - cells.count("") > 3:
        return False
    filled = [c.strip() for c in cells if c and not c.isspace()]
    if not filled or _FOOTER.match(filled[0]) is None:
        return False
    return all(_COUNT.fullmatch(c) for c in filled[1:])
