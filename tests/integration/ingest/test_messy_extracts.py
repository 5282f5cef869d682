"""Extracts as council, NHS and charity systems really write them, through ingest_file on
SQLite and PostgreSQL: what is stored, what is warned about, and that every row is counted."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine

from joinedup.ingest.mapping import parse_mapping
from joinedup.ingest.pipeline import ingest_file
from joinedup.ingest.readers.base import FOOTER_REASON, HEADER_AGAIN_REASON
from joinedup.store import records
from joinedup.store.db import session_scope
from joinedup.store.tables import QuarantineEntry

MAPPING = {
    "source": "adult_social_care",
    "organisation": "council",
    "format": "csv",
    "record_id": "Person ID",
    "person": {
        "full_name": "Name",
        "date_of_birth": "DOB",
        "date_of_death": "Date of Death",
        "nhs_number": "NHS No",
        "phone": "Contact",
    },
}
# Excel's "Unicode text" export: UTF-16 LE with a byte-order mark, tab-separated, CRLF; a
# cell typed with Alt+Enter is quoted and holds a bare line break.
UNICODE_TEXT = (
    "Person ID\tName\tDOB\tDate of Death\tNHS No\tContact\r\n"
    "P1\tMrs Mary Smith nee Jones\tApril 1961\t01/01/1900\t9.43477E+09\t07700900123;01134960000\r\n"
    'P2\tSMITH, John (Jack)\t00/00/1958\t\t9434765919.0\t"07700 900124\n0113 496 0001"\r\n'
)


def test_an_excel_unicode_text_export(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "asc.txt"
    path.write_bytes(UNICODE_TEXT.encode("utf-16"))
    result = ingest_file(engine, parse_mapping(MAPPING), path)
    assert (result.read, result.stored, result.quarantined, result.skipped) == (2, 2, 0, 0)
    with session_scope(engine) as session:
        mary = records.get_current(session, "adult_social_care", "P1")
        john = records.get_current(session, "adult_social_care", "P2")
        assert mary is not None and john is not None
        # Family name Smith, Jones another family name (was family Jones, middle "Smith Nee").
        assert (mary.given_name, mary.middle_names, mary.family_name) == ("Mary", None, "Smith")
        assert mary.other_family_names == ["Jones"]
        # The year of a date known only to the month (was dropped with the date).
        assert (mary.date_of_birth, mary.year_of_birth) == (None, 1961)
        # SQL Server's 1900-01-01 for an empty date: not dead since 1900.
        assert mary.date_of_death is None
        # Excel's scientific notation lost the NHS number's digits: dropped, never guessed.
        assert mary.nhs_number is None
        assert mary.phones == ["+447700900123", "+441134960000"]  # the second was lost
        assert {w.split(":")[0] for w in mary.dq_warnings} == {
            "date_of_birth",
            "date_of_death",
            "nhs_number",
        }
        assert any("scientific notation" in w for w in mary.dq_warnings)
        assert (john.year_of_birth, john.nhs_number) == (1958, "9434765919")
        assert john.phones == ["+447700900124", "+441134960001"]


def test_a_sep_line_cr_endings_and_a_totals_row(engine: Engine, tmp_path: Path) -> None:
    # Excel's "sep=;" line, classic Mac line ends, and a report's count as the last line.
    text = (
        "sep=;\rPerson ID;Name;DOB;Date of Death;NHS No;Contact\r"
        "P1;Ann Jones;03/04/1961;;;\rP2;Bob Khan;04/05/1970;;;\rTotal records: 2;;;;;\r"
    )
    path = tmp_path / "asc.csv"
    path.write_text(text, encoding="cp1252", newline="")
    result = ingest_file(engine, parse_mapping(MAPPING), path)
    assert (result.read, result.stored, result.quarantined) == (3, 2, 1)
    with session_scope(engine) as session:
        ann = records.get_current(session, "adult_social_care", "P1")
        assert ann is not None and (ann.family_name, ann.date_of_birth) == ("Jones", "1961-04-03")
        # Said for what it is (it was "no identifying field … name has no letters").
        [(line, reasons)] = session.execute(
            select(QuarantineEntry.line_number, QuarantineEntry.reasons)
        ).all()
        assert (line, reasons) == (5, [FOOTER_REASON])


def test_a_paged_report_export(engine: Engine, tmp_path: Path) -> None:
    # A report exported page by page: its header at each page's top, a page footer, a name
    # marked deceased, a newborn's "Baby", dates as such reports write them: each read, and
    # what is not kept said for what it is.
    header = "Person ID,Name,DOB,Date of Death,NHS No,Contact\n"
    text = (
        header
        + "P1,SMITH John *DECEASED*,03 04 1941,April 2020,NHS: 943 476 5919,\n"
        + "P2,BABY JONES,Apr-26,,,\n"
        + "Page 1 of 2,,,,,\n"
        + header
        + "P3,J.KHAN,22374,,,07700 900123\n"
        + "Total records,,3,,,\n"
    )
    path = tmp_path / "asc.csv"
    path.write_text(text, encoding="cp1252")
    result = ingest_file(engine, parse_mapping(MAPPING), path)
    assert (result.read, result.stored, result.quarantined) == (6, 3, 3)
    with session_scope(engine) as session:
        john = records.get_current(session, "adult_social_care", "P1")
        baby = records.get_current(session, "adult_social_care", "P2")
        khan = records.get_current(session, "adult_social_care", "P3")
        assert john is not None and baby is not None and khan is not None
        assert (john.given_name, john.family_name) == ("John", "Smith")
        assert (john.date_of_birth, john.nhs_number, john.date_of_death) == (
            "1941-04-03",
            "9434765919",
            None,
        )
        assert [w.split(":")[0] for w in john.dq_warnings] == ["full_name", "date_of_death"]
        assert (baby.given_name, baby.family_name, baby.year_of_birth) == (None, "Jones", 2026)
        assert [w.split(":")[0] for w in baby.dq_warnings] == ["full_name", "date_of_birth"]
        assert (khan.given_name, khan.family_name, khan.date_of_birth) == (
            "J",
            "Khan",
            "1961-04-03",
        )
        reasons = [
            r
            for (r,) in session.execute(
                select(QuarantineEntry.reasons).order_by(QuarantineEntry.line_number)
            )
        ]
        assert reasons == [[FOOTER_REASON], [HEADER_AGAIN_REASON], [FOOTER_REASON]]


def test_quotes_not_doubled_and_new_date_forms(engine: Engine, tmp_path: Path) -> None:
    # An exporter that does not double quotes: csv read '"O"Brien, Ann"' one column on, and
    # '"Khan, Jo"' after '"Flat 5" High St"' as 'Flat 5 High St"' (the columns added up).
    # Dates of an XML export (xs:date with a zone), a float-typed column and an estimate.
    mapping = {**MAPPING, "person": {**MAPPING["person"], "address": "Address"}}
    text = (
        "Person ID,Name,DOB,Date of Death,NHS No,Contact,Address\n"
        'P1,"O"Brien, Ann",1961-04-03Z,,,,"5"" Main St, Leeds LS6 2AB"\n'
        'P2,"Khan, Jo",19610403.0,,,,"Flat 5" High St, Leeds LS6 2AB"\n'
        'P3,"He said "no", then left",03/04/1961 (est),,,,\n'
    )
    path = tmp_path / "asc.csv"
    path.write_text(text, encoding="utf-8")
    result = ingest_file(engine, parse_mapping(mapping), path)
    assert (result.read, result.stored, result.quarantined) == (3, 2, 1)
    with session_scope(engine) as session:
        ann = records.get_current(session, "adult_social_care", "P1")
        jo = records.get_current(session, "adult_social_care", "P2")
        assert ann is not None and jo is not None
        assert (ann.given_name, ann.date_of_birth, ann.postcode) == ("Ann", "1961-04-03", "LS6 2AB")
        assert ann.raw["Name"] == 'O"Brien, Ann'
        assert ann.family_name == "O'Brien"  # the quote typed for an apostrophe
        assert (jo.given_name, jo.family_name, jo.date_of_birth) == ("Jo", "Khan", "1961-04-03")
        assert jo.raw["Address"] == 'Flat 5" High St, Leeds LS6 2AB'
        assert any(w.startswith("csv: a quote inside a quoted value") for w in ann.dq_warnings)
        [reasons] = session.execute(select(QuarantineEntry.reasons)).one()
        assert reasons[0].startswith("a quote inside a quoted value is not doubled")


def test_an_estimated_date_of_birth_keeps_its_year(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "asc.csv"
    path.write_text(
        "Person ID,Name,DOB,Date of Death,NHS No,Contact\nP1,Ann Jones,01/01/2008 (est),,,\n",
        encoding="utf-8",
    )
    result = ingest_file(engine, parse_mapping(MAPPING), path)
    assert (result.read, result.stored) == (1, 1)
    with session_scope(engine) as session:
        ann = records.get_current(session, "adult_social_care", "P1")
        assert ann is not None
        assert (ann.date_of_birth, ann.year_of_birth) == (None, 2008)
        assert [w.split(":")[1].strip()[:23] for w in ann.dq_warnings] == [
            "marked as estimated (it"
        ]


def test_a_header_in_another_case_is_read_and_said(engine: Engine, tmp_path: Path) -> None:
    # "PERSON ID" and "DOB " for the mapping's "Person ID" and "DOB": the ingest stopped with
    # "column 'Person ID' is not in the file (did you mean 'PERSON ID'?)".
    path = tmp_path / "asc.csv"
    path.write_text(
        "\ufeffPERSON ID,NAME,DOB ,Date of Death,NHS No,Contact\nP1,Ann Jones,03/04/1961,,,\n",
        encoding="utf-8",
    )
    result = ingest_file(engine, parse_mapping(MAPPING), path)
    assert (result.read, result.stored) == (1, 1)
    assert [n.split(",")[0] for n in result.notes] == [
        "column 'PERSON ID' was read for 'Person ID'",
        "column 'NAME' was read for 'Name'",
    ]
    assert "differ only in case" in result.summary()
    with session_scope(engine) as session:
        ann = records.get_current(session, "adult_social_care", "P1")
        assert ann is not None and (ann.family_name, ann.date_of_birth) == ("Jones", "1961-04-03")
