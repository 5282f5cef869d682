"""CSV in any encoding and delimiter, streamed record by record with the line each record starts on.

The file is read through :class:`io.TextIOWrapper` with ``newline=""`` so that ``csv`` sees quoted
newlines intact, and split into records by :class:`~joinedup.ingest.readers.csv_records.CsvRecords`,
which keeps each record's exact raw text (for quarantine), the physical line it starts on (what a
data engineer opens the file at) and — when a quoted field never closes — cuts the broken record
back to one line so that every physical line is counted once and the rows after it are kept.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from itertools import chain, islice
from pathlib import Path

from joinedup.ingest.errors import SourceFileError
from joinedup.ingest.mapping import SourceMapping
from joinedup.ingest.readers.base import (
    FOOTER_REASON,
    HEADER_AGAIN_REASON,
    LOOK_AHEAD,
    Reader,
    check_columns,
    header_row,
    is_footer,
    is_header_again,
    is_marked,
    match_case,
    skip_rows_hint,
    unique_names,
)
from joinedup.ingest.readers.csv_quotes import (
    STRAY_QUOTE_REASON,
    UNDOUBLED_QUOTE_NOTE,
    certain_cells,
    has_stray_quote,
    writers_cells,
)
from joinedup.ingest.readers.csv_records import CsvRecords
from joinedup.ingest.readers.encoding import Detected, detect, first_undecodable_line
from joinedup.ingest.readers.sniff import read_head, refuse_binary
from joinedup.ingest.rows import SourceRow, bad, blank
from joinedup.standards.characters import tidy_characters

_CANDIDATES = (",", ";", "\t", "|")
_SNIFF_BYTES = 64 * 1024
_SNIFF_LINES = 200
_EOF_MARK = "\x1a"  # Ctrl-Z: what DOS wrote at the end of a text file
#: Kept on a row of a UTF-8 file whose line also held bytes that are not UTF-8.
MIXED_ENCODING_NOTE = "encoding: bytes that are not UTF-8 in this row were read as Windows-1252"


class CsvReader(Reader):
    """Rows of a delimited text file, per the mapping's encoding, delimiter and header options.

    ``fallback_rows`` counts the rows (so far) holding bytes that were not UTF-8 in a file
    otherwise UTF-8, read as Windows-1252 (see :mod:`joinedup.ingest.readers.encoding`);
    ``fallback_lines`` are the first few of their line numbers.
    """

    #: The header as the file writes it (trimmed), to know a row that repeats it.
    _written_header: list[str] = []  # noqa: RUF012 - replaced, never changed

    def __init__(self, mapping: SourceMapping, path: Path) -> None:
        super().__init__(mapping, path)
        self.encoding = mapping.encoding
        self.delimiter = mapping.delimiter
        self.fallback_rows = 0
        self.fallback_lines: list[int] = []
        # Cells so far of a record that may have been split by unquoted line breaks (0: none;
        # -1: after a broken record, nothing known), and whether the record being read may
        # be the rest of it (see _certain).
        self._open = 0
        self._continues = False

    def rows(self) -> Iterator[SourceRow]:
        """Yield every record after the header; see :class:`SourceRow` for what each carries."""
        head = read_head(self.path)
        refuse_binary(self.path, head, self.mapping.encoding, "CSV text")
        detected = detect(self.path) if self.encoding == "auto" else Detected(self.encoding)
        self.encoding = detected.codec
        fallback = detected.fallback_lines
        binary = self._open_binary()
        text = io.TextIOWrapper(binary, encoding=detected.codec, errors=detected.errors, newline="")
        try:
            physical: Iterator[str] = iter(text)
            if _ends_with_eof_mark(self.path):
                physical = _without_eof_mark(physical)
            first = next(physical, None)
            said = excel_sep_line(first)
            if first is not None:
                physical = chain((first,), physical)
            if said is not None and self.delimiter is None:
                self.delimiter = said
            skipped = 0  # banner lines before the header
            # Excel's "sep=;" line is not the header; a mapping's skip_rows counts it anyway.
            for _ in range(self.mapping.skip_rows or (1 if said is not None else 0)):
                if next(physical, None) is None:
                    break
                skipped += 1
            sample = _take_sample(physical)
            if self.delimiter is None:
                self.delimiter = sniff_delimiter("".join(sample))
            records = CsvRecords(physical, self.delimiter, skipped + 1, sample)
            header = self._header(records)
            width = len(header)
            for line, raw, count, cells, problem in records:
                raw = raw.rstrip("\r\n")
                mixed = fallback is not None and _marked(fallback, line, count)
                if mixed:
                    self.fallback_rows += 1
                    if len(self.fallback_lines) < 10:
                        self.fallback_lines.append(line)
                if cells is None:
                    self._open = -1
                    yield bad(line, raw, problem or "cannot parse the CSV record")
                    continue
                if self._open or len(cells) < width:
                    if any(cell.strip() for cell in cells):  # a blank record changes nothing
                        self._follow(len(cells), width)
                else:
                    self._continues = False
                row = self._row(line, raw, cells, header, width)
                if mixed and row.kind == "row":
                    row = replace(row, notes=(*row.notes, MIXED_ENCODING_NOTE))
                yield row
        except UnicodeDecodeError as exc:
            line = first_undecodable_line(self.path, self.encoding) or 1
            raise SourceFileError(
                f"{self.path.name}: line {line}: bytes that are not valid {self.encoding} "
                f"({exc.reason}); set encoding: in the mapping to the file's codec"
            ) from None
        finally:
            text.close()

    def _header(self, records: CsvRecords) -> list[str]:
        if self.mapping.columns is not None:
            header = list(self.mapping.columns)
        else:
            for record in records:
                if record.cells is None:
                    raise SourceFileError(
                        f"{self.path.name}: cannot read the header ({record.problem})"
                    )
                if any(cell.strip() for cell in record.cells):
                    break
            else:
                raise SourceFileError(f"{self.path.name}: the file has no header row")
            # A non-breaking or zero-width space typed into a column's name (NHS\u00a0No) made
            # it a name no mapping matched, shown as "[hidden: looks like data]".
            header = [tidy_characters(cell).strip() for cell in record.cells]
            self._written_header = header
            header, said = match_case(self.mapping, header)
            self.notes.extend(said)
        try:
            check_columns(self.mapping, header, self.path.name)
        except SourceFileError as exc:
            if self.mapping.columns is not None:
                raise
            ahead = islice(records, LOOK_AHEAD)
            found = header_row(self.mapping, ((r.line, r.cells or ()) for r in ahead))
            if found is None:
                raise
            raise SourceFileError(f"{exc}. {skip_rows_hint(found, 'line')}") from None
        return unique_names(header)

    def _row(
        self, line: int, raw: str, cells: list[str], header: list[str], width: int
    ) -> SourceRow:
        if not any(cell.strip() for cell in cells):
            return blank(line, raw)
        if is_footer(cells):
            return bad(line, raw, FOOTER_REASON)
        if is_header_again(cells, self._written_header):
            return bad(line, raw, HEADER_AGAIN_REASON)
        delimiter = self.delimiter or ","
        if '"' in raw and has_stray_quote(raw, delimiter):
            meant = writers_cells(raw, delimiter)
            # Exactly the header's width: an empty cell at the end may be padding or a value
            # the stray quote pushed one column on ("He said "no", then left",03/04/1961,).
            if len(meant) != width:
                certain = self._certain(header, cells, certain_cells(raw, delimiter))
                return bad(line, raw, STRAY_QUOTE_REASON, certain=certain)
            if meant != cells:
                values = dict(zip(header, meant, strict=False))
                return SourceRow(line=line, raw=raw, values=values, notes=(UNDOUBLED_QUOTE_NOTE,))
        if not _fits(cells, width):
            # A delimiter too many or too few, somewhere: only the first cell is in its column
            # for certain.
            certain = self._certain(header, cells, 1)
            return bad(line, raw, f"expected {width} columns, found {len(cells)}", certain=certain)
        return SourceRow(line=line, raw=raw, values=dict(zip(header, cells, strict=False)))

    def _follow(self, cells: int, width: int) -> None:
        """Note a record of ``cells`` cells: whether it may be the rest of a record that
        unquoted line breaks split, and what is open after it.

        A record split by an unquoted line break reads as two short records whose cells add
        up to the header's width plus one (the broken cell counts in both), and the second
        starts in the middle of the first's values. So a record may continue the short ones
        before it while their cells and its own, less one a join, do not exceed the width.
        """
        opened = self._open
        self._continues = opened < 0 or (opened > 0 and opened + cells - 1 <= width)
        if self._continues and opened > 0:
            joined = opened + cells - 1
            self._open = joined if joined < width else 0
        else:
            self._open = cells if cells < width else 0

    def _certain(self, header: list[str], cells: list[str], count: int) -> dict[str, str]:
        """The first ``count`` cells of a quarantined record by their columns' names: what the
        reader vouches for (see :func:`joinedup.ingest.rows.bad`) — nothing when the record
        may be the rest of one split by a line break (:meth:`_follow`)."""
        if self._continues:
            return {}
        return dict(zip(header[:count], cells[:count], strict=False))


def _fits(cells: list[str], width: int) -> bool:
    """Whether a record of ``cells`` fills a header of ``width`` columns. Exports often pad
    rows with empty trailing cells; only real content beyond the header is a problem."""
    if len(cells) == width:
        return True
    return len(cells) > width and not any(cell.strip() for cell in cells[width:])


# "sep=;": the line Excel reads (and some exporters write) to learn a file's delimiter.
_SEP_LINE = re.compile(r'sep=([^"\r\n])\1*\r?\n?', re.IGNORECASE)


def excel_sep_line(line: str | None) -> str | None:
    """The delimiter a first line such as ``sep=;`` names, or None when it is not one.

    >>> excel_sep_line("sep=;\\r\\n"), excel_sep_line("ref;name\\n")
    (';', None)
    """
    match = _SEP_LINE.fullmatch(line.lstrip("\ufeff")) if line else None
    return match.group(1) if match else None


def _marked(bits: bytearray, line: int, count: int) -> bool:
    return any(is_marked(bits, n) for n in range(line, line + count))


def _ends_with_eof_mark(path: Path) -> bool:
    """Whether the file's last bytes hold a Ctrl-Z (its last character is checked as text)."""
    try:
        with path.open("rb") as handle:
            handle.seek(max(0, path.stat().st_size - 4))
            return b"\x1a" in handle.read()
    except OSError:
        return False


def _without_eof_mark(lines: Iterator[str]) -> Iterator[str]:
    """``lines`` with a Ctrl-Z that ends the last of them taken off: the end of the file, not
    data (a line holding only that mark is then an empty line, counted as skipped)."""
    previous = None
    for line in lines:
        if previous is not None:
            yield previous
        previous = line
    if previous is not None:
        yield previous[:-1] if previous.endswith(_EOF_MARK) else previous


def _take_sample(lines: Iterator[str]) -> list[str]:
    sample: list[str] = []
    size = 0
    for line in lines:
        sample.append(line)
        size += len(line)
        if size >= _SNIFF_BYTES or len(sample) >= _SNIFF_LINES:
            break
    return sample


def sniff_delimiter(sample: str) -> str:
    """The delimiter among comma, semicolon, tab and pipe that splits ``sample`` most consistently.

    Each candidate parses the sample; the winner gives the header more than one column and the
    most records with the header's width (ties go to the wider header, then to comma). When no
    candidate splits the first record — a report title above the header (``Council Tax
    extract``) — each is judged by its commonest record width instead, so that the message
    about the header can point at the row that is one. Python's ``csv.Sniffer`` is not used:
    it guesses letters as delimiters on small, regular samples.

    >>> sniff_delimiter("a;b;c\\n1;2;3\\n")
    ';'
    """
    records_by = {}
    for candidate in _CANDIDATES:
        try:
            records = [r for r in csv.reader(io.StringIO(sample), delimiter=candidate) if r]
        except csv.Error:
            continue
        if len(records) > 1 and not sample.endswith(("\n", "\r")):
            records = records[:-1]  # the sample may have cut the last record short
        if records:
            records_by[candidate] = records
    best = _best_delimiter(records_by, lambda records: len(records[0]))
    if best is None:
        best = _best_delimiter(records_by, _commonest_width)
    return best or ","


def _best_delimiter(
    records_by: dict[str, list[list[str]]], width_of: Callable[[list[list[str]]], int]
) -> str | None:
    """The candidate whose records have the most of the width ``width_of`` gives, when that
    width is more than one column (ties to the wider, then to the earlier candidate)."""
    best, best_score = None, (0.0, 0)
    for candidate, records in records_by.items():
        width = width_of(records)
        if width < 2:
            continue
        score = (sum(1 for r in records if len(r) == width) / len(records), width)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _commonest_width(records: list[list[str]]) -> int:
    widths = Counter(len(r) for r in records)
    return max(widths.items(), key=lambda item: (item[1], item[0]))[0]
