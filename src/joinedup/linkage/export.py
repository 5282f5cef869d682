"""Writing the master person index out as CSV (``joinedup export persons``).

Two rules hold for every CSV joinedup writes from stored data:

- **Cells are safe to open in a spreadsheet.** Record ids come from source systems, and a cell
  such as ``=HYPERLINK("http://x")`` would run as a formula in Excel or LibreOffice (CSV
  injection). `spreadsheet_safe` applies OWASP's defence: a cell that starts with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return gets a single quote ``'`` in front, which
  spreadsheets read as "this is text" and do not display. A cell that starts with ``'`` gets
  one too, so the rule can be undone exactly: drop one leading ``'`` from any cell that has one.
  The csv module already quotes a cell holding a comma, a quote or a line break, so a cell
  cannot end early and start another.
- **Files are the owner's only.** The export links records of one person across services, which
  is personal data, so the file is created mode 0600 whatever the umask (as the linkage cache
  is), written aside as ``<name>.partial`` and renamed over the target, so a reader never sees
  half a file and an existing export keeps no wider mode.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from sqlalchemy.orm import Session

from joinedup.linkage.persons import export_rows

#: The columns of ``joinedup export persons``, in order (part of the public interface).
PERSONS_COLUMNS: tuple[str, ...] = ("source", "source_record_id", "person_id")

#: A cell starting with one of these is read as a formula by some spreadsheet (OWASP).
FORMULA_STARTS = frozenset("=+-@\t\r")
#: The mark that says "text, not a formula"; a cell starting with it is marked too.
TEXT_MARK = "'"

#: Owner read and write, nobody else anything.
PRIVATE_MODE = 0o600


def spreadsheet_safe(value: str) -> str:
    """``value`` as a CSV cell a spreadsheet will show as text, never run as a formula.

    >>> spreadsheet_safe('=HYPERLINK("http://x")')
    '\\'=HYPERLINK("http://x")'
    >>> spreadsheet_safe("A1234"), spreadsheet_safe("-7"), spreadsheet_safe("")
    ('A1234', "'-7", '')
    """
    if value and (value[0] in FORMULA_STARTS or value[0] == TEXT_MARK):
        return TEXT_MARK + value
    return value


def write_csv(handle: TextIO, header: Iterable[str], rows: Iterable[Iterable[str]]) -> int:
    """Write ``header`` and ``rows`` to ``handle`` as CSV, every cell `spreadsheet_safe`.

    Returns the number of rows written, the header not counted.
    """
    writer = csv.writer(handle)
    writer.writerow([spreadsheet_safe(cell) for cell in header])
    count = 0
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) for cell in row])
        count += 1
    return count


def write_persons(session: Session, handle: TextIO) -> int:
    """Write `PERSONS_COLUMNS` for every current stored record to ``handle``; returns the rows.

    The rows are `joinedup.linkage.persons.export_rows`: ordered by source and record id, an
    empty person id for a record stored after the last run.
    """
    return write_csv(handle, PERSONS_COLUMNS, export_rows(session))


@contextmanager
def private_file(path: Path) -> Iterator[TextIO]:
    """A new text file for ``path``, mode 0600, that replaces ``path`` when the block succeeds.

    Written as ``<name>.partial`` beside it and renamed, so ``path`` is either the old file or
    the whole new one; on any error the partial file is removed and ``path`` is untouched.
    """
    partial = path.with_name(path.name + ".partial")
    # One left by a run that was killed, or anything else under that name (a link included):
    # the file must be one this call created, with this call's mode.
    partial.unlink(missing_ok=True)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    try:
        # The umask can only take bits away from 0600 at creation; this sets exactly 0600.
        if hasattr(os, "fchmod"):
            os.fchmod(descriptor, PRIVATE_MODE)
        handle = open(descriptor, "w", encoding="utf-8", newline="")  # noqa: SIM115
    except BaseException:
        os.close(descriptor)
        partial.unlink(missing_ok=True)
        raise
    try:
        with handle:
            yield handle
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
