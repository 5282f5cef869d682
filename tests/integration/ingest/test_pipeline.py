"""ingest_file on SQLite and PostgreSQL: versions, idempotence, duplicates, --full, failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from joinedup.ingest.errors import MassEndRefused, SourceConflict, SourceFileError
from joinedup.ingest.mapping import load_mapping
from joinedup.ingest.pipeline import IngestProgress, ingest_file
from joinedup.store import batches, records
from joinedup.store.db import session_scope
from joinedup.store.tables import Source
from tests.integration.ingest.helpers import ROWS, write_csv, write_mapping

ALL = "".join(ROWS.values())


def test_first_ingest_and_reingest(engine: Engine, tmp_path: Path) -> None:
    mapping = write_mapping(tmp_path)
    path = write_csv(tmp_path, ALL + "\n4,,,,,\n5,too,few\n")
    seen: list[IngestProgress] = []
    first = ingest_file(engine, mapping, path, progress=seen.append)
    assert (first.read, first.stored, first.quarantined, first.skipped) == (6, 3, 2, 1)
    assert first.warnings == 1  # the NHS number of row 2 fails Modulus 11; the row is kept
    assert {p.phase for p in seen} == {"scan", "store"}
    again = ingest_file(engine, load_mapping(mapping), path)
    assert (again.stored, again.updated, again.unchanged, again.quarantined) == (0, 0, 3, 2)
    with session_scope(engine) as session:
        assert records.count_current(session, "council_tax") == 3
        jane = records.get_current(session, "council_tax", "2")
        assert jane is not None
        assert (jane.title, jane.given_name, jane.family_name) == ("Mrs", "Jane", "Smith")
        assert jane.nhs_number is None and jane.postcode == "LS6 2AB"
        assert jane.dq_warnings and jane.dq_warnings[0].startswith("nhs_number: ")
        assert jane.attributes == {"band": "C"}
        renee = records.get_current(session, "council_tax", "3")
        assert renee is not None and renee.given_name == "Renée"
        quarantined = batches.list_quarantine(session, first.batch_id)
        assert [(q.line_number, q.raw) for q in quarantined] == [(6, "4,,,,,"), (7, "5,too,few")]
        assert quarantined[1].reasons == ["expected 6 columns, found 3"]
        batch = batches.get_batch(session, first.batch_id)
        assert batch is not None and batch.status == "complete"
        assert batch.counts() == first.counts()


def test_a_changed_row_is_a_new_version(engine: Engine, tmp_path: Path) -> None:
    mapping = write_mapping(tmp_path)
    ingest_file(engine, mapping, write_csv(tmp_path, ALL))
    moved = ALL.replace("LS1 1AA", "LS7 3QB")
    result = ingest_file(engine, mapping, write_csv(tmp_path, moved, name="ctax2.csv"))
    assert (result.stored, result.updated, result.unchanged) == (0, 1, 2)
    with session_scope(engine) as session:
        versions = records.get_versions(session, "council_tax", "3")
        assert [(v.version, v.postcode) for v in versions] == [(1, "LS1 1AA"), (2, "LS7 3QB")]
        assert versions[0].valid_to is not None and versions[0].ended_batch_id == result.batch_id
        assert versions[1].valid_to is None


def test_an_unread_column_makes_no_new_version(engine: Engine, tmp_path: Path) -> None:
    mapping = write_mapping(tmp_path)
    ingest_file(engine, mapping, write_csv(tmp_path, ALL))
    reformatted = ALL.replace("03/04/1961", "3/4/1961")
    result = ingest_file(engine, mapping, write_csv(tmp_path, reformatted, name="b.csv"))
    assert result.unchanged == 3


def test_full_extract_ends_absent_records(engine: Engine, tmp_path: Path) -> None:
    mapping = write_mapping(tmp_path)
    ingest_file(engine, mapping, write_csv(tmp_path, ALL))
    partial = write_csv(tmp_path, ROWS["1"] + ROWS["3"], name="partial.csv")
    assert ingest_file(engine, mapping, partial).ended == 0
    result = ingest_file(engine, mapping, partial, full=True)
    assert (result.ended, result.unchanged) == (1, 2)
    with session_scope(engine) as session:
        assert records.get_current(session, "council_tax", "2") is None
        assert records.count_current(session, "council_tax") == 2


def _people(ids: range) -> str:
    return "".join(f"{i},Name {i},01/01/1970,,,\n" for i in ids)


# (why, full extract after 40 stored records, whether it is refused)
MASS_END_CASES = [
    ("a header-only file", "", True),
    ("every row quarantined (the wrong delimiter)", "1;Ann;01/01/1970;;;\n2;Bo;;;;\n", True),
    ("a cut-off export: 10 of 40", _people(range(10)), True),
    ("half the source, not more", _people(range(20)), False),
    ("the usual few leave", _people(range(37)), False),
]


@pytest.mark.parametrize(
    ("why", "body", "refused"), MASS_END_CASES, ids=[c[0] for c in MASS_END_CASES]
)
def test_a_full_extract_that_would_end_most_of_its_source_is_refused(
    engine: Engine, tmp_path: Path, why: str, body: str, refused: bool
) -> None:
    mapping = write_mapping(tmp_path)
    ingest_file(engine, mapping, write_csv(tmp_path, _people(range(40))))
    extract = write_csv(tmp_path, body, name="extract.csv")
    if not refused:
        assert ingest_file(engine, mapping, extract, full=True).ended == 40 - body.count("\n")
        return
    with pytest.raises(MassEndRefused, match=r"extract\.csv: refused as a full extract") as caught:
        ingest_file(engine, mapping, extract, full=True)
    assert "--allow-mass-end" in str(caught.value) and "Nothing was stored" in str(caught.value)
    with session_scope(engine) as session:
        assert records.count_current(session, "council_tax") == 40  # nothing ended
        statuses = [b.status for b in batches.list_batches(session, "council_tax")]
        assert sorted(statuses) == ["complete", "failed"]
    allowed = ingest_file(engine, mapping, extract, full=True, allow_mass_end=True)
    assert allowed.ended == 40 - allowed.stored - allowed.updated - allowed.unchanged


def test_a_small_source_may_lose_most_of_its_few_records(engine: Engine, tmp_path: Path) -> None:
    mapping = write_mapping(tmp_path)
    ingest_file(engine, mapping, write_csv(tmp_path, ROWS["1"] + ROWS["2"] + ROWS["3"]))
    partial = write_csv(tmp_path, ROWS["1"], name="partial.csv")
    assert ingest_file(engine, mapping, partial, full=True).ended == 2


def test_duplicate_ids_later_row_wins_and_reingest_is_stable(
    engine: Engine, tmp_path: Path
) -> None:
    mapping = write_mapping(tmp_path)
    body = ROWS["1"] + ROWS["3"] + ROWS["1"].replace("LS6 2AB", "LS8 1AA")
    path = write_csv(tmp_path, body)
    first = ingest_file(engine, mapping, path)
    assert (first.stored, first.quarantined, first.duplicates) == (2, 1, 1)
    again = ingest_file(engine, mapping, path)
    assert (again.stored, again.updated, again.unchanged, again.quarantined) == (0, 0, 2, 1)
    with session_scope(engine) as session:
        current = records.get_current(session, "council_tax", "1")
        assert current is not None and current.postcode == "LS8 1AA"
        [earlier] = batches.list_quarantine(session, first.batch_id)
        assert earlier.line_number == 2
        assert earlier.reasons == ["record id repeated at line 4; only that later row is read"]


def test_a_fatal_problem_stores_nothing(engine: Engine, tmp_path: Path) -> None:
    explicit = (
        write_mapping(tmp_path).read_text().replace("format: csv", "format: csv\nencoding: utf-8")
    )
    mapping = write_mapping(tmp_path, explicit)
    body = (
        ROWS["1"]
        + ROWS["2"]
        + "".join(f"{i},Name {i},01/01/1970,,,\n" for i in range(10, 3000))
        + "9,£,,,,\n"
    )
    path = write_csv(tmp_path, body, encoding="cp1252")
    with pytest.raises(
        SourceFileError, match=r"ctax\.csv: line 2994: bytes that are not valid utf-8"
    ):
        ingest_file(engine, mapping, path)
    with session_scope(engine) as session:
        assert records.count_current(session) == 0
        [batch] = batches.list_batches(session, "council_tax")
        assert batch.status == "failed" and batch.stored == 0
        assert batch.message is not None and "not valid utf-8" in batch.message


def test_missing_file_records_nothing(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(SourceFileError, match="file not found"):
        ingest_file(engine, write_mapping(tmp_path), tmp_path / "absent.csv")
    with session_scope(engine) as session:
        assert batches.list_batches(session) == []


@pytest.mark.parametrize(
    ("line", "changed"),
    [
        ("organisation: leeds-city-council", "organisation: other-council"),
        ("category: finance.council_tax", "category: health.gp_registration"),
    ],
)
def test_a_mapping_never_moves_a_source_to_another_organisation_or_category(
    engine: Engine, tmp_path: Path, line: str, changed: str
) -> None:
    mapping = write_mapping(tmp_path)
    path = write_csv(tmp_path, ROWS["1"])
    ingest_file(engine, mapping, path)
    moved = write_mapping(tmp_path, mapping.read_text().replace(line, changed))
    with pytest.raises(SourceConflict, match="never changes them"):
        ingest_file(engine, moved, path)
    with session_scope(engine) as session:
        [source] = [s for s in session.query(Source).all() if s.id == "council_tax"]
        assert (source.organisation_id, source.category) == (
            "leeds-city-council",
            "finance.council_tax",
        )


def test_a_nul_in_a_record_id_is_kept_as_the_store_keeps_it_on_both_databases(
    engine: Engine, tmp_path: Path
) -> None:
    # PostgreSQL refuses a NUL in text: the staged ids failed the whole file there.
    mapping = write_mapping(tmp_path)
    body = "1\x00a,Ann Lee,01/01/1970,,,\n" + ROWS["2"] + "1\x00a,Ann Lee,02/01/1970,,,\n"
    result = ingest_file(engine, mapping, write_csv(tmp_path, body, encoding="utf-8"))
    assert (result.stored, result.quarantined) == (2, 1)  # the first row 1\x00a gave way
    with session_scope(engine) as session:
        kept = records.get_current(session, "council_tax", "1\ufffda")
        assert kept is not None and kept.date_of_birth == "1970-01-02"
