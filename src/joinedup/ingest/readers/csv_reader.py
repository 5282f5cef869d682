"""CSV in any encoding and delimiter, streamed record by record with the line each record starts on.

The file is read through :class:`io.TextIOWrapper` with ``newline=""`` so that ``csv`` sees quoted
newlines intact, and through a small capture generator so each record keeps its exact raw text
(for quarantine) and the physical line it starts on (what a data engineer opens the file at).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

from joinedup.ingest.errors import SourceFileError
from joinedup.ingest.mapping import SourceMapping
from joinedup.ingest.readers.base import Reader, check_columns, unique_names
from joinedup.ingest.readers.encoding import detect_encoding, first_undecodable_line
from joinedup.ingest.rows import SourceRow, bad, blank

if TYPE_CHECKING:
    from _csv import Reader as _CsvReader

_CANDIDATES = (",", ";", "\t", "|")
_SNIFF_BYTES = 64 * 1024
_SNIFF_LINES = 200


class CsvReader(Reader):
    """Rows of a delimited text file, per the mapping's encoding, delimiter and header options."""

    def __init__(self, mapping: SourceMapping, path: Path) -> None:
        super().__init__(mapping, path)
        self.encoding = mapping.encoding
        self.delimiter = mapping.delimiter

    def rows(self) -> Iterator[SourceRow]:
        """Yield every record after the header; see :class:`SourceRow` for what each carries."""
        if self.encoding == "auto":
            self.encoding = detect_encoding(self.path)
        binary = self._open_binary()
        text = io.TextIOWrapper(binary, encoding=self.encoding, newline="")
        skipped = 0  # banner lines before the header; csv's line_num counts from after them
        try:
            physical = iter(text)
            for _ in range(self.mapping.skip_rows):
                if next(physical, None) is None:
                    break
                skipped += 1
            sample = _take_sample(physical)
            if self.delimiter is None:
                self.delimiter = sniff_delimiter("".join(sample))
            captured: list[str] = []
            reader = csv.reader(
                _capture(chain(sample, physical), captured), delimiter=self.delimiter
            )
            header = self._header(reader)
            captured.clear()
            width = len(header)
            while True:
                start = skipped + reader.line_num + 1
                try:
                    cells = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    raw = "".join(captured).rstrip("\r\n")
                    yield bad(start, raw, f"cannot parse the CSV record ({exc})")
                    captured.clear()
                    continue
                raw = "".join(captured).rstrip("\r\n")
                captured.clear()
                yield self._row(start, raw, cells, header, width)
        except UnicodeDecodeError as exc:
            line = first_undecodable_line(self.path, self.encoding) or 1
            raise SourceFileError(
                f"{self.path.name}: line {line}: bytes that are not valid {self.encoding} "
                f"({exc.reason}); set encoding: in the mapping to the file's codec"
            ) from None
        finally:
            text.close()

    def _header(self, reader: _CsvReader) -> list[str]:
        if self.mapping.columns is not None:
            header = list(self.mapping.columns)
        else:
            try:
                first = next(reader, None)
                while first is not None and not any(cell.strip() for cell in first):
                    first = next(reader, None)
            except csv.Error as exc:
                raise SourceFileError(f"{self.path.name}: cannot read the header ({exc})") from None
            if first is None:
                raise SourceFileError(f"{self.path.name}: the file has no header row")
            header = [cell.strip().lstrip("\ufeff") for cell in first]
        check_columns(self.mapping, header, self.path.name)
        return unique_names(header)

    def _row(
        self, line: int, raw: str, cells: list[str], header: list[str], width: int
    ) -> SourceRow:
        if not any(cell.strip() for cell in cells):
            return blank(line, raw)
        if len(cells) != width:
            # Exports often pad rows with empty trailing cells; only real content is a problem.
            extra = cells[width:]
            if len(cells) < width or any(cell.strip() for cell in extra):
                return bad(line, raw, f"expected {width} columns, found {len(cells)}")
        return SourceRow(line=line, raw=raw, values=dict(zip(header, cells, strict=False)))


def _capture(lines: Iterator[str], captured: list[str]) -> Iterator[str]:
    for line in lines:
        captured.append(line)
        yield line


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
    most records with the header's width (ties go to the wider header, then to comma). Python's
    ``csv.Sniffer`` is not used: it guesses letters as delimiters on small, regular samples.

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
        records_by[candidate] = records
    best, best_score = ",", (False, 0.0, 0)
    for candidate, records in records_by.items():
        if not records:
            continue
        width = len(records[0])
        same = sum(1 for r in records if len(r) == width) / len(records)
        score = (width > 1, same, width)
        if score > best_score:
            best, best_score = candidate, score
    return best
