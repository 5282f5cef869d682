"""Versioned source records: insert, find current, end, stream — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError

from joinedup.store import records
from joinedup.store.db import session_scope
from joinedup.store.tables import PERSON_FIELDS, PERSON_LIST_FIELDS

from .helpers import make_batch, make_source, version_row

ZOE = {
    "title": "Ms",
    "given_name": "Zoë",
    "middle_names": "Ann Marie",
    "family_name": "O'Neill",
    "preferred_name": "Zo",
    "other_family_names": ("Smith-Jones", "Łukasz"),
    "date_of_birth": "1961-04-03",
    "year_of_birth": 1961,
    "sex": "female",
    "nhs_number": "9434765919",
    "flat": "Flat 3",
    "house_number": "12A",
    "street": "Harehills Lane",
    "town": "Leeds",
    "postcode": "LS6 2AB",
    "uprn": "72000000001",
    "phones": ["+447700900123"],
    "emails": ["zoe@example.org"],
}


@pytest.mark.parametrize(
    ("source_id", "record_id", "key"),
    [
        ("gp", "A123", "gp|A123"),
        ("council_tax", "0001", "council_tax|0001"),
        ("fhir", "urn:uuid:1|2", "fhir|urn:uuid:1|2"),
    ],
)
def test_record_key_and_back(source_id, record_id, key):
    assert records.record_key(source_id, record_id) == key
    assert records.split_record_key(key) == (source_id, record_id)


def test_split_record_key_rejects_a_bare_id():
    with pytest.raises(ValueError):
        records.split_record_key("A123")


def test_a_record_round_trips_every_person_field(engine):
    with session_scope(engine) as session:
        make_source(session)
        batch_id = make_batch(session).id
        row = version_row(
            "gp",
            "A1",
            batch_id,
            attributes={"practice": "B86001", "registered": "2001-01-01"},
            dq_warnings=[{"field": "phone", "reason": "not a UK number"}],
            **ZOE,
        )
        assert records.insert_versions(session, [row]) == 1
    with session_scope(engine) as session:
        stored = records.get_current(session, "gp", "A1")
        assert stored is not None
        for name in PERSON_FIELDS:
            expected = ZOE.get(name)
            if isinstance(expected, tuple):
                expected = list(expected)
            if name in ("other_family_names", "phones", "emails") and expected is None:
                expected = []
            assert getattr(stored, name) == expected, name
        assert stored.attributes == {"practice": "B86001", "registered": "2001-01-01"}
        assert stored.dq_warnings == [{"field": "phone", "reason": "not a UK number"}]
        assert stored.raw == row["raw"]
        assert (stored.version, stored.valid_to, stored.key) == (1, None, "gp|A1")
        assert stored.valid_from.tzinfo is not None


def test_missing_optional_columns_get_their_defaults(engine):
    with session_scope(engine) as session:
        make_source(session)
        batch_id = make_batch(session).id
        records.insert_versions(session, [version_row("gp", "bare", batch_id)])
    with session_scope(engine) as session:
        stored = records.get_current(session, "gp", "bare")
        assert stored is not None
        assert (stored.attributes, stored.dq_warnings, stored.phones) == ({}, [], [])
        assert stored.family_name is None


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"colour": "blue"}, "unknown source_records columns"),
        ({"content_hash": None}, "needs"),
        ({"raw": None}, "needs"),
    ],
)
def test_bad_rows_are_refused_before_anything_is_written(engine, change, problem):
    with session_scope(engine) as session:
        make_source(session)
        batch_id = make_batch(session).id
        with pytest.raises(ValueError, match=problem):
            records.insert_versions(session, [{**version_row("gp", "x", batch_id), **change}])


def test_current_versions_lists_only_current_rows_of_one_source(engine):
    with session_scope(engine) as session:
        make_source(session, "gp")
        make_source(session, "ct", "lcc")
        gp_batch = make_batch(session, "gp").id
        ct_batch = make_batch(session, "ct").id
        records.insert_versions(
            session,
            [version_row("gp", f"P{n}", gp_batch, family_name="Khan") for n in range(5)]
            + [version_row("ct", "P0", ct_batch)],
        )
    with session_scope(engine) as session:
        current = records.current_versions(session, "gp")
        assert sorted(current) == [f"P{n}" for n in range(5)]
        assert all(v.version == 1 and len(v.content_hash) == 64 for v in current.values())
        assert current["P0"].row_id == current["P0"].id
        assert records.current_versions(session, "nobody") == {}


def test_a_changed_record_ends_its_old_version_and_gets_a_new_one(engine):
    first_seen = datetime(2026, 1, 1, 9, 30, tzinfo=UTC)
    with session_scope(engine) as session:
        make_source(session)
        batch_id = make_batch(session).id
        records.insert_versions(
            session,
            [version_row("gp", "A1", batch_id, family_name="Smith", valid_from=first_seen)],
        )
    with session_scope(engine) as session:
        second = make_batch(session).id
        old = records.current_versions(session, "gp")["A1"]
        changed_at = first_seen + timedelta(days=30)
        assert records.end_versions(session, [old.id], changed_at, batch_id=second) == 1
        records.insert_versions(
            session,
            [
                version_row(
                    "gp", "A1", second, version=2, family_name="Jones", valid_from=changed_at
                )
            ],
        )
    with session_scope(engine) as session:
        current = records.get_current(session, "gp", "A1")
        assert current is not None
        assert (current.version, current.family_name) == (2, "Jones")
        history = records.get_versions(session, "gp", "A1")
        assert [(v.version, v.family_name) for v in history] == [(1, "Smith"), (2, "Jones")]
        assert history[0].valid_from == first_seen
        assert history[0].valid_to == changed_at
        assert history[0].ended_batch_id == second
        assert records.count_current(session, "gp") == 1


def test_at_most_one_current_version_per_record(engine):
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        make_source(session)
        batch_id = make_batch(session).id
        records.insert_versions(session, [version_row("gp", "A1", batch_id)])
        records.insert_versions(session, [version_row("gp", "A1", batch_id, version=2)])
        session.flush()


def test_a_version_number_is_used_once_per_record(engine):
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        make_source(session)
        batch_id = make_batch(session).id
        records.insert_versions(session, [version_row("gp", "A1", batch_id)])
        records.end_versions(session, [records.current_versions(session, "gp")["A1"].id], _now())
        records.insert_versions(session, [version_row("gp", "A1", batch_id)])


def test_end_versions_in_bulk_leaves_ended_rows_alone(engine, monkeypatch):
    monkeypatch.setattr(records, "UPDATE_CHUNK", 4)
    with session_scope(engine) as session:
        make_source(session)
        batch_id = make_batch(session).id
        records.insert_versions(
            session, [version_row("gp", f"R{n:02d}", batch_id) for n in range(10)]
        )
    with session_scope(engine) as session:
        current = records.current_versions(session, "gp")
        ids = [current[f"R{n:02d}"].id for n in range(7)]
        assert records.end_versions(session, ids, _now()) == 7
        assert records.end_versions(session, ids, _now()) == 0
    with session_scope(engine) as session:
        assert sorted(records.current_versions(session, "gp")) == ["R07", "R08", "R09"]


def test_insert_versions_in_many_chunks(engine, monkeypatch):
    monkeypatch.setattr(records, "INSERT_CHUNK", 3)
    with session_scope(engine) as session:
        make_source(session)
        batch_id = make_batch(session).id
        rows = (version_row("gp", str(n), batch_id, year_of_birth=1900 + n) for n in range(11))
        assert records.insert_versions(session, rows) == 11
    with session_scope(engine) as session:
        assert records.count_current(session) == 11


def test_iter_current_filters_by_source_and_by_batch(engine):
    with session_scope(engine) as session:
        make_source(session, "gp")
        make_source(session, "ct", "lcc")
        b1 = make_batch(session, "gp").id
        records.insert_versions(session, [version_row("gp", "1", b1), version_row("gp", "2", b1)])
        b2 = make_batch(session, "ct").id
        records.insert_versions(session, [version_row("ct", "1", b2)])
        b3 = make_batch(session, "gp").id
        records.end_versions(session, [records.current_versions(session, "gp")["2"].id], _now())
        records.insert_versions(session, [version_row("gp", "2", b3, version=2)])

    def keys(**kwargs):
        with session_scope(engine) as session:
            return sorted(
                records.record_key(r["source_id"], r["record_id"])
                for r in records.iter_current(session, **kwargs)
            )

    assert keys() == ["ct|1", "gp|1", "gp|2"]
    assert keys(source_ids=["gp"]) == ["gp|1", "gp|2"]
    assert keys(source_ids=[]) == []
    assert keys(changed_since_batch=b1) == ["ct|1", "gp|2"]
    assert keys(changed_since_batch=b2) == ["gp|2"]
    assert keys(changed_since_batch=b3) == []
    assert keys(source_ids=["ct"], changed_since_batch=b1) == ["ct|1"]


def test_iter_current_streams_chunks_in_row_order_with_chosen_columns(engine):
    with session_scope(engine) as session:
        make_source(session)
        batch_id = make_batch(session).id
        records.insert_versions(
            session, [version_row("gp", f"{n:03d}", batch_id, **ZOE) for n in range(25)]
        )
    with session_scope(engine) as session:
        chunks = list(
            records.iter_current_chunks(session, columns=records.LINKAGE_COLUMNS, chunk_size=10)
        )
        assert [len(c) for c in chunks] == [10, 10, 5]
        rows = [row for chunk in chunks for row in chunk]
        assert [r["record_id"] for r in rows] == [f"{n:03d}" for n in range(25)]
        assert set(rows[0].keys()) == set(records.LINKAGE_COLUMNS)
        assert rows[0]["given_name"] == "Zoë" and rows[0]["phones"] == ["+447700900123"]
        streamed = list(records.iter_current(session, chunk_size=7))
        assert len(streamed) == 25 and "raw" in streamed[0]


def test_lists_as_stored_read_back_as_sqlalchemy_reads_them(engine):
    with session_scope(engine) as session:
        make_source(session)
        batch_id = make_batch(session).id
        rows = [version_row("gp", f"{n:03d}", batch_id, **ZOE) for n in range(5)]
        rows += [version_row("gp", "bare", batch_id, given_name="Al")]  # empty list columns
        rows += [version_row("gp", "quoted", batch_id, other_family_names=('O"Brien', "\\x"))]
        records.insert_versions(session, rows)
    with session_scope(engine) as session:

        def read(as_stored):
            return [
                tuple(row)
                for chunk in records.iter_current_chunks(
                    session,
                    columns=records.LINKAGE_COLUMNS,
                    mappings=False,
                    lists_as_stored=as_stored,
                )
                for row in chunk
            ]

        parsed, stored = read(False), read(True)
    lists = [i for i, name in enumerate(records.LINKAGE_COLUMNS) if name in PERSON_LIST_FIELDS]
    assert len(lists) == 3
    for ours, theirs in zip(stored, parsed, strict=True):
        row = list(ours)
        for i in lists:
            row[i] = records.stored_list(row[i])
        assert tuple(row) == theirs
    assert [r[lists[0]] for r in parsed][-2:] == [[], ['O"Brien', "\\x"]]


def test_ended_since_names_records_that_went_away_not_those_that_changed(engine):
    with session_scope(engine) as session:
        make_source(session)
        b1 = make_batch(session).id
        records.insert_versions(
            session, [version_row("gp", name, b1) for name in ("stays", "changes", "goes")]
        )
    with session_scope(engine) as session:
        b2 = make_batch(session, full=True).id
        current = records.current_versions(session, "gp")
        records.end_versions(
            session, [current["changes"].id, current["goes"].id], _now(), batch_id=b2
        )
        records.insert_versions(session, [version_row("gp", "changes", b2, version=2)])
    with session_scope(engine) as session:
        assert records.ended_since(session, b1) == ["gp|goes"]
        assert records.ended_since(session, b1, source_ids=["other"]) == []
        assert records.ended_since(session, b2) == []
        assert records.get_current(session, "gp", "goes") is None


def test_timestamps_read_back_as_utc_whatever_zone_they_were_given_in(engine):
    leeds_summer = timezone(timedelta(hours=1))
    given = datetime(2026, 7, 1, 10, 0, tzinfo=leeds_summer)
    naive = datetime(2026, 7, 1, 9, 0)
    with session_scope(engine) as session:
        make_source(session)
        batch_id = make_batch(session).id
        records.insert_versions(
            session,
            [
                version_row("gp", "aware", batch_id, valid_from=given),
                version_row("gp", "naive", batch_id, valid_from=naive),
            ],
        )
    with session_scope(engine) as session:
        aware = records.get_current(session, "gp", "aware")
        plain = records.get_current(session, "gp", "naive")
        assert aware is not None and plain is not None
        assert aware.valid_from == datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
        assert aware.valid_from.utcoffset() == timedelta(0)
        assert plain.valid_from == aware.valid_from


def test_nul_characters_in_a_record_are_replaced_on_both_backends(engine):
    with session_scope(engine) as session:
        make_source(session)
        batch_id = make_batch(session).id
        row = version_row("gp", "nul", batch_id, family_name="Sm\x00ith", phones=["+44\x00"])
        row["raw"] = {"na\x00me": ["Sm\x00ith", 1, None]}
        records.insert_versions(session, [row])
    with session_scope(engine) as session:
        stored = records.get_current(session, "gp", "nul")
        assert stored is not None
        assert stored.family_name == "Sm\ufffdith"
        assert stored.phones == ["+44\ufffd"]
        assert stored.raw == {"na\ufffdme": ["Sm\ufffdith", 1, None]}


def _now() -> datetime:
    return datetime.now(UTC)


def test_ended_versions_gives_the_last_version_of_records_that_went_away(engine):
    with session_scope(engine) as session:
        make_source(session)
        b1 = make_batch(session).id
        records.insert_versions(
            session, [version_row("gp", rid, b1) for rid in ("stays", "goes", "twice")]
        )
        current = records.current_versions(session, "gp")
        records.end_versions(session, [current["twice"].id], _now(), batch_id=b1)
        records.insert_versions(session, [version_row("gp", "twice", b1, version=2)])
        current = records.current_versions(session, "gp")
        records.end_versions(session, [current["goes"].id, current["twice"].id], _now())
    with session_scope(engine) as session:
        assert records.ended_versions(session, "gp") == {"goes": 1, "twice": 2}
        # Coming back: numbered after the old versions, and then no longer "ended".
        b2 = make_batch(session).id
        records.insert_versions(session, [version_row("gp", "goes", b2, version=2)])
    with session_scope(engine) as session:
        assert records.ended_versions(session, "gp") == {"twice": 2}
        assert records.ended_versions(session, "nobody") == {}


def test_iter_current_refuses_unknown_columns(engine):
    with session_scope(engine) as session, pytest.raises(ValueError, match="shoe_size"):
        list(records.iter_current(session, columns=["record_id", "shoe_size"]))
