"""The master person index on SQLite and PostgreSQL: runs, stable ids, redirects, decisions.

Most tests inject a tiny deterministic scorer (``StubScorer``) so that they test the index, not
the model, and run in well under a second; ``test_real_model_*`` goes through the shipped
``PersonModel``. The helpers (``StubScorer``, ``Store``) live in ``index_helpers``.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from joinedup.errors import JoinedupError
from joinedup.linkage import review
from joinedup.linkage.explain import explain_person
from joinedup.linkage.index import link, lookup_person
from joinedup.linkage.persons import PersonNotFound, export_rows
from joinedup.store.db import session_scope
from joinedup.store.linkage_tables import LinkRun, PersonEvent
from joinedup.store.tables import SourceRecord
from tests.integration.linkage import index_helpers
from tests.integration.linkage.index_helpers import SOURCE, Store, StubScorer, key, person

BASE = [
    person("1", "Amara", "Okafor", "1980-01-02"),
    person("2", "Amara", "Okafor", "1980-01-02"),
    person("3", "Amara", "Okafor", "1980-01-02"),
    person("4", "Tomasz", "Nowak", "1975-05-06"),
    person("5", "Tomasz", "Nowak", "1975-05-06"),
    person("6", "Siobhan", "Kelly", "1990-09-09"),
]


@pytest.fixture
def store(engine: Engine) -> Store:
    store = Store(engine)
    store.put(*BASE)
    return store


def groups(assignment: dict[str, str]) -> set[frozenset[str]]:
    out: dict[str, set[str]] = {}
    for record_id, person_id in assignment.items():
        out.setdefault(person_id, set()).add(record_id)
    return {frozenset(g) for g in out.values()}


def events(engine: Engine, run_id: int) -> list[tuple[str, list[str]]]:
    with session_scope(engine) as session:
        rows = session.scalars(select(PersonEvent).where(PersonEvent.run_id == run_id))
        return [(row.kind, list(row.person_ids)) for row in rows]


def test_first_run_is_full_and_groups_records(store: Store) -> None:
    result = link(store.engine, model=StubScorer())
    assert result.mode == "full"
    assert groups(store.persons()) == {frozenset("123"), frozenset("45"), frozenset("6")}
    assert result.counts["persons"] == 3
    assert result.counts["created"] == 3
    with session_scope(store.engine) as session:
        run = session.get(LinkRun, result.run_id)
        assert run is not None and run.status == "done" and run.model_json
        assert run.thresholds and run.thresholds["match_probability"] == 0.999


def test_full_run_again_on_unchanged_data_changes_no_person_id(store: Store) -> None:
    link(store.engine, model=StubScorer())
    before = store.persons()
    again = link(store.engine, full=True, model=StubScorer())
    assert store.persons() == before
    assert again.counts["created"] == again.counts["merges"] == again.counts["splits"] == 0
    assert events(store.engine, again.run_id) == []


def test_incremental_with_nothing_new_scores_nothing(store: Store) -> None:
    link(store.engine, model=StubScorer())
    before = store.persons()
    scorer = StubScorer()
    result = link(store.engine, model=scorer)
    assert result.mode == "incremental"
    assert scorer.calls == []
    assert store.persons() == before


def test_new_records_join_or_form_persons_and_untouched_persons_keep_ids(store: Store) -> None:
    link(store.engine, model=StubScorer())
    before = store.persons()
    store.put(person("7", "Tomasz", "Nowak", "1975-05-06"), person("8", "Ada", "Byron"))
    scorer = StubScorer()
    result = link(store.engine, model=scorer)
    after = store.persons()
    assert scorer.calls == [2]  # only the two new records were scored
    assert after["7"] == before["4"]
    assert after["8"] not in before.values()
    assert {r: after[r] for r in before} == before
    assert result.counts["new_records"] == 2 and result.counts["created"] == 1


def test_a_new_record_in_the_unambiguous_band_joins_incrementally_as_a_full_run_joins_it(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "Siobhan Kelly" with no date of birth: one candidate, scored in the band. An incremental
    # run carried only persons reached at the threshold, so it left her alone until the next
    # full run (a tenth of a borough attached so lost 7% of its pairs).
    monkeypatch.setattr(index_helpers, "UNCERTAIN", 0.8)
    link(store.engine, model=StubScorer())
    before = store.persons()
    store.put(person("7", "Siobhan", "Kelly"))
    link(store.engine, model=StubScorer())
    after = store.persons()
    assert after["7"] == before["6"]
    assert {r: after[r] for r in before} == before
    link(store.engine, full=True, model=StubScorer())
    assert store.persons() == after


class _ClashingScorer(StubScorer):
    """The stub, and one name with two birth dates scored as two people (a contrary pair)."""

    def predict(
        self,
        df: pd.DataFrame | pa.Table,
        *,
        new_ids: set[str] | None = None,
        engine: str = "duckdb",
        term_frequencies: Any = None,
    ) -> pd.DataFrame:
        out = super().predict(df, new_ids=new_ids, engine=engine, term_frequencies=term_frequencies)
        rows = (df.to_pandas() if isinstance(df, pa.Table) else df).to_dict("records")
        clashes = []
        for a, b in itertools.combinations(rows, 2):
            if new_ids is not None and not {a["unique_id"], b["unique_id"]} & new_ids:
                continue
            same_name = a["given_key"] == b["given_key"] and a["family_key"] == b["family_key"]
            if same_name and a["dob"] and b["dob"] and a["dob"] != b["dob"]:
                left, right = sorted((a["unique_id"], b["unique_id"]))
                clashes.append((left, right, -13.3, 0.0001, 0.0, -13.3))
        return pd.concat([out, pd.DataFrame(clashes, columns=out.columns)], ignore_index=True)


def test_a_new_record_does_not_join_two_carried_persons_a_full_run_keeps_apart(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ana Ferreira, mother and daughter, one name and two birth dates; then a council-tax
    # "Ana Ferreira" with no birth date, a candidate for both. The run that attaches it must
    # see the pair between mother and daughter, as a full run does, or the row bridges them.
    store.put(
        person("20", "Ana", "Ferreira", "1960-05-12"), person("21", "Ana", "Ferreira", "1987-01-18")
    )
    link(store.engine, model=_ClashingScorer())
    assert store.persons()["20"] != store.persons()["21"]
    monkeypatch.setattr(index_helpers, "UNCERTAIN", 0.9999)
    store.put(person("22", "Ana", "Ferreira"))
    link(store.engine, model=_ClashingScorer())
    incremental = store.persons()
    assert incremental["20"] != incremental["21"]
    link(store.engine, full=True, model=_ClashingScorer())
    assert store.persons()["20"] != store.persons()["21"]


def test_an_edit_that_breaks_a_match_splits_and_the_larger_part_keeps_the_id(
    store: Store,
) -> None:
    link(store.engine, model=StubScorer())
    before = store.persons()
    store.put(person("3", "Amara", "Okafor", "1981-12-12"))
    result = link(store.engine, model=StubScorer())
    after = store.persons()
    assert after["1"] == after["2"] == before["1"]
    assert after["3"] != before["1"]
    assert after["4"] == before["4"] and after["6"] == before["6"]
    assert result.counts["changed_records"] == 1 and result.counts["splits"] == 1
    assert ("split", [before["1"], after["3"]]) in events(store.engine, result.run_id)


def test_a_link_decision_merges_persons_keeping_the_older_id_and_redirecting(
    store: Store,
) -> None:
    link(store.engine, model=StubScorer())
    store.put(person("9", "Siobhan", "Kelly-Byrne", "1990-09-09"))
    link(store.engine, model=StubScorer())
    before = store.persons()
    older, newer = before["6"], before["9"]
    assert older != newer
    with session_scope(store.engine) as session:
        review.decide(session, (key("9"), key("6")), "link", "A Reviewer", "married name")
    result = link(store.engine, model=StubScorer())
    after = store.persons()
    assert after["6"] == after["9"] == older
    assert result.counts["merges"] == 1
    with session_scope(store.engine) as session:
        found = lookup_person(session, newer)
        assert found.person_id == older and found.moved
        assert found.redirects[0] == (newer, result.run_id)
        assert lookup_person(session, older).person_id == older


def test_review_decisions_survive_a_full_run(store: Store) -> None:
    link(store.engine, model=StubScorer())
    store.put(person("9", "Siobhan", "Kelly-Byrne", "1990-09-09"))
    link(store.engine, model=StubScorer())
    with session_scope(store.engine) as session:
        review.decide(session, f"{key('6')} ~ {key('9')}", "link", "A Reviewer")
        review.decide(session, (key("1"), key("3")), "not-link", "A Reviewer", "twins")
    link(store.engine, model=StubScorer())
    for _ in range(2):
        link(store.engine, full=True, model=StubScorer())
        after = store.persons()
        assert after["6"] == after["9"]
        assert after["1"] != after["3"]


def test_a_not_link_decision_splits_a_person_incrementally(store: Store) -> None:
    link(store.engine, model=StubScorer())
    before = store.persons()
    with session_scope(store.engine) as session:
        review.decide(session, (key("2"), key("3")), "not-link", "A Reviewer")
    link(store.engine, model=StubScorer())
    after = store.persons()
    assert after["2"] != after["3"]
    assert before["1"] in {after["2"], after["3"]}
    assert after["4"] == before["4"]


def test_the_latest_decision_is_in_force(store: Store) -> None:
    link(store.engine, model=StubScorer())
    with session_scope(store.engine) as session:
        review.decide(session, (key("1"), key("2")), "not-link", "First")
        review.decide(session, (key("1"), key("2")), "link", "Second", "looked again")
        assert review.decisions_in_force(session)[(key("1"), key("2"))] == "link"
    link(store.engine, full=True, model=StubScorer())
    after = store.persons()
    assert after["1"] == after["2"]


def test_ended_records_leave_and_an_emptied_person_is_retired(store: Store) -> None:
    link(store.engine, model=StubScorer())
    before = store.persons()
    store.end("6", "5")
    result = link(store.engine, model=StubScorer())
    after = store.persons()
    assert "6" not in after and "5" not in after
    assert after["4"] == before["4"]
    assert result.counts["ended_records"] == 2
    with session_scope(store.engine) as session:
        found = lookup_person(session, before["6"])
        assert found.person_id is None and found.status == "retired"
        with pytest.raises(PersonNotFound):
            lookup_person(session, "PNOSUCHPERSON")


def test_uncertain_pairs_are_queued_largest_risk_first(store: Store) -> None:
    store.put(person("10", "Amara", "Okafor"), person("11", "Tomasz", "Nowak"))
    result = link(store.engine, model=StubScorer())
    assert result.counts["review_items"] > 0
    with session_scope(store.engine) as session:
        items = review.open_items(session)
        assert [i.risk for i in items] == sorted((i.risk for i in items), reverse=True)
        assert {i.reason for i in items} == {"uncertain"}
        first = items[0]
        review.decide(session, first.label, "not-link", "A Reviewer")
    with session_scope(store.engine) as session:
        assert first.pair not in {i.pair for i in review.open_items(session)}
    link(store.engine, full=True, model=StubScorer())
    with session_scope(store.engine) as session:
        assert first.pair not in {i.pair for i in review.open_items(session)}


@pytest.mark.parametrize(
    ("pair", "decision", "reviewer", "message"),
    [
        ("gp|1 ~ gp|2", "maybe", "R", "'link' or 'not-link'"),
        ("gp|1 ~ gp|2", "link", " ", "name of the reviewer"),
        ("gp|1", "link", "R", "two record keys"),
        ("gp|1 ~ gp|1", "link", "R", "two different records"),
        ("gp|1 ~ gp|999", "link", "R", "no stored record gp|999"),
        ("gp|1 ~ nobar", "link", "R", "not a record key"),
    ],
)
def test_bad_decisions_are_refused_with_a_clear_message(
    store: Store, pair: str, decision: str, reviewer: str, message: str
) -> None:
    with session_scope(store.engine) as session, pytest.raises(JoinedupError, match=message):
        review.decide(session, pair, decision, reviewer)


def test_explain_person_gives_each_records_evidence(store: Store) -> None:
    link(store.engine, model=StubScorer())
    person_id = store.persons()["1"]
    with session_scope(store.engine) as session:
        explained = explain_person(session, person_id)
    assert explained["person_id"] == person_id
    assert [r["source_record_id"] for r in explained["records"]] == ["1", "2", "3"]
    for record in explained["records"]:
        assert record["basis"] == "model"
        assert record["match_probability"] == pytest.approx(0.99999)
        assert set(record["field_weights"]) == {"name", "dob"}
        assert record["matched_record_key"] in {key("1"), key("2"), key("3")}
    with session_scope(store.engine) as session:
        alone = explain_person(session, store.persons()["6"])
    assert alone["records"][0]["basis"] == "alone"


def test_explanation_follows_a_redirect(store: Store) -> None:
    link(store.engine, model=StubScorer())
    store.put(person("9", "Siobhan", "Kelly-Byrne", "1990-09-09"))
    link(store.engine, model=StubScorer())
    newer = store.persons()["9"]
    with session_scope(store.engine) as session:
        review.decide(session, (key("6"), key("9")), "link", "A Reviewer")
    link(store.engine, model=StubScorer())
    with session_scope(store.engine) as session:
        explained = explain_person(session, newer)
    assert explained["lookup"]["requested"] == newer
    assert explained["person_id"] != newer
    by_record = {r["source_record_id"]: r for r in explained["records"]}
    assert by_record["9"]["basis"] == "review"
    assert any(e["kind"] == "merge" for e in explained["events"])
    assert explained["decisions"][0]["decision"] == "link"


def test_a_person_split_off_lists_the_split_that_made_it_as_the_kept_side_does(
    store: Store,
) -> None:
    link(store.engine, model=StubScorer())
    before = store.persons()
    store.put(person("3", "Amara", "Okafor", "1981-12-12"))
    result = link(store.engine, model=StubScorer())
    kept, split_off = before["1"], store.persons()["3"]
    with session_scope(store.engine) as session:
        kept_side = explain_person(session, kept)["events"]
        new_side = explain_person(session, split_off)["events"]
    [split] = [e for e in kept_side if e["kind"] == "split"]
    assert split["run_id"] == result.run_id and split["person_ids"] == [kept, split_off]
    assert split["record_counts"] == [2, 1]
    # The new side lists the same event: the run, when it took effect, and the id it left.
    assert new_side == [{**split, "split_from": kept}]
    assert split["at"] is not None and split["split_from"] is None


def test_export_has_one_row_per_current_record(store: Store) -> None:
    link(store.engine, model=StubScorer())
    store.put(person("12", "New", "Person"))  # stored after the run: no person yet
    with session_scope(store.engine) as session:
        rows = list(export_rows(session))
        count = session.scalar(select(func.count()).where(SourceRecord.valid_to.is_(None)))
    assert len(rows) == count == 7
    assert ("gp", "12", "") in rows
    assert all(pid for source, rid, pid in rows if rid != "12")


def test_a_failed_run_is_recorded_and_changes_nothing(store: Store) -> None:
    class Broken(StubScorer):
        def predict(self, df: pd.DataFrame, **kwargs: Any) -> pd.DataFrame:
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        link(store.engine, model=Broken())
    assert store.persons() == {}
    with session_scope(store.engine) as session:
        run = session.scalars(select(LinkRun)).one()
        assert run.status == "failed" and run.error == "RuntimeError"


def test_unknown_engine_is_a_user_error(store: Store) -> None:
    with pytest.raises(JoinedupError, match="unknown linkage engine"):
        link(store.engine, engine_name="oracle")


def _ids(assignment: dict[str, str], record_ids: Iterable[str]) -> set[str]:
    return {assignment[r] for r in record_ids}


@pytest.mark.slow
def test_real_model_links_incrementally_and_keeps_ids(store: Store) -> None:
    from joinedup.linkage.model import PersonModel

    model = PersonModel.default()
    first = link(store.engine, model=model)
    before = store.persons()
    assert first.counts["records"] == 6
    store.put(person("13", "Amara", "Okafor", "1980-01-02"))
    second = link(store.engine)  # incremental: reuses the saved model JSON
    after = store.persons()
    assert second.mode == "incremental"
    assert {r: after[r] for r in before} == before
    assert after["13"] in _ids(before, "123") or second.counts["created"] == 1


def test_a_second_run_is_refused_while_one_is_running(store: Store) -> None:
    from joinedup.linkage import runs

    with session_scope(store.engine) as session:
        runs.start_run(session, "full", "duckdb")
    with pytest.raises(JoinedupError, match="running since"):
        link(store.engine, model=StubScorer())


@pytest.mark.spark
@pytest.mark.slow
@pytest.mark.skipif(
    not (os.environ.get("CI") or os.environ.get("JOINEDUP_TEST_SPARK")),
    reason="Spark runs in CI or with JOINEDUP_TEST_SPARK=1",
)
def test_a_spark_run_keeps_the_persons_and_ids_of_a_duckdb_run(store: Store) -> None:
    from joinedup.linkage.model import PersonModel

    model = PersonModel.default()
    link(store.engine, full=True, model=model)
    before = store.persons()
    result = link(store.engine, full=True, engine_name="spark", model=model)
    assert result.engine == "spark"
    assert store.persons() == before


def test_an_incremental_run_uses_the_frame_cache_and_agrees_with_a_fresh_read(
    store: Store, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from joinedup.linkage import frame_cache

    first = link(store.engine, model=StubScorer())
    assert frame_cache.load(store.engine, first.run_id) is not None
    assert frame_cache.load(store.engine, first.run_id + 1) is None  # another run's cache
    store.put(
        person("3", "Amara", "Okafor", "1981-12-12"), person("7", "Ada", "Byron", "1815-12-10")
    )
    store.end("6")
    cached = link(store.engine, model=StubScorer())
    with_cache = store.persons()
    loaded = frame_cache.load(store.engine, cached.run_id)
    assert loaded is not None
    frame = loaded.table.to_pandas().set_index("unique_id")
    assert sorted(frame.index) == sorted(key(r) for r in with_cache)
    assert frame.loc[key("3"), "dob"] == "1981-12-12"
    version = frame[frame_cache.VERSION_COLUMN]
    assert version[key("3")] > version[key("5")]  # the new version of "3", stored after "5"
    monkeypatch.setenv("JOINEDUP_LINKAGE_CACHE", "off")
    store.put(person("8", "Ada", "Byron", "1815-12-10"))
    uncached = link(store.engine, model=StubScorer())
    assert frame_cache.load(store.engine, uncached.run_id) is None
    after = store.persons()
    assert after["8"] == after["7"]
    assert {r: after[r] for r in with_cache} == with_cache


def test_a_full_run_derives_only_the_records_the_cache_lacks(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from joinedup.linkage import frame_cache

    link(store.engine, model=StubScorer())
    derived: list[int] = []
    real = frame_cache.records_frame

    def counting(rows: list[dict[str, Any]], **options: Any) -> pd.DataFrame:
        derived.append(len(rows))
        return real(rows, **options)

    monkeypatch.setattr(frame_cache, "records_frame", counting)
    store.put(person("7", "Ada", "Byron", "1815-12-10"), person("8", "Ada", "Byron", "1815-12-10"))
    link(store.engine, full=True, model=StubScorer())
    assert derived == [2]
    with_cache = store.persons()
    monkeypatch.setenv("JOINEDUP_LINKAGE_CACHE", "off")
    link(store.engine, full=True, model=StubScorer())
    assert store.persons() == with_cache
    assert with_cache["7"] == with_cache["8"]


def test_a_cache_from_other_derivation_code_is_not_used(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from joinedup.linkage import frame_cache

    first = link(store.engine, model=StubScorer())
    assert frame_cache.load(store.engine, first.run_id) is not None
    monkeypatch.setattr(frame_cache, "derivation_digest", lambda: "another")
    assert frame_cache.load(store.engine, first.run_id) is None


def test_a_source_said_to_hold_adults_reaches_the_frame_and_renews_the_cache(
    store: Store,
) -> None:
    from joinedup.linkage import frame_cache
    from joinedup.store import sources
    from joinedup.store.tables import Source

    def adults_column(run_id: int, adults: frozenset[str]) -> set[object]:
        loaded = frame_cache.load(store.engine, run_id, adult_sources=adults)
        assert loaded is not None
        return set(loaded.table.column("adult").to_pylist())

    first = link(store.engine, model=StubScorer())
    assert adults_column(first.run_id, frozenset()) == {None}
    with session_scope(store.engine) as session:
        session.get(Source, SOURCE).adults_only = True  # the mapping now says adults_only
        assert sources.adult_source_ids(session) == {SOURCE}
    # The cache was derived without the flag: it is not used for a run that has it.
    assert frame_cache.load(store.engine, first.run_id, adult_sources={SOURCE}) is None
    second = link(store.engine, model=StubScorer())
    assert adults_column(second.run_id, frozenset({SOURCE})) == {"Y"}


def test_a_record_alone_until_a_new_one_joins_it_is_explained_by_that_pair(store: Store) -> None:
    link(store.engine, model=StubScorer())
    store.put(person("7", "Siobhan", "Kelly", "1990-09-09"))
    link(store.engine, model=StubScorer())  # incremental: record 6 is not re-scored
    with session_scope(store.engine) as session:
        explained = explain_person(session, store.persons()["6"])
    by_record = {r["source_record_id"]: r for r in explained["records"]}
    assert set(by_record) == {"6", "7"}
    assert by_record["6"]["basis"] == by_record["7"]["basis"] == "model"
    assert by_record["6"]["matched_record_key"] == key("7")
    assert by_record["7"]["matched_record_key"] == key("6")


def _merge_kelly_byrne_into_kelly(store: Store, *kelly_byrne: str) -> tuple[str, str]:
    """Siobhan Kelly (records 6, 7) and Siobhan Kelly-Byrne (``kelly_byrne``), linked by a
    reviewer: Kelly's older id survives, Kelly-Byrne's redirects to it. The two ids."""
    store.put(person("7", "Siobhan", "Kelly", "1990-09-09"))
    link(store.engine, model=StubScorer())
    store.put(*(person(r, "Siobhan", "Kelly-Byrne", "1990-09-09") for r in kelly_byrne))
    link(store.engine, model=StubScorer())
    older, newer = store.persons()["6"], store.persons()[kelly_byrne[0]]
    with session_scope(store.engine) as session:
        review.decide(session, (key("6"), key(kelly_byrne[0])), "link", "A Reviewer", "married")
    link(store.engine, model=StubScorer())
    with session_scope(store.engine) as session:
        assert lookup_person(session, newer).person_id == older
    return older, newer


def test_an_id_merged_away_follows_its_records_when_the_merge_is_undone(store: Store) -> None:
    older, newer = _merge_kelly_byrne_into_kelly(store, "9")
    # The link was wrong: the reviewer takes it back. Kelly keeps the older id (the larger
    # part); Kelly-Byrne's record leaves as a new person. The id it was merged away under must
    # lead there, not to the stranger who kept the older id.
    with session_scope(store.engine) as session:
        review.decide(session, (key("6"), key("9")), "not-link", "A Reviewer", "not her")
    result = link(store.engine, model=StubScorer())
    after = store.persons()
    assert after["6"] == after["7"] == older != after["9"]
    with session_scope(store.engine) as session:
        found = lookup_person(session, newer)
        assert found.person_id == after["9"] and [pid for pid, _ in found.redirects] == [newer]
    assert ("redirect", [newer, after["9"]]) in events(store.engine, result.run_id)
    # Run again on the same clusters: nothing moves, nothing is repointed.
    again = link(store.engine, model=StubScorer())
    assert events(store.engine, again.run_id) == []


def test_an_id_merged_away_keeps_its_redirect_while_its_person_holds_most_of_its_records(
    store: Store,
) -> None:
    older, newer = _merge_kelly_byrne_into_kelly(store, "9", "10")
    # One of Kelly's own records leaves; Kelly-Byrne's records stay where they went.
    store.put(person("7", "Siobhan", "Kelly", "1991-01-01"))
    result = link(store.engine, model=StubScorer())
    after = store.persons()
    assert after["6"] == after["9"] == after["10"] == older != after["7"]
    assert result.counts["splits"] == 1
    with session_scope(store.engine) as session:
        assert lookup_person(session, newer).person_id == older
    assert "redirect" not in [kind for kind, _ in events(store.engine, result.run_id)]
