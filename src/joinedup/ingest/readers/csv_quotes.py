"""A quote the exporter did not double inside a quoted value: ``"O"Brien"``, ``"Flat 5" High St"``.

RFC 4180 writes a quote inside a quoted value as two (``"O""Brien"``); some exporters write it
once. ``csv`` then closes the value at that quote and appends what follows, so ``"O"Brien"``
became ``OBrien"`` — with the right number of columns, stored without a word. What the writer
meant can be read back: a quoted value ends at the quote that is followed by the delimiter (or
the end of the record), and any other quote inside it is part of the value. When the columns
add up read that way, those are the values; when they do not (``"He said "no", then left"``:
which comma ends it cannot be told), the row is quarantined rather than guessed at.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: Why a row with a quote inside a quoted value that was not doubled is quarantined when its
#: values cannot be told apart (the columns do not add up however the quotes are read).
STRAY_QUOTE_REASON = (
    'a quote inside a quoted value is not doubled (write "" for it), so the values after it '
    "cannot be told apart"
)
#: Kept on a row whose values were read as the writer meant despite a quote not doubled.
UNDOUBLED_QUOTE_NOTE = (
    'csv: a quote inside a quoted value is not doubled (write "" for it); the value was read '
    "up to the quote before the next delimiter"
)


@lru_cache(maxsize=8)
def _record_pattern(delimiter: str) -> re.Pattern[str]:
    # A record as RFC 4180 writes it: each value either quoted (a quote inside doubled; spaces
    # after the closing quote tolerated, as csv does) and ended by the delimiter or the end, or
    # unquoted and not starting with a quote (a quote later in it is a character: 5" Main St).
    # Matched from the start, field by field, so a quote inside a quoted value is never taken
    # for the start of one; one pass, no backtracking, ~0.5 µs a row: it is asked of every row
    # that holds a quote.
    d = re.escape(delimiter)
    field = rf'(?:"[^"]*"(?:"[^"]*")*[ \t]*|(?!")[^{d}]*)'
    return re.compile(rf"{field}(?:{d}{field})*")


@lru_cache(maxsize=8)
def _field_then_delimiter(delimiter: str) -> re.Pattern[str]:
    d = re.escape(delimiter)
    return re.compile(rf'(?:"[^"]*"(?:"[^"]*")*[ \t]*|(?!")[^{d}"]*){d}')


def certain_cells(raw: str, delimiter: str) -> int:
    """How many cells at the start of ``raw`` (a record with a quote not doubled) are read
    alike whoever wrote it: each written as RFC 4180 writes a value — quoted with any quote
    inside doubled, or unquoted with no quote in it — and closed by the delimiter. ``csv``
    and :func:`writers_cells` give the same cells there; after them, the two readings part.

    >>> certain_cells('1,"x",2,"O"Brien, Ann",3', ","), certain_cells('"O"Brien",1', ",")
    (3, 0)
    """
    pattern = _field_then_delimiter(delimiter)
    count = at = 0
    while (match := pattern.match(raw, at)) is not None:
        count, at = count + 1, match.end()
    return count


def has_stray_quote(raw: str, delimiter: str) -> bool:
    """Whether ``raw`` (one record, line end removed) is not a record as RFC 4180 writes it:
    a quoted value has text straight after its closing quote (``"O"Brien"``), a quote the
    exporter did not double.

    >>> has_stray_quote('1,"O"Brien",x', ","), has_stray_quote('1,"O""Brien",x', ",")
    (True, False)
    """
    return _record_pattern(delimiter).fullmatch(raw) is None


def writers_cells(raw: str, delimiter: str) -> list[str]:
    """The cells of ``raw`` (one record, line end removed) as a writer that does not double
    quotes meant them: a quoted value ends at a quote followed (after spaces or tabs) by the
    delimiter or the end; a doubled quote inside it is one quote, a lone one is itself.

    >>> writers_cells('1,"O"Brien, Ann",x', ",")
    ['1', 'O"Brien, Ann', 'x']
    """
    cells: list[str] = []
    start, end = 0, len(raw)
    while True:
        if raw.startswith('"', start):
            cell, start = _quoted(raw, start + 1, delimiter)
        else:
            found = raw.find(delimiter, start)
            stop = end if found < 0 else found
            cell, start = raw[start:stop], stop
        cells.append(cell)
        if start >= end:
            return cells
        start += len(delimiter)  # past the delimiter; a delimiter ending the record: one more
        if start >= end:
            cells.append("")
            return cells


def _quoted(raw: str, start: int, delimiter: str) -> tuple[str, int]:
    """A quoted value whose text begins at ``start``: ``(value, index of what ends it)``."""
    parts: list[str] = []
    at = start
    while True:
        quote = raw.find('"', at)
        if quote < 0:  # never closes: the rest is the value, as csv reads it
            parts.append(raw[at:])
            return "".join(parts), len(raw)
        parts.append(raw[at:quote])
        after = quote + 1
        rest = raw[after:].lstrip(" \t".replace(delimiter, ""))
        if not rest or rest.startswith(delimiter):
            stop = len(raw) - len(rest)
            parts.append(raw[after:stop])  # spaces after the closing quote join it, as in csv
            return "".join(parts), stop
        parts.append('"')
        at = after + 1 if raw.startswith('"', after) else after  # "" is one quote
