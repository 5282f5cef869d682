"""A quote not doubled: never suspected in a record csv itself wrote, and what the writer meant."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from joinedup.ingest.readers.csv_quotes import has_stray_quote, writers_cells

_CELLS = st.lists(st.text(alphabet="ab \",;\t\r\n'", max_size=8), min_size=1, max_size=6)


@given(cells=_CELLS, delimiter=st.sampled_from([",", ";", "\t", "|"]), quote_all=st.booleans())
def test_a_record_written_by_csv_has_no_stray_quote(
    cells: list[str], delimiter: str, quote_all: bool
) -> None:
    # A record as csv (RFC 4180) writes it: the check must never fire, or a valid row would be
    # re-read by the writer's rules; and those rules give the same cells where no quote is
    # stray, so even a wrong suspicion would change nothing.
    out = io.StringIO()
    quoting = csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    csv.writer(out, delimiter=delimiter, quoting=quoting, lineterminator="").writerow(cells)
    raw = out.getvalue()
    assert not has_stray_quote(raw, delimiter)
    if not any(c in cell for cell in cells for c in "\r\n") and cells != [""]:
        assert writers_cells(raw, delimiter) == cells
