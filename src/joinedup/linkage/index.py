"""The master person index: ``link`` runs, full or incremental, from stored records to persons.

A full run scores every candidate pair, clusters them all (reviewers' decisions as must- and
cannot-links) and carries person ids over from the previous run with ``ids.assign_ids``. An
incremental run (the default) scores only new and changed records — against the index and
among themselves — and re-decides only the persons they reach (``incremental.find_scope``);
the rest of the index is not touched. Both record the run, the model, the thresholds, what
happened to persons (events), each record's evidence and the review queue.

Look-ups (``lookup_person``) and the export live in ``persons``; they are re-exported here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from joinedup.errors import JoinedupError
from joinedup.linkage import (
    blocking,
    candidates,
    explain,
    feed,
    frame_cache,
    review,
    runs,
    thresholds,
)
from joinedup.linkage.cluster import cluster
from joinedup.linkage.ids import assign_ids
from joinedup.linkage.incremental import Delta, bridgeable, find_delta, find_scope, glue
from joinedup.linkage.persons import (
    Linked,
    PersonLookup,
    PersonNotFound,
    apply_assignment,
    count_active,
    created_order,
    current_membership,
    existing_ids,
    lookup_person,
    members_of,
)
from joinedup.linkage.runs import LinkRunResult
from joinedup.store import records, sources
from joinedup.store.db import begin_writing, describe, session_scope

__all__ = ["LinkRunResult", "PersonLookup", "PersonNotFound", "Scorer", "link", "lookup_person"]

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


class Scorer(Protocol):
    """What ``link`` needs of a model: ``linkage.model.PersonModel`` is the one shipped."""

    def predict(
        self,
        df: pd.DataFrame | pa.Table,
        *,
        new_ids: set[str] | None = None,
        engine: str = "duckdb",
        term_frequencies: Mapping[str, pd.DataFrame] | None = None,
    ) -> pd.DataFrame: ...

    def to_json(self) -> str: ...


# A scorer may say which pairs it scores with ``blocking_rules`` (SQL as in
# ``blocking.PREDICTION_RULES``, which apply otherwise): an incremental run hands it only the
# index records those rules can pair with the new ones, as an Arrow table of the frame's
# columns (ten thousand new records and their candidates cost seconds through pandas).


@dataclass
class _Loaded:
    """The index as a run finds it.

    ``table`` is every current record's model frame with its version (``frame_cache.schema``).
    A full run also has every version and the whole membership. An incremental run that
    started from the cache has ``versions`` and ``linked`` only for the records it reaches,
    read as it goes (``complete`` is false).
    ``taken_in`` and ``taken_out`` are the versions the run marks in the change feed
    (``feed``); ``refreshed`` says how the table differs from the cache it came from.
    """

    table: pa.Table
    versions: dict[str, int]
    linked: dict[str, Linked]
    decisions: dict[tuple[str, str], str]
    delta: Delta
    complete: bool
    taken_in: frozenset[int] = frozenset()
    taken_out: frozenset[int] = frozenset()
    refreshed: frame_cache.Refreshed | None = None

    def reach(self, session: Session, keys: Collection[str]) -> None:
        """Make sure ``versions`` and ``linked`` hold these records (those still current)."""
        if self.complete:
            return
        wanted = set(keys) - self.versions.keys()
        if not wanted:
            return
        rows = candidates.only(self.table, wanted)
        found = rows.column("unique_id").to_pylist()
        self.versions.update(
            zip(found, rows.column(frame_cache.VERSION_COLUMN).to_pylist(), strict=True)
        )
        missing = set(keys) - self.linked.keys()
        if missing:
            self.linked.update(current_membership(session, missing))

    def reach_persons(self, session: Session, person_ids: Collection[str]) -> None:
        """Make sure ``linked`` and ``versions`` hold every record of these persons."""
        if self.complete or not person_ids:
            return
        members = members_of(session, person_ids)
        self.linked.update(members)
        self.reach(session, members)


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
            data = _load(session, cached, mode == "full", adults, say)
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


def _load(
    session: Session,
    cached: frame_cache.Cached | None,
    full: bool,
    adults: frozenset[str],
    say: Progress,
) -> _Loaded:
    say("reading records")
    decisions = review.decisions_in_force(session)
    changes = feed.read(session)
    refreshed: frame_cache.Refreshed | None = None
    if cached is not None:
        refreshed = frame_cache.refresh(session, cached.table, changes, adult_sources=adults)
        table = refreshed.table
    else:
        table, versions = frame_cache.from_store(session, adult_sources=adults)
    if full or cached is None:
        if cached is not None:
            ids = table.column("unique_id").to_pylist()
            numbers = table.column(frame_cache.VERSION_COLUMN).to_pylist()
            versions = dict(zip(ids, numbers, strict=True))
        linked = current_membership(session)
        data = _Loaded(table, versions, linked, {}, find_delta(versions, linked), True)
        data.taken_in = _taken_in(versions, linked, changes, refreshed)
        present: set[str] = set(versions)
    else:
        assert refreshed is not None  # an incremental run from the cache
        present = candidates.present(table, {key for pair in decisions for key in pair})
        # The cache is the last run's index, so a fresh record it held under an older version
        # changed, a fresh record it did not hold is new, and a record it held whose version is
        # no longer current, with no fresh version, ended.
        delta = Delta(
            new=refreshed.fresh - refreshed.stale,
            changed=refreshed.fresh & refreshed.stale,
            ended=refreshed.stale - refreshed.fresh,
        )
        data = _Loaded(table, {}, {}, {}, delta, complete=False)
        data.taken_in = refreshed.linked
        data.reach(session, delta.scored | delta.ended)
    data.taken_out = frozenset(int(v) for v in changes.ended)
    data.refreshed = refreshed
    data.decisions = {
        pair: decision
        for pair, decision in decisions.items()
        if pair[0] in present and pair[1] in present
    }
    data.reach(session, {key for pair in data.decisions for key in pair})
    return data


def _taken_in(
    versions: Mapping[str, int],
    linked: Mapping[str, Linked],
    changes: feed.Feed,
    refreshed: frame_cache.Refreshed | None,
) -> frozenset[int]:
    """The versions a run that read every current record takes into the index: those no
    person held at that version, and those still pending in the feed."""
    if refreshed is not None:
        return refreshed.linked
    held = {linked_record.version for linked_record in linked.values()}
    current = set(versions.values())
    pending = {int(v) for v in changes.pending} & current
    return frozenset({v for v in current if v not in held} | pending)


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
    mode: str, engine_name: str, given: Scorer | None, saved: str | None, data: _Loaded
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
    data: _Loaded,
    say: Progress,
) -> tuple[dict[str, int], Scorer]:
    trains = given is None and (mode == "full" or not saved_model)
    if trains and data.table.num_rows < MIN_TRAINING_RECORDS:
        say(f"too few records to train on ({data.table.num_rows}): the shipped model")
    else:
        say("training the model" if trains else "loading the model")
    scorer = _model(mode, engine_name, given, saved_model, data)
    delta = data.delta
    # Name frequencies of the whole index, counted once: every scoring below uses them, so a
    # record scored against part of the index gets the score a full prediction gives it.
    frequencies = candidates.term_frequency_tables(data.table)
    threshold = thresholds.MATCH_PROBABILITY
    must = [pair for pair, d in data.decisions.items() if d == "link"]
    cannot = [pair for pair, d in data.decisions.items() if d == "not-link"]

    if mode == "full":
        say(f"scoring {data.table.num_rows:,} records")
        pairs = scorer.predict(
            data.table.drop_columns([frame_cache.VERSION_COLUMN]),
            engine=engine_name,
            term_frequencies=frequencies,
        )
        keys: set[str] = set(data.versions)
        evaluated = keys
        rescored = keys
        carried_members: dict[str, list[str]] = {}
        previous = dict(data.linked)
        person_of = {key: linked.person_id for key, linked in data.linked.items()}
        ended = frozenset(key for key in data.linked if key not in data.versions)
    else:
        say(f"scoring {len(delta.scored):,} new or changed records against the index")
        new_pairs = _score_delta(scorer, data.table, delta.scored, frequencies, engine_name)
        data.reach(session, _pair_keys(new_pairs))
        person_of = {key: linked.person_id for key, linked in data.linked.items()}
        # Every person a candidate pair reaches, so the unambiguous band decides here as a full
        # run would: carried from the threshold only, a tenth of a borough attached lost 7% of
        # its pairs (each band link) until the next full run.
        scope = find_scope(
            delta, person_of, new_pairs, data.decisions, carry_from=thresholds.REVIEW_LOWER
        )
        reached = scope.persons  # a union built afresh on each access
        data.reach_persons(session, reached)
        person_of = {key: linked.person_id for key, linked in data.linked.items()}
        members: dict[str, list[str]] = {}
        for key, person_id in person_of.items():
            if person_id in reached:
                members.setdefault(person_id, []).append(key)
        keys = set(delta.scored) | {
            key for group in members.values() for key in group if key in data.versions
        }
        rescore = {
            key
            for person_id in scope.recluster
            for key in members.get(person_id, ())
            if key in data.versions and key not in delta.scored
        }
        # Pairs that reach outside the scope stay too: they feed the review queue.
        parts = [new_pairs]
        if len(rescore) > 1:
            say(f"re-scoring {len(rescore):,} records of persons that changed")
            subset = _as_pandas(candidates.only(data.table, rescore))
            parts.append(scorer.predict(subset, engine=engine_name, term_frequencies=frequencies))
        non_empty = [part for part in parts if len(part)]
        pairs = pd.concat(non_empty, ignore_index=True) if non_empty else _no_pairs()
        ended = delta.ended
        carried_members = {
            person_id: [k for k in group if k in data.versions]
            for person_id, group in members.items()
            if person_id in scope.carry
        }
        must = [p for p in must if p[0] in keys and p[1] in keys]
        cannot = [p for p in cannot if p[0] in keys and p[1] in keys]
        # Records a reviewer's link joins get their evidence (the decision) written afresh.
        evaluated = set(delta.scored) | rescore | {k for pair in must for k in pair}
        # Only these records' pairs were scored: the queue is re-decided for them alone.
        rescored = set(delta.scored) | rescore
        previous = {
            key: linked
            for key, linked in data.linked.items()
            if linked.person_id in reached or key in keys
        }

    linked_by_decision = list(must)
    if mode == "incremental":
        must = must + glue(carried_members)
    say("clustering")
    if mode == "incremental":
        in_scope = pairs["unique_id_l"].isin(keys) & pairs["unique_id_r"].isin(keys)
        pairs_in_scope = pairs[in_scope]
        bridged = bridgeable(
            carried_members, person_of, new_pairs, delta.scored, floor=thresholds.REVIEW_LOWER
        )
        between = _between_carried(
            scorer,
            data.table,
            {p: carried_members[p] for p in bridged},
            frequencies,
            engine_name,
        )
        if len(between):
            pairs_in_scope = pd.concat([pairs_in_scope, between], ignore_index=True)
    else:  # every current record is in scope, and every scored pair is between two of them
        pairs_in_scope = pairs
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
        pairs_in_scope,
        threshold=threshold,
        must_link=must,
        cannot_link=cannot,
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
    wanted = evaluated & keys
    if mode == "incremental":
        # A record that was alone in its person and has just been joined by a new one is not
        # re-scored, but its explanation must now name the pair that holds them together.
        wanted |= explain.stored_alone(
            session, explain.partners_inside(pairs, after, wanted) & keys
        )
    rows = explain.best_evidence(
        _evidence_pairs(pairs, after, wanted), after, wanted, linked_by_decision
    )
    kept = {
        key: assignment.membership[key]
        for key in keys - evaluated
        if key in person_of and person_of[key] != assignment.membership[key]
    }
    explain.write_evidence(
        session, run_id, rows, replace_all=mode == "full", ended=ended, keep=kept
    )

    say("updating the review queue")
    queued = review.find_candidates(pairs, after, decided=data.decisions)
    # Records a merge or a split moved: their open items may now be stale (incremental only;
    # a full run rebuilds the whole queue).
    moved = (
        set() if mode == "full" else {key for key in keys if person_of.get(key) != after.get(key)}
    )
    open_count = review.refresh_queue(
        session,
        run_id,
        queued,
        scope=None if mode == "full" else rescored | set(ended),
        moved=moved,
        membership=after,
    )
    counts = {
        "records": data.table.num_rows,
        "new_records": len(delta.new),
        "changed_records": len(delta.changed),
        "ended_records": len(ended),
        "rescored_records": len(keys),
        "pairs": len(pairs),
        "persons": count_active(session),
        "created": assignment.count("create"),
        "merges": assignment.count("merge"),
        "splits": assignment.count("split"),
        "retired": len(assignment.retired),
        "review_items": open_count,
    }
    return counts, scorer


def _between_carried(
    scorer: Scorer,
    table: pa.Table,
    carried: Mapping[str, list[str]],
    frequencies: Mapping[str, pd.DataFrame],
    engine_name: str,
) -> pd.DataFrame:
    """The pairs between the records of different carried persons, for clustering alone.

    A new record may join two carried persons that a full run keeps apart: a mother and a
    daughter of one name, each a candidate for a council-tax row. A full run sees the pair
    between their records, which vetoes the bridge and makes each the other's rival; an
    incremental run scored only the new records' pairs and saw neither. ``carried`` holds only
    the persons new records could bridge (`incremental.bridgeable`).
    """
    if len(carried) < 2:
        return _no_pairs()
    person_of = {key: person for person, group in carried.items() for key in group}
    subset = _as_pandas(candidates.only(table, set(person_of)))
    scored = scorer.predict(subset, engine=engine_name, term_frequencies=frequencies)
    if not len(scored):
        return scored
    left = scored["unique_id_l"].map(person_of)
    right = scored["unique_id_r"].map(person_of)
    return scored[left != right]


def _score_delta(
    scorer: Scorer,
    table: pa.Table,
    scored: frozenset[str],
    frequencies: Mapping[str, pd.DataFrame],
    engine_name: str,
) -> pd.DataFrame:
    if not scored:
        return _no_pairs()
    # Only the index records that share a blocking key with a new one can pair with it, so
    # Splink is handed those (the same pairs, a fraction of the frame; see ``candidates``).
    new = candidates.only(table, scored)
    rules = getattr(scorer, "blocking_rules", blocking.PREDICTION_RULES)
    reach = candidates.without(candidates.select_candidates(table, new, rules), scored)
    frame = pa.concat_tables([new, reach]).drop_columns([frame_cache.VERSION_COLUMN])
    return scorer.predict(
        frame, new_ids=set(scored), engine=engine_name, term_frequencies=frequencies
    )


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


def _pair_keys(pairs: pd.DataFrame) -> set[str]:
    return set(pairs["unique_id_l"]) | set(pairs["unique_id_r"])


def _as_pandas(table: pa.Table) -> pd.DataFrame:
    return table.drop_columns([frame_cache.VERSION_COLUMN]).to_pandas()


def _no_pairs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unique_id_l": pd.Series(dtype=object),
            "unique_id_r": pd.Series(dtype=object),
            "match_weight": pd.Series(dtype=float),
            "match_probability": pd.Series(dtype=float),
        }
    )
