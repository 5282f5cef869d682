"""``joinedup ingest --full``: a record whose row is in the extract but quarantined keeps its
current version (not ended, not updated) when the row's record id is known for certain, and
the reconciliation counts it; a guessed id is not used. Through the command, on SQLite and
PostgreSQL, for CSV, JSON Lines, FHIR NDJSON and Excel."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

import joinedup.cli.ingest_cmd  # noqa: F401  (registers the commands on the app)
from joinedup.cli import app
from tests.integration.ingest.helpers import ROWS, write_csv, write_mapping

runner = CliRunner()

FOURTH = "4,Ann Jones,05/06/1970,,LS2 9JT,D\n"
FIRST = "".join(ROWS.values()) + FOURTH
# Records 1, 3 and 4 are read as they were; what becomes of record 2 (and 4) is the case.
KEPT_ROWS = ROWS["1"] + "{row2}" + ROWS["3"] + FOURTH


@pytest.fixture
def on_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", db_url)
    return db_url


def _current(db_url: str, source: str) -> dict[str, int]:
    """Current record id → its version number."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT record_id, version FROM source_records "
                    "WHERE source_id = :source AND valid_to IS NULL"
                ),
                {"source": source},
            )
            return {record_id: version for record_id, version in rows}
    finally:
        engine.dispose()


def _ingest(mapping: Path, path: Path, *extra: str) -> dict[str, Any]:
    result = runner.invoke(app, ["ingest", str(mapping), str(path), *extra, "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    parts = ("stored", "updated", "unchanged", "quarantined", "skipped")
    assert data["read"] == sum(data[key] for key in parts)
    return data


# (what the full extract holds, kept_quarantined, ended, the current records afterwards)
CSV_CASES = [
    pytest.param(
        KEPT_ROWS.format(row2='2,"He said "no", then left",01/02/1980,9434765918,ls62ab,C\n'),
        1,
        0,
        {"1": 1, "2": 1, "3": 1, "4": 1},
        id="stray quote after the id: kept",
    ),
    pytest.param(
        ROWS["1"] + '2,"He said "no", then left",01/02/1980,9434765918,ls62ab,C\n' + ROWS["3"],
        1,
        1,
        {"1": 1, "2": 1, "3": 1},
        id="stray quote kept, an absent record still ended",
    ),
    pytest.param(
        KEPT_ROWS.format(row2="2,Mrs Jane Smith,01/02/1980,ls62ab,C\n"),
        1,
        0,
        {"1": 1, "2": 1, "3": 1, "4": 1},
        id="a column missing: the first column is the id",
    ),
    pytest.param(
        KEPT_ROWS.format(row2="2,Smith, Jane,01/02/1980,9434765918,ls62ab,C\n"),
        1,
        0,
        {"1": 1, "2": 1, "3": 1, "4": 1},
        id="a column too many",
    ),
    pytest.param(
        # An unquoted line break splits record 3: its first half names it; the second half
        # starts with "4" (a house number), which is no record id.
        ROWS["1"] + ROWS["2"] + "3,Renée Dupré,11/11/1950\n4,LS1 1AA,A\n",
        1,
        1,
        {"1": 1, "2": 1, "3": 1},
        id="the second half of a split record is not read for an id",
    ),
    pytest.param(
        KEPT_ROWS.format(row2="2,,,,,C\n"),
        1,
        0,
        {"1": 1, "2": 1, "3": 1, "4": 1},
        id="nothing identifying: kept, and now counted",
    ),
    pytest.param(
        KEPT_ROWS.format(row2=ROWS["2"] + '2,"He said "no", then left",01/02/1980,,ls62ab,C\n'),
        0,
        0,
        {"1": 1, "2": 1, "3": 1, "4": 1},
        id="a readable row of the same id speaks for the record",
    ),
    pytest.param(
        KEPT_ROWS.format(row2="2,Mrs Jane Smith,01/02/1980,9434765918,ls62ab,C\n2,,,,,C\n"),
        1,
        0,
        {"1": 1, "2": 1, "3": 1, "4": 1},
        id="the later row of an id quarantined: the earlier is superseded, the record kept",
    ),
]


@pytest.mark.parametrize(("body", "kept", "ended", "current"), CSV_CASES)
def test_csv_full_extract_keeps_records_whose_row_is_quarantined(
    on_db: str, tmp_path: Path, body: str, kept: int, ended: int, current: dict[str, int]
) -> None:
    mapping = write_mapping(tmp_path)
    _ingest(mapping, write_csv(tmp_path, FIRST, name="first.csv"))
    data = _ingest(mapping, write_csv(tmp_path, body, name="full.csv", encoding="utf-8"), "--full")
    assert (data["kept_quarantined"], data["ended"]) == (kept, ended)
    assert _current(on_db, "council_tax") == current


def test_an_id_after_a_stray_quote_is_a_guess(on_db: str, tmp_path: Path) -> None:
    """The id column after the quote that broke the record: where it starts cannot be told,
    so the record is ended like one absent (the guard allows ending one of four)."""
    mapping = write_mapping(tmp_path)
    _ingest(mapping, write_csv(tmp_path, FIRST, name="first.csv"))
    moved = "name,ref,dob,nhs,postcode,band\n"
    rows = [
        '"SMITH, John",1,03/04/1961,943 476 5919,LS6 2AB,B',
        '"He said "no", then left",2,01/02/1980,9434765918,ls62ab,C',
        "Renée Dupré,3,11/11/1950,,LS1 1AA,A",
        "Ann Jones,4,05/06/1970,,LS2 9JT,D",
    ]
    path = tmp_path / "full.csv"
    path.write_text(moved + "\n".join(rows) + "\n", encoding="utf-8")
    data = _ingest(mapping, path, "--full")
    assert (data["quarantined"], data["kept_quarantined"], data["ended"]) == (1, 0, 1)
    assert _current(on_db, "council_tax") == {"1": 1, "3": 1, "4": 1}


def test_the_summary_says_what_was_kept(on_db: str, tmp_path: Path) -> None:
    mapping = write_mapping(tmp_path)
    _ingest(mapping, write_csv(tmp_path, FIRST, name="first.csv"))
    body = KEPT_ROWS.format(row2="2,Mrs Jane Smith,01/02/1980,ls62ab,C\n")
    path = write_csv(tmp_path, body, name="full.csv")
    result = runner.invoke(app, ["ingest", str(mapping), str(path), "--full"])
    assert result.exit_code == 0, result.output
    assert (
        "kept: row quarantined: 1 record kept their current version (not updated, not ended): "
        "their row is in this file but was quarantined"
    ) in result.stdout
    assert "ended 0 records absent from this full extract" in result.stdout


def test_the_mass_end_guard_still_refuses(on_db: str, tmp_path: Path) -> None:
    """Every row quarantined, ids known: nothing readable, so ending even one is refused."""
    mapping = write_mapping(tmp_path)
    _ingest(mapping, write_csv(tmp_path, FIRST, name="first.csv"))
    # An export that lost a column: every row one cell short (no two could be one record).
    short = {n: f"{n},Someone,01/02/1980,LS6 2AB,B\n" for n in "1234"}
    path = write_csv(tmp_path, short["1"] + short["2"] + short["3"], name="full.csv")
    refused = runner.invoke(app, ["ingest", str(mapping), str(path), "--full", "--json"])
    assert refused.exit_code != 0 and "refused as a full extract" in refused.output
    assert _current(on_db, "council_tax") == {"1": 1, "2": 1, "3": 1, "4": 1}
    data = _ingest(mapping, write_csv(tmp_path, "".join(short.values()), name="all.csv"), "--full")
    assert (data["quarantined"], data["kept_quarantined"], data["ended"]) == (4, 4, 0)
    # Rows cut shorter still could be pieces of one record split by line breaks: only the
    # first is read for an id, so the others' records would end, and that is refused.
    pieces = write_csv(tmp_path, "1,x\n2,x\n3,x\n4,x\n", name="pieces.csv")
    refused = runner.invoke(app, ["ingest", str(mapping), str(pieces), "--full", "--json"])
    assert refused.exit_code != 0 and "refused as a full extract" in refused.output


JSONL_MAPPING = """\
source: care
organisation: leeds-city-council
format: jsonl
record_id: id
person:
  full_name: name
  date_of_birth: dob
attributes:
  category: social_care.adult
  fields: {status: case.status}
"""


def _line(record_id: str, name: str) -> str:
    return json.dumps({"id": record_id, "name": name, "dob": "1961-04-03", "case": {"status": "o"}})


def test_json_lines_full_extract(on_db: str, tmp_path: Path) -> None:
    """A line refused for a lone surrogate parsed: its id is known and its record kept. A line
    that is not JSON is not read for an id (one that looks like it is a guess): ended."""
    mapping = tmp_path / "care.yaml"
    mapping.write_text(JSONL_MAPPING, encoding="utf-8")
    names = ["Ada Lovelace", "Mary Seacole", "Ann Jones", "Jo Bloggs"]
    first = tmp_path / "first.jsonl"
    first.write_text("\n".join(_line(str(i), n) for i, n in enumerate(names, 1)) + "\n")
    _ingest(mapping, first)
    lines = [
        _line("1", names[0]),
        _line("2", "K").replace('"K"', '"K\\ud800"'),
        '{"id": "3", "name": "Ann Jones", "dob": ',
        _line("4", names[3]),
    ]
    full = tmp_path / "full.jsonl"
    full.write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = _ingest(mapping, full, "--full")
    assert (data["quarantined"], data["kept_quarantined"], data["ended"]) == (2, 1, 1)
    assert _current(on_db, "care") == {"1": 1, "2": 1, "4": 1}


NHS = "https://fhir.nhs.uk/Id/nhs-number"
FHIR_MAPPING = "source: gp\norganisation: nhs\nformat: fhir\n"


def _patient(record_id: str, family: str, kind: str = "Patient") -> str:
    resource = {
        "resourceType": kind,
        "id": record_id,
        "name": [{"use": "official", "family": family, "given": ["Pat"]}],
        "birthDate": "1961-04-03",
    }
    return json.dumps(resource)


def test_fhir_ndjson_full_extract(on_db: str, tmp_path: Path) -> None:
    """A Patient refused for a lone surrogate keeps its record; another resource's id, though
    it equals a Patient's, is no record's."""
    mapping = tmp_path / "gp.yaml"
    mapping.write_text(FHIR_MAPPING, encoding="utf-8")
    first = tmp_path / "first.ndjson"
    first.write_text("\n".join(_patient(f"p{i}", "Smith") for i in range(4)) + "\n")
    _ingest(mapping, first)
    lines = [
        _patient("p0", "Smith"),
        _patient("p1", "K").replace('"K"', '"K\\ud800"'),
        _patient("p2", "K", kind="Practitioner").replace('"K"', '"K\\ud800"'),
    ]
    full = tmp_path / "full.ndjson"
    full.write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = _ingest(mapping, full, "--full", "--allow-mass-end")
    assert (data["quarantined"], data["kept_quarantined"], data["ended"]) == (2, 1, 2)
    assert _current(on_db, "gp") == {"p0": 1, "p1": 1}


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


def _workbook(path: Path, rows: list[list[Any]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Ref", "Name", "Born", "Visits"])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_xlsx_full_extract(on_db: str, tmp_path: Path) -> None:
    """A workbook's columns are fixed, so a row with values beyond the last column still names
    its record; a row with nothing identifying keeps its record too; one absent is ended."""
    mapping = tmp_path / "befriending.yaml"
    mapping.write_text(XLSX_MAPPING, encoding="utf-8")
    people = [[101, "Ada Lovelace", "1961-04-03", 2], [102, "Mary Seacole", "1950-11-11", 0]]
    people += [[103, "Ann Jones", "1970-06-05", 1], [104, "Jo Bloggs", "1980-02-01", 3]]
    _ingest(mapping, _workbook(tmp_path / "first.xlsx", people))
    rows = [people[0], [*people[1], "stray note"], [103, None, None, 1]]
    data = _ingest(mapping, _workbook(tmp_path / "full.xlsx", rows), "--full")
    assert (data["quarantined"], data["kept_quarantined"], data["ended"]) == (2, 2, 1)
    assert _current(on_db, "befriending") == {"101": 1, "102": 1, "103": 1}
