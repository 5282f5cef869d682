"""The CSV export's two rules: cells safe in a spreadsheet, files readable by their owner only."""

from __future__ import annotations

import csv
import io
import os
import stat
from pathlib import Path

import pytest

from joinedup.linkage.export import private_file, spreadsheet_safe, write_csv

# (value, cell, why)
CELLS = [
    ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")', "a formula"),
    ("+441234567890", "'+441234567890", "+ starts a formula"),
    ("-2+3", "'-2+3", "- starts a formula"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)", "@ starts a formula (Lotus, Excel)"),
    ("\t=1", "'\t=1", "a tab is dropped and what follows read"),
    ("\r=1", "'\r=1", "so is a carriage return"),
    ("'=1", "''=1", "a leading quote is marked too, so the mark can always be taken off"),
    ("A-1", "A-1", "only the first character matters"),
    ("PE2D8T8J32CR7", "PE2D8T8J32CR7", "an ordinary id is untouched"),
    ("", "", "an empty cell stays empty"),
]


@pytest.mark.parametrize(("value", "cell", "why"), CELLS)
def test_spreadsheet_safe(value: str, cell: str, why: str) -> None:
    assert spreadsheet_safe(value) == cell, why
    # The documented way back: drop one leading quote from a cell that has one.
    assert (cell[1:] if cell.startswith("'") else cell) == value, why


def test_write_csv_marks_every_cell_and_keeps_csv_quoting() -> None:
    handle = io.StringIO(newline="")
    count = write_csv(handle, ("a", "b"), [("=1,2", 'x"y'), ("-", "ok")])
    assert count == 2
    handle.seek(0)
    assert list(csv.reader(handle)) == [["a", "b"], ["'=1,2", 'x"y'], ["'-", "ok"]]


@pytest.mark.parametrize("umask", [0o022, 0o000, 0o077, 0o277])
def test_private_file_is_0600_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    path = tmp_path / "out.csv"
    previous = os.umask(umask)
    try:
        with private_file(path) as handle:
            handle.write("x\n")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == "x\n"
    assert not (tmp_path / "out.csv.partial").exists()


def test_private_file_replaces_a_wider_file_and_ignores_a_planted_partial(
    tmp_path: Path,
) -> None:
    path = tmp_path / "out.csv"
    path.write_text("old\n")
    path.chmod(0o644)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text("not to be touched\n")
    (tmp_path / "out.csv.partial").symlink_to(elsewhere)
    with private_file(path) as handle:
        assert path.read_text() == "old\n"  # a reader sees the old file until the rename
        handle.write("new\n")
    assert path.read_text() == "new\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert elsewhere.read_text() == "not to be touched\n"


def test_private_file_leaves_the_old_file_when_writing_fails(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    path.write_text("old\n")
    with pytest.raises(RuntimeError), private_file(path) as handle:
        handle.write("half")
        raise RuntimeError("interrupted")
    assert path.read_text() == "old\n"
    assert not (tmp_path / "out.csv.partial").exists()
