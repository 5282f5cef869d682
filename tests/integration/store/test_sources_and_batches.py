"""Organisations, sources, ingest batches and quarantine, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from joinedup.store import batches, sources
from joinedup.store.db import session_scope
from joinedup.store.tables import BATCH_COUNTS, IngestBatch, QuarantineEntry

from .helpers import make_batch, make_source


def test_ensure_organisation_creates_once_and_updates_what_is_given(engine):
    with session_scope(engine) as session:
        created = sources.ensure_organisation(session, "lcc")
        assert (created.name, created.kind) == ("lcc", None)
    with session_scope(engine) as session:
        sources.ensure_organisation(session, "lcc", "Leeds City Council", "council")
        sources.ensure_organisation(session, "lcc")  # nothing given: nothing changes
    with session_scope(engine) as session:
        [org] = sources.list_organisations(session)
        assert (org.id, org.name, org.kind) == ("lcc", "Leeds City Council", "council")
        assert org.created_at.tzinfo is not None


def test_ensure_source_creates_then_updates_and_stamps_only_real_changes(engine):
    with session_scope(engine) as session:
        first = make_source(session)
        created_at, updated_at = first.created_at, first.updated_at
    with session_scope(engine) as session:
        same = make_source(session)
        assert same.updated_at == updated_at
    with session_scope(engine) as session:
        changed = sources.ensure_source(
            session,
            source_id="gp",
            organisation_id="nhs-leeds",
            name="GP registrations",
            format="csv",
            category=None,
            mapping_text="source: gp\nname: GP registrations\n",
            mapping_sha256="f" * 64,
        )
        assert changed.updated_at > updated_at
    with session_scope(engine) as session:
        stored = sources.get_source(session, "gp")
        assert stored is not None
        assert (stored.name, stored.category, stored.mapping_sha256) == (
            "GP registrations",
            None,
            "f" * 64,
        )
        assert stored.created_at == created_at
        assert [s.id for s in sources.list_sources(session)] == ["gp"]


def test_a_source_of_adults_is_listed_as_such_and_can_stop_being_one(engine):
    with session_scope(engine) as session:
        make_source(session, "gp")
        make_source(session, "council_tax")
        assert sources.adult_source_ids(session) == frozenset()
    for flag, expected in ((True, {"council_tax"}), (False, set())):
        with session_scope(engine) as session:
            sources.ensure_source(
                session,
                source_id="council_tax",
                organisation_id="nhs-leeds",
                name="Council tax",
                format="csv",
                category=None,
                mapping_text="source: council_tax\n",
                mapping_sha256="c" * 64,
                adults_only=flag,
            )
        with session_scope(engine) as session:
            assert sources.adult_source_ids(session) == expected


def test_a_source_needs_its_organisation(engine):
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        sources.ensure_source(
            session,
            source_id="orphan",
            organisation_id="nobody",
            name="Orphan",
            format="csv",
            category=None,
            mapping_text="",
            mapping_sha256="0" * 64,
        )


def test_a_batch_starts_running_with_zero_counts_and_finishes_with_its_reconciliation(engine):
    counts = {"read": 10, "stored": 6, "updated": 1, "unchanged": 1, "quarantined": 1, "skipped": 1}
    with session_scope(engine) as session:
        make_source(session)
        batch = make_batch(session, full=True)
        assert batch.id is not None
        assert (batch.status, batch.finished_at) == ("running", None)
        assert batch.counts() == dict.fromkeys(BATCH_COUNTS, 0)
        batch_id = batch.id
    with session_scope(engine) as session:
        batch = batches.get_batch(session, batch_id)
        assert batch is not None
        batches.finish_batch(session, batch, counts=counts, status="complete", message="ok")
    with session_scope(engine) as session:
        batch = batches.get_batch(session, batch_id)
        assert batch is not None
        assert batch.counts() == {**counts, "ended": 0}
        assert (batch.status, batch.message, batch.full) == ("complete", "ok", True)
        assert batch.finished_at is not None and batch.finished_at >= batch.started_at


@pytest.mark.parametrize(
    ("counts", "status", "problem"),
    [
        ({"read": 1}, "done", "status"),
        ({"rows": 1}, "complete", "unknown batch counts"),
    ],
)
def test_finish_batch_rejects_unknown_status_and_counts(engine, counts, status, problem):
    with session_scope(engine) as session:
        make_source(session)
        batch = make_batch(session)
        with pytest.raises(ValueError, match=problem):
            batches.finish_batch(session, batch, counts=counts, status=status)


def test_the_database_itself_refuses_an_unknown_status(engine):
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        make_source(session)
        batch = make_batch(session)
        batch.status = "exploded"
        session.flush()


def test_batch_ids_grow_and_list_newest_first(engine):
    with session_scope(engine) as session:
        make_source(session, "gp")
        make_source(session, "ct", "lcc")
        ids = [make_batch(session, s).id for s in ("gp", "ct", "gp")]
    assert ids == sorted(ids)
    with session_scope(engine) as session:
        assert [b.id for b in batches.list_batches(session)] == ids[::-1]
        assert [b.id for b in batches.list_batches(session, "gp")] == [ids[2], ids[0]]
        assert batches.latest_batch_id(session) == ids[2]


def test_quarantine_keeps_position_raw_content_and_every_reason(engine):
    with session_scope(engine) as session:
        make_source(session)
        batch_id = make_batch(session).id
        batches.add_quarantine(
            session,
            batch_id=batch_id,
            source_id="gp",
            line_number=7,
            record_number=5,
            raw='A1,"Smith",extra,columns',
            reasons=["expected 3 columns, found 4", "no identifying field"],
        )
        batches.add_quarantine(
            session,
            batch_id=batch_id,
            source_id="gp",
            line_number=None,
            record_number=2,
            raw="{not json",
            reasons=[{"code": "json", "message": "unparseable JSON"}],
        )
    with session_scope(engine) as session:
        rows = batches.list_quarantine(session, batch_id)
        assert [(r.record_number, r.line_number) for r in rows] == [(2, None), (5, 7)]
        assert rows[1].raw == 'A1,"Smith",extra,columns'
        assert rows[1].reasons == ["expected 3 columns, found 4", "no identifying field"]
        assert rows[0].reasons == [{"code": "json", "message": "unparseable JSON"}]


def test_quarantine_in_bulk_across_chunks(engine, monkeypatch):
    monkeypatch.setattr(batches, "QUARANTINE_CHUNK", 7)
    with session_scope(engine) as session:
        make_source(session)
        batch_id = make_batch(session).id
        written = batches.add_quarantine_many(
            session,
            (
                {
                    "batch_id": batch_id,
                    "source_id": "gp",
                    "line_number": n + 1,
                    "record_number": n,
                    "raw": f"row {n}",
                    "reasons": ("blank id",),
                }
                for n in range(1, 24)
            ),
        )
    assert written == 23
    with session_scope(engine) as session:
        rows = batches.list_quarantine(session, batch_id)
        assert [r.record_number for r in rows] == list(range(1, 24))
        assert rows[0].reasons == ["blank id"]
        assert len(batches.list_quarantine(session, batch_id, limit=5)) == 5


def test_quarantine_row_without_required_fields_is_refused(engine):
    with session_scope(engine) as session, pytest.raises(ValueError, match="missing"):
        batches.add_quarantine_many(session, [{"batch_id": 1, "raw": "x"}])


def test_nul_characters_are_stored_as_replacement_characters_on_both_backends(engine):
    with session_scope(engine) as session:
        make_source(session)
        batch_id = make_batch(session).id
        batches.add_quarantine(
            session,
            batch_id=batch_id,
            source_id="gp",
            line_number=1,
            record_number=1,
            raw="a\x00b",
            reasons=["stray \x00 byte"],
        )
    with session_scope(engine) as session:
        [row] = session.scalars(select(QuarantineEntry)).all()
        assert (row.raw, row.reasons) == ("a\ufffdb", ["stray \ufffd byte"])


def test_session_scope_rolls_back_everything_on_error(engine):
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        make_source(session)
        make_batch(session)
        raise RuntimeError("boom")
    with session_scope(engine) as session:
        assert sources.list_organisations(session) == []
        assert session.scalars(select(IngestBatch)).all() == []
