"""The master person index: ``link`` runs, full or incremental, from stored records to persons.

A full run scores every candidate pair, clusters them all (reviewers' decisions as must- and
cannot-links) and carries person ids over from the previous run with ``ids.assign_ids``. An
incremental run (the default) scores only new and changed records — against the index and
among themselves — and re-decides only the persons they reach (``incremental.find_scope``);
the rest of the index is not touched. Both record the run, the model, the thresholds, what
happened to persons (events), each record's evidence and the review queue.

How a run finds the index is in ``index_state``; what it scores and re-decides, full or
incremental, in ``run_pairs``. Look-ups (``lookup_person``) and the export live in
``persons``; they are re-exported here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Mapping

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from joinedup.errors import JoinedupError
from joinedup.linkage import candidates, explain, feed, frame_cache, review, runs, thresholds
from joinedup.linkage.cluster import cluster
from joinedup.linkage.ids import assign_ids
from joinedup.linkage.index_state import Loaded, Progress, load
from joinedup.linkage.persons import (
    PersonLookup,
    PersonNotFound,
    apply_assignment,
    count_active,
    created_order,
    existing_ids,
    lookup_person,
)
from joinedup.linkage.run_pairs import Scorer, full_pairs, incremental_pairs
from joinedup.linkage.runs import LinkRunResult
from joinedup.store import records, sources
from joinedup.store.db import begin_writing, describe, session_scope

__all__ = [
    "LinkRunResult",
    "PersonLookup",
    "PersonNotFound",
    "Progress",
    "Scorer",
    "link",
    "lookup_person",
]

log = logging.getLogger(__name__)


def link(
    engine: Engine,
    *,
    full: bool = False,
    engine_name: str = "duckdb",
    model: Scorer | None = None,
    progress: Progress | None = None,
) -> LinkRunResult:
    """Run linkage over the stored records and update the master person index.

    Incremental by default: new and changed records are scored against the index and among
    themselves and join a person or form one; ended records leave their person. ``full=True``
    (or no earlier run) re-scores and re-clusters everything; a full run trains the model on
    the data unless ``model`` is given, an incremental run reuses the last run's model. Person
    ids stay stable (``ids``); reviewers' decisions always hold. ``engine_name`` is ``duckdb``
    or ``spark``; ``progress`` receives short stage messages. Returns the run's counts.
    Example: ``link(make_engine(), full=True).counts["persons"]``.
    """
    runs.check_engine(engine_name)
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    # Reads, then writes the run's row: on SQLite it waits its turn behind a writer (an ingest)
    # instead of failing at once with "database is locked" on a snapshot that writer moved past.
    with session_scope(engine, write=True) as session:
        runs.check_not_running(session)
        previous_run = runs.last_done_run(session)
        if previous_run is None and not records.any_stored(session):
            # A first run over nothing would record an empty index and exit 0: in a cron job
            # that hides a data directory or database URL pointing at the wrong place.
            raise JoinedupError(
                f"nothing to link: {describe(engine)} holds no source records yet. Ingest a "
                "source first (joinedup ingest MAPPING FILE) and let it finish, or check "
                "JOINEDUP_DATABASE_URL and JOINEDUP_DATA_DIR"
            )
        mode = "full" if full or previous_run is None else "incremental"
        previous_model = previous_run.model_json if previous_run else None
        adults = sources.adult_source_ids(session)
        # A full run re-scores everything but need not re-derive unchanged records either.
        cached = (
            frame_cache.load(engine, previous_run.id, adult_sources=adults)
            if previous_run is not None
            else None
        )
        run_id = runs.start_run(session, mode, engine_name).id
    try:
        with session_scope(engine) as session:
            data = load(session, cached, mode == "full", adults, say)
            counts, used_model = _run(
                session, run_id, mode, engine_name, model, previous_model, data, say
            )
            limits = {
                "match_probability": thresholds.MATCH_PROBABILITY,
                "review_lower": thresholds.REVIEW_LOWER,
                "contrary_probability": thresholds.CONTRARY_PROBABILITY,
            }
            runs.finish_run(
                session,
                run_id,
                mode=mode,
                model_json=used_model.to_json(),
                thresholds=limits,
                counts=counts,
            )
            # In the run's own transaction: a failed run leaves the feed as it found it.
            feed.mark_linked(session, run_id, data.taken_in)
            feed.mark_unlinked(session, data.taken_out)
    except BaseException as exc:
        if isinstance(exc, _SaveBlocked):
            marked = _record_failure(engine, run_id, JoinedupError(_blocked(run_id, True)))
            raise JoinedupError(_blocked(run_id, marked)) from None
        _record_failure(engine, run_id, exc)
        raise
    say("caching the frame for the next run")
    if mode == "incremental" and data.refreshed is not None:
        frame_cache.save(
            engine,
            run_id,
            data.table,
            base=cached,
            added=data.refreshed.added,
            dropped=data.refreshed.dropped,
            adult_sources=adults,
        )
    else:  # a full run compacts the cache into one file
        frame_cache.save(engine, run_id, data.table, adult_sources=adults)
    seconds = time.perf_counter() - started
    log.info("link run %s (%s) done in %.1f s", run_id, mode, seconds)
    return LinkRunResult(run_id, mode, engine_name, counts, round(seconds, 3), limits)


#: How long a run that has computed its results waits for the database to save them, while
#: another process writes: on SQLite an ingest holds the write lock for a whole batch.
SAVE_WAIT_SECONDS = 3600.0
#: How long a run that failed waits to be recorded as failed (else it reads as running, and
#: blocks the next run, until it is stale). Not after Ctrl+C or SIGTERM: those stop at once.
FAIL_WAIT_SECONDS = 300.0


class _SaveBlocked(Exception):
    """Another writer held the database for longer than :data:`SAVE_WAIT_SECONDS`."""


def _begin_saving(session: Session, say: Progress) -> None:
    """Leave the snapshot the run has read and computed from, and take the write lock to save.

    Everything the run writes — persons, members, evidence, the review queue, and the feed's
    ``linked_run`` marks on versions — is written by link runs alone, and one link runs at a
    time; an ingest committing meanwhile adds versions this run did not take in, which stay in
    the feed for the next run. So what was computed from the snapshot is saved as it is, as if
    the run had finished before that ingest. On SQLite the snapshot cannot become a write
    transaction once the ingest has committed ("database is locked" at the end of the run, its
    work lost), hence a new transaction (:func:`joinedup.store.db.begin_writing`).
    """

    def waiting() -> None:
        say("waiting for another writer (an ingest?) to finish, to save the index")

    try:
        begin_writing(session, wait=SAVE_WAIT_SECONDS, waiting=waiting)
    except OperationalError as exc:
        if "locked" not in str(exc.orig):
            raise
        raise _SaveBlocked from exc


def _blocked(run_id: int, marked: bool) -> str:
    waited = (
        f"{SAVE_WAIT_SECONDS:g} s"
        if SAVE_WAIT_SECONDS < 120
        else f"{SAVE_WAIT_SECONDS / 60:g} minutes"
    )
    said = (
        "the run is marked failed; run joinedup link again when the writer has finished."
        if marked
        else "the run could not be marked failed either, so joinedup link refuses to start "
        f"until it is {runs.STALE_AFTER.total_seconds() / 3600:g} hours old."
    )
    return (
        f"link run {run_id} could not save what it computed: another writer (an ingest, a "
        f"review decision) held the database for longer than {waited}. Nothing was saved and "
        + said
    )


def _record_failure(engine: Engine, run_id: int, error: BaseException) -> bool:
    """Mark the run failed, waiting for a writer that holds the database; whether it was.

    A failure to record it is logged, not raised: the run's own error is what the caller needs.
    """
    wait = FAIL_WAIT_SECONDS if isinstance(error, Exception) else 0.0
    try:
        with session_scope(engine) as session:
            begin_writing(session, wait=wait)
            runs.fail_run(session, run_id, error)
    except OperationalError:
        log.warning("link run %s failed and could not be marked failed", run_id)
        return False
    return True


#: Fewer records than this and the shipped model is used rather than one trained on them: u is
#: sampled from random pairs, and among a dozen records many of those pairs are the same
#: person, so an exact birth date came out at 3 bits instead of 14 and identical records fell
#: below the threshold (measured: from 30 records up, training did as well as the shipped
#: model or better on subsets of the demo borough and of FEBRL3; docs/linkage-model.md).
MIN_TRAINING_RECORDS = 30


def _model(
    mode: str, engine_name: str, given: Scorer | None, saved: str | None, data: Loaded
) -> Scorer:
    if given is not None:
        return given
    from joinedup.linkage.model import PersonModel

    if mode == "incremental" and saved:
        return PersonModel.from_json(saved)
    if data.table.num_rows < MIN_TRAINING_RECORDS:
        return PersonModel.default()
    try:
        return PersonModel.train(
            data.table.drop_columns([frame_cache.VERSION_COLUMN]), engine=engine_name
        )
    except JoinedupError:
        # Too few records to estimate anything: the shipped model is the sensible start.
        return PersonModel.default()


def _run(
    session: Session,
    run_id: int,
    mode: str,
    engine_name: str,
    given: Scorer | None,
    saved_model: str | None,
    data: Loaded,
    say: Progress,
) -> tuple[dict[str, int], Scorer]:
    trains = given is None and (mode == "full" or not saved_model)
    if trains and data.table.num_rows < MIN_TRAINING_RECORDS:
        say(f"too few records to train on ({data.table.num_rows}): the shipped model")
    else:
        say("training the model" if trains else "loading the model")
    scorer = _model(mode, engine_name, given, saved_model, data)
    # Name frequencies of the whole index, counted once: every scoring below uses them, so a
    # record scored against part of the index gets the score a full prediction gives it.
    frequencies = candidates.term_frequency_tables(data.table)
    if mode == "full":
        run = full_pairs(scorer, data, frequencies, engine_name, say)
    else:
        run = incremental_pairs(session, scorer, data, frequencies, engine_name, say)
    keys, previous, person_of, ended = run.keys, run.previous, run.person_of, run.ended

    say("clustering")
    # A full run re-clusters everything with a retrained model: links that stand keep standing
    # while their pair stays a candidate, so untouched persons keep their ids.
    # Edited records earn their place afresh.
    standing = (
        {
            key: linked.person_id
            for key, linked in previous.items()
            if linked.version == data.versions.get(key)
        }
        if mode == "full"
        else None
    )
    clusters = cluster(
        run.in_scope,
        threshold=thresholds.MATCH_PROBABILITY,
        must_link=run.must,
        cannot_link=run.cannot,
        ids=keys,
        previous=standing,
    )
    order = created_order(session, {linked.person_id for linked in previous.values()})
    assignment = assign_ids(
        {key: linked.person_id for key, linked in previous.items()}, clusters, created_order=order
    )
    clash = existing_ids(session, assignment.created)
    if clash:  # 60 random bits make this all but impossible, but an id must never be reused
        assignment = assign_ids(
            {key: linked.person_id for key, linked in previous.items()},
            clusters,
            created_order=order,
            taken=clash,
        )

    say("saving the index")
    _begin_saving(session, say)
    apply_assignment(session, run_id, previous, assignment, data.versions, ended)
    after = {**person_of, **assignment.membership}
    for key in ended:
        after.pop(key, None)
    wanted = run.evaluated & keys
    if mode == "incremental":
        # A record that was alone in its person and has just been joined by a new one is not
        # re-scored, but its explanation must now name the pair that holds them together.
        wanted |= explain.stored_alone(
            session, explain.partners_inside(run.pairs, after, wanted) & keys
        )
    rows = explain.best_evidence(
        _evidence_pairs(run.pairs, after, wanted), after, wanted, run.linked_by_decision
    )
    kept = {
        key: assignment.membership[key]
        for key in keys - run.evaluated
        if key in person_of and person_of[key] != assignment.membership[key]
    }
    explain.write_evidence(
        session, run_id, rows, replace_all=mode == "full", ended=ended, keep=kept
    )

    say("updating the review queue")
    queued = review.find_candidates(run.pairs, after, decided=data.decisions)
    # Records a merge or a split moved: their open items may now be stale (incremental only;
    # a full run rebuilds the whole queue).
    moved = (
        set() if mode == "full" else {key for key in keys if person_of.get(key) != after.get(key)}
    )
    open_count = review.refresh_queue(
        session,
        run_id,
        queued,
        scope=None if mode == "full" else run.rescored | set(ended),
        moved=moved,
        membership=after,
    )
    counts = {
        "records": data.table.num_rows,
        "new_records": len(data.delta.new),
        "changed_records": len(data.delta.changed),
        "ended_records": len(ended),
        "rescored_records": len(keys),
        "pairs": len(run.pairs),
        "persons": count_active(session),
        "created": assignment.count("create"),
        "merges": assignment.count("merge"),
        "splits": assignment.count("split"),
        "retired": len(assignment.retired),
        "review_items": open_count,
    }
    return counts, scorer


def _evidence_pairs(
    pairs: pd.DataFrame, membership: Mapping[str, str], wanted: Collection[str]
) -> pd.DataFrame:
    """The rows ``explain.best_evidence`` picks from: for each wanted record, the first of its
    strongest pairs inside its person, in pair order.

    ``best_evidence`` walks rows in Python; at a million records a full run hands it millions
    of pairs inside persons, of which it keeps one per record. A row it keeps for a record is
    the first with that record's largest weight, so handing it only such rows, in their order,
    gives it the same answer.
    """
    weight = pairs["match_weight"].to_numpy(dtype=float)
    if not len(pairs) or np.isnan(weight).any():
        return pairs  # NaN compares false both ways: leave such frames to the walk itself
    _, at_l, at_r, on_left, on_right = explain.wanted_inside(pairs, membership, wanted)
    owner_all = np.concatenate([at_l[on_left], at_r[on_right]])
    rows_all = np.concatenate([on_left, on_right])
    # Per record (its position), its largest weight, then its first row.
    order = np.lexsort((rows_all, -weight[rows_all], owner_all))
    owner_sorted = owner_all[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = owner_sorted[1:] != owner_sorted[:-1]
    chosen = np.unique(rows_all[order[first]])
    return pairs.iloc[chosen]
