"""Physical lines → CSV records, each with the lines it spans; a broken quote costs one record.

``csv.reader`` over a stream has no way back: a quoted field that never closes takes in every
line after it until the field limit (128 KiB) or the end of the file, and after an error it goes
on mid-stream. So one stray ``"`` used to swallow thousands of rows into one quarantined record,
or leave them counted nowhere. Here every physical line belongs to exactly one record, and a
record whose quoted field never closes — it reaches the field limit, runs past the end of the
file, or spans more than :data:`MAX_RECORD_LINES` lines — is cut back to the line where that
quote opened: those lines are one broken record, and reading starts again on the next line
with a new ``csv.reader`` (the lines it had read beyond are read again).
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterable, Iterator
from typing import NamedTuple

#: The most physical lines one record may span. A quoted field may hold line breaks: an address
#: over five or six lines, a free-text note of a few paragraphs — a person's record in a council
#: or NHS extract rarely holds more than a dozen. A hundred is several times that, so a real
#: record is never cut; beyond it, a quote that was opened and never closed is far the likelier
#: story. The bound is also what one broken quote costs: at most this many lines read twice
#: (csv's field limit, 131,072 characters, bounds it in characters too), and no row after it
#: lost. Were a real note ever longer, its lines would be quarantined line by line, not lost.
MAX_RECORD_LINES = 100


class Record(NamedTuple):
    """One record: the line it starts on, its text as read (line ends kept), how many physical
    lines it spans, its cells (``None`` when it is broken) and, when broken, why."""

    line: int
    text: str
    lines: int
    cells: list[str] | None
    problem: str | None = None


class CsvRecords:
    """The records of ``lines`` (physical lines, ends kept, as ``TextIOWrapper(newline="")``
    yields them), numbered from ``first_line``, after the lines of ``replay`` (read first: a
    sniffing sample); iterate it, or call :meth:`next_record`."""

    def __init__(
        self,
        lines: Iterator[str],
        delimiter: str,
        first_line: int = 1,
        replay: Iterable[str] = (),
    ) -> None:
        self._physical = lines
        self.delimiter = delimiter
        self._replay: deque[str] = deque(replay)  # lines to read before the next physical one
        self._captured: list[str] = []  # the lines of the record being read (always this list)
        self._consumed = first_line - 1  # physical lines before the record being read
        self._too_long = False
        self._eof = False
        self._reader = self._new_reader()

    def __iter__(self) -> Iterator[Record]:
        while (record := self.next_record()) is not None:
            yield record

    def next_record(self) -> Record | None:
        """The next record, or ``None`` at the end of the file."""
        start = self._consumed + 1
        try:
            cells = next(self._reader)
        except StopIteration:
            return None
        except csv.Error as exc:
            return self._cut(start, f"cannot parse the CSV record ({exc})")
        if self._too_long or self._eof:
            # csv ends a record at the end of its input only inside a quoted field; and the
            # feed stops early only when a quoted field has run over too many lines.
            return self._cut(start, "a quoted field never closes")
        captured = self._captured
        count = len(captured)
        text = captured[0] if count == 1 else "".join(captured)
        captured.clear()
        self._consumed += count
        return Record(start, text, count, cells)

    def _new_reader(self) -> Iterator[list[str]]:
        self._too_long = self._eof = False
        return csv.reader(self._feed(), delimiter=self.delimiter)

    def _feed(self) -> Iterator[str]:
        # One generator per csv.reader: a new reader (after a broken record) gets a new feed.
        replay, captured = self._replay, self._captured
        while replay:
            line = replay.popleft()
            if len(captured) >= MAX_RECORD_LINES:
                replay.appendleft(line)
                self._too_long = True
                return
            captured.append(line)
            yield line
        for line in self._physical:
            if len(captured) >= MAX_RECORD_LINES:
                replay.appendleft(line)
                self._too_long = True
                return
            captured.append(line)
            yield line
        self._eof = True

    def _cut(self, start: int, fallback: str) -> Record:
        """The record being read as broken: up to the line its open quote began on (or all of
        it, when no quote is open); the lines after that are read again."""
        captured = self._captured
        opened = open_quote_line(captured, self.delimiter)
        if opened is None:
            keep, problem = len(captured), fallback
        else:
            keep = opened + 1
            problem = f"a quoted field opened on line {start + opened} never closes"
        text = "".join(captured[:keep])
        self._replay.extendleft(reversed(captured[keep:]))
        captured.clear()
        self._consumed += keep
        self._reader = self._new_reader()
        return Record(start, text, keep, None, problem)


_START, _UNQUOTED, _QUOTED, _AFTER_QUOTE = range(4)


def open_quote_line(lines: list[str], delimiter: str, quote: str = '"') -> int | None:
    """The index in ``lines`` (one record's physical lines) of the line on which a quoted field
    that is still open at the end began, or ``None`` if every quote closes.

    It follows the states of ``csv``'s own parser for the default dialect (not strict: text
    after a closing quote joins the field; a quote inside an unquoted field is a character).

    >>> open_quote_line(['1,"Ann,01/01/1970\\n', "2,Bob\\n"], ",")
    0
    >>> open_quote_line(['1,"Mary\\n', 'Ann",x\\n'], ",") is None
    True
    """
    state, opened = _START, 0
    ends = (delimiter, "\r", "\n")
    for index, line in enumerate(lines):
        for char in line:
            if state == _QUOTED:
                if char == quote:
                    state = _AFTER_QUOTE
            elif state == _AFTER_QUOTE:
                if char == quote:  # a doubled quote: still inside
                    state = _QUOTED
                elif char in ends:
                    state = _START
                else:  # not strict: what follows the closing quote joins the field
                    state = _UNQUOTED
            elif state == _START:
                if char == quote:
                    state, opened = _QUOTED, index
                elif char not in ends:
                    state = _UNQUOTED
            elif char in ends:
                state = _START
    return opened if state == _QUOTED else None
