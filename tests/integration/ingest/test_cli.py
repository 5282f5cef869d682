"""The ingest and mapping commands through Typer's runner, on the test database."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

import joinedup.cli.ingest_cmd  # noqa: F401  (registers the commands on the app)
from joinedup.cli import app
from tests.integration.ingest.helpers import ALL_ROWS, write_csv, write_mapping

runner = CliRunner()


@pytest.fixture
def on_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", db_url)
    return db_url


def test_ingest_json_then_plain(on_db: str, tmp_path: Path) -> None:
    mapping, path = write_mapping(tmp_path), write_csv(tmp_path, ALL_ROWS + "\n")
    result = runner.invoke(app, ["ingest", str(mapping), str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data)[:8] == [
        "read",
        "stored",
        "updated",
        "unchanged",
        "quarantined",
        "skipped",
        "ended",
        "batch_id",
    ]
    assert (data["read"], data["stored"], data["skipped"]) == (4, 3, 1)
    plain = runner.invoke(app, ["ingest", str(mapping), str(path)])
    assert plain.exit_code == 0
    assert "read 4 = stored 0 + updated 0 + unchanged 3 + quarantined 0 + skipped 1" in plain.stdout


def test_full_flag(on_db: str, tmp_path: Path) -> None:
    mapping = write_mapping(tmp_path)
    runner.invoke(app, ["ingest", str(mapping), str(write_csv(tmp_path, ALL_ROWS))])
    empty = write_csv(tmp_path, "", name="empty.csv")
    refused = runner.invoke(app, ["ingest", str(mapping), str(empty), "--full", "--json"])
    assert refused.exit_code != 0
    assert "refused as a full extract" in refused.output and "Traceback" not in refused.output
    argv = ["ingest", str(mapping), str(empty), "--full", "--allow-mass-end", "--json"]
    result = runner.invoke(app, argv)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ended"] == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["MAPPING", "absent.csv"], "Error: absent.csv: file not found"),
        (
            ["bad.yaml", "FILE"],
            "Error: bad.yaml: line 4: format: expected one of csv, jsonl, xlsx, fhir",
        ),
    ],
)
def test_fatal_errors_are_one_clear_line(
    on_db: str, tmp_path: Path, args: list[str], message: str
) -> None:
    mapping, path = write_mapping(tmp_path), write_csv(tmp_path, ALL_ROWS)
    (tmp_path / "bad.yaml").write_text(mapping.read_text().replace("format: csv", "format: tsv"))
    paths = {"MAPPING": str(mapping), "FILE": str(path)}
    argv = ["ingest", *[paths.get(a, str(tmp_path / a)) for a in args]]
    result = runner.invoke(app, argv)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_mapping_check(tmp_path: Path) -> None:
    good = runner.invoke(app, ["mapping", "check", str(write_mapping(tmp_path))])
    assert good.exit_code == 0
    assert "council_tax.yaml: OK" in good.stdout
    bad = tmp_path / "typo.yaml"
    bad.write_text(write_mapping(tmp_path).read_text().replace("full_name:", "ful_name:"))
    result = runner.invoke(app, ["mapping", "check", str(bad)])
    assert result.exit_code != 0
    expected = "typo.yaml: line 7: person: unknown key 'ful_name' (did you mean 'full_name'?)"
    assert expected in result.output


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("export.csv", "Ref,Name\r\n1,Zo\xeb Caf\xe9\r\n".encode("cp1252")),
        ("export.csv", b"Ref,Name\n1,Amara Okafor\n"),
        ("export.xlsx", b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xa0\xff"),
        ("export.csv.gz", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff\xe3\x02\x00"),
    ],
    ids=["windows-1252 csv", "utf-8 csv", "xlsx", "gzip"],
)
def test_an_extract_given_as_the_mapping_says_so(
    on_db: str, tmp_path: Path, name: str, content: bytes
) -> None:
    # Arguments swapped: the extract first. A Windows-1252 file said only "UnicodeDecodeError".
    extract = tmp_path / name
    extract.write_bytes(content)
    result = runner.invoke(app, ["ingest", str(extract), str(write_mapping(tmp_path))])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {name}: ")
    assert "is it the extract rather than its mapping? (joinedup ingest MAPPING FILE)" in (
        result.stderr
    )
    assert "Error" not in result.stderr.split("Error", 1)[1]  # one message
    assert "Amara" not in result.stderr and "UnicodeDecodeError" not in result.stderr


def test_standard_input_is_refused_saying_why(on_db: str, tmp_path: Path) -> None:
    mapping = str(write_mapping(tmp_path))
    fifo = tmp_path / "stream.csv"
    os.mkfifo(fifo)  # what /dev/stdin or <(zcat extract.csv.gz) is, fed by a pipe
    why = "(an extract is read from a file, twice: first for its ids; save standard input or"
    for given, message in (
        ("-", "Error: -: file not found "),
        (str(fifo), "Error: stream.csv: not a file "),
    ):
        result = runner.invoke(app, ["ingest", mapping, given])
        assert result.exit_code == 2
        assert result.stderr.startswith(message + why), result.stderr
    missing = runner.invoke(app, ["ingest", mapping, str(tmp_path / "typo.csv")])
    assert missing.stderr == "Error: typo.csv: file not found\n"


def test_a_file_of_many_unknown_keys_lists_the_known_keys_once(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text('{"borough": "Northbridge", "seed": 1, "people": 9, "sources": []}')
    result = runner.invoke(app, ["mapping", "check", str(manifest)])
    assert result.exit_code == 2
    assert result.stderr.count("expected one of: ") == 1
    assert "unknown key 'borough'; unknown key 'people'; unknown key 'seed'" in result.stderr


def test_the_installed_command_prints_plain_output_when_piped(on_db: str, tmp_path: Path) -> None:
    import subprocess
    import sys

    mapping, path = write_mapping(tmp_path), write_csv(tmp_path, ALL_ROWS)
    done = subprocess.run(
        [sys.executable, "-m", "joinedup", "ingest", str(mapping), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1].startswith("database: ")
    assert done.stdout.splitlines()[2].startswith("read 3 = stored 3")
    assert "\x1b[" not in done.stdout + done.stderr  # no progress bar or colour when piped


def test_the_summary_names_the_first_quarantined_rows_and_their_reasons(
    on_db: str, tmp_path: Path
) -> None:
    mapping = write_mapping(tmp_path)
    body = "".join(f"{i},,,,,\n" for i in range(1, 14))  # 13 rows with nothing identifying
    result = runner.invoke(app, ["ingest", str(mapping), str(write_csv(tmp_path, body))])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "quarantined rows (the first 10 of 13):" in lines
    assert any(line.startswith("  line 2: ") and "no identifying field" in line for line in lines)
    assert "  … and 3 more in the quarantine table, batch 1" in lines
    piped = runner.invoke(app, ["ingest", str(mapping), str(write_csv(tmp_path, body)), "--json"])
    assert "quarantined rows" not in piped.stdout  # --json stays one JSON object


XLSX_MAPPING = """\
source: befriending
organisation: charity
format: xlsx
record_id: Ref
person:
  full_name: Name
  date_of_birth: Born
attributes:
  category: social_care.befriending
  fields: {visits: Visits}
"""


def _calculated_workbook(tmp_path: Path) -> Path:
    """A workbook a program calculated and flagged for recalculation on opening (as Apache POI
    or a script filling a template does): a date, and a real 0 visits, both saved as results.
    The Born column is hidden, and so is an old column the mapping does not read."""
    import re
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Ref", "Name", "Born", "Visits", "Born (old)"])
    sheet.append([101, "Mrs Ada Lovelace", "=DATE(1961,4,3)", "=0*1", "1960-01-01"])
    sheet.column_dimensions["C"].hidden = True
    sheet.column_dimensions["E"].hidden = True
    plain = tmp_path / "plain.xlsx"
    book.save(plain)  # openpyxl saves the formulas with no result, and fullCalcOnLoad="1"
    path = tmp_path / "visits.xlsx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                for cell, value in (("C2", b"22374"), ("D2", b"0")):
                    pattern = rb'(<c r="' + cell.encode() + rb'"[^>]*><f>[^<]*</f>)<v\s*/>'
                    data = re.sub(pattern, rb"\1<v>" + value + rb"</v>", data)
            target.writestr(item, data)
    return path


def test_a_workbook_s_real_zero_is_stored_and_its_hidden_columns_said(
    on_db: str, tmp_path: Path
) -> None:
    from sqlalchemy import create_engine, text

    mapping = tmp_path / "befriending.yaml"
    mapping.write_text(XLSX_MAPPING, encoding="utf-8")
    path = _calculated_workbook(tmp_path)
    hidden_born = (
        "column C ('Born', read for date_of_birth) is hidden in the workbook and was read; a "
        "column is often hidden because its values are superseded or only working figures: "
        "check that the mapping reads the columns meant"
    )
    hidden_old = (
        "column E ('Born (old)') is hidden in the workbook; the mapping does not read it, and "
        "each record's raw row keeps it"
    )
    result = runner.invoke(app, ["ingest", str(mapping), str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["stored"], data["quarantined"], data["unsaved_formulas"]) == (1, 0, 0)
    assert data["notes"] == [hidden_born, hidden_old]  # noted, nothing quarantined
    engine = create_engine(on_db)
    with engine.connect() as conn:
        born, attributes, warnings = conn.execute(
            text("SELECT date_of_birth, attributes, dq_warnings FROM source_records")
        ).one()
    engine.dispose()
    # The 0 was read as "no saved result": the visits were dropped, with a warning.
    attributes = json.loads(attributes) if isinstance(attributes, str) else attributes
    warnings = json.loads(warnings) if isinstance(warnings, str) else warnings
    assert str(born)[:10] == "1961-04-03"
    assert attributes == {"visits": 0}
    assert warnings == []
    plain = runner.invoke(app, ["ingest", str(mapping), str(path)])
    assert plain.exit_code == 0, plain.output
    assert hidden_born in plain.stdout.splitlines() and hidden_old in plain.stdout.splitlines()
