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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from joinedup.errors import JoinedupError
from joinedup.linkage import explain, frame_cache, review, runs, thresholds
from joinedup.linkage.cluster import cluster
from joinedup.linkage.frame import records_frame
from joinedup.linkage.ids import assign_ids
from joinedup.linkage.incremental import find_delta, find_scope, glue
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
)
from joinedup.linkage.runs import LinkRunResult
from joinedup.store.db import session_scope
from joinedup.store.records import LINKAGE_COLUMNS, iter_current_chunks, record_key
from joinedup.store.tables import SourceRecord

__all__ = ["LinkRunResult", "PersonLookup", "PersonNotFound", "Scorer", "link", "lookup_person"]

log = logging.getLogger(__name__)

Progress = Callable[[str], None]

# Above this many new and changed records, and this share of the index, an incremental run
# scores all pairs and keeps those touching the delta: measured on a 100k-record borough,
# scoring against the index costs about 5 s plus 24 ms a record, scoring everything 22 s.
SCORE_ALL_FROM = 1_000
SCORE_ALL_SHARE = 0.005


class Scorer(Protocol):
    """What ``link`` needs of a model: ``linkage.model.PersonModel`` is the one shipped."""

    def predict(
        self, df: pd.DataFrame, *, new_ids: set[str] | None = None, engine: str = "duckdb"
    ) -> pd.DataFrame: ...

    def to_json(self) -> str: ...


@dataclass
class _Loaded:
    frame: pd.DataFrame
    versions: dict[str, int]
    linked: dict[str, Linked]
    decisions: dict[tuple[str, str], str]


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
    with session_scope(engine) as session:
        runs.check_not_running(session)
        previous_run = runs.last_done_run(session)
        mode = "full" if full or previous_run is None else "incremental"
        previous_model = previous_run.model_json if previous_run else None
        cached = (
            frame_cache.load(engine, previous_run.id)
            if previous_run is not None and mode == "incremental"
            else None
        )
        run_id = runs.start_run(session, mode, engine_name).id
    try:
        with session_scope(engine) as session:
            data = _load(session, cached, say)
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
    except BaseException as exc:
        with session_scope(engine) as session:
            runs.fail_run(session, run_id, exc)
        raise
    say("caching the frame for the next run")
    frame_cache.save(engine, run_id, data.frame, data.versions)
    seconds = time.perf_counter() - started
    log.info("link run %s (%s) done in %.1f s", run_id, mode, seconds)
    return LinkRunResult(run_id, mode, engine_name, counts, round(seconds, 3), limits)


def _load(
    session: Session, cached: tuple[pd.DataFrame, dict[str, int]] | None, say: Progress
) -> _Loaded:
    say("reading records")
    if cached is None:
        rows: list[Any] = []
        for chunk in iter_current_chunks(session, columns=LINKAGE_COLUMNS):
            rows.extend(dict(row) for row in chunk)
        versions = {record_key(row["source_id"], row["record_id"]): int(row["id"]) for row in rows}
        frame = records_frame(rows)
    else:
        frame, versions = _refresh(session, *cached)
    linked = current_membership(session)
    decisions = {
        pair: decision
        for pair, decision in review.decisions_in_force(session).items()
        if pair[0] in versions and pair[1] in versions
    }
    return _Loaded(frame, versions, linked, decisions)


def _refresh(
    session: Session, frame: pd.DataFrame, cached: dict[str, int]
) -> tuple[pd.DataFrame, dict[str, int]]:
    # The last run's frame, less records that changed or ended since, plus the new and changed
    # ones derived afresh: the same frame a full read would give, for a fraction of the work.
    current = select(SourceRecord.id, SourceRecord.source_id, SourceRecord.record_id).where(
        SourceRecord.valid_to.is_(None)
    )
    versions = {
        f"{source_id}|{record_id}": row_id
        for row_id, source_id, record_id in session.execute(
            current.execution_options(yield_per=50_000)
        )
    }
    stale = {key for key, version in versions.items() if cached.get(key) != version}
    keep = frame["unique_id"].isin(versions.keys()) & ~frame["unique_id"].isin(stale)
    ids = sorted(versions[key] for key in stale)
    rows: list[Any] = []
    columns = [SourceRecord.__table__.c[name] for name in LINKAGE_COLUMNS]
    for start in range(0, len(ids), 900):
        query = select(*columns).where(SourceRecord.id.in_(ids[start : start + 900]))
        rows.extend(dict(row) for row in session.execute(query).mappings())
    parts = [frame[keep]]
    if rows:
        parts.append(records_frame(rows))
    return pd.concat(parts, ignore_index=True), versions


def _model(
    mode: str, engine_name: str, given: Scorer | None, saved: str | None, frame: pd.DataFrame
) -> Scorer:
    if given is not None:
        return given
    from joinedup.linkage.model import PersonModel

    if mode == "incremental" and saved:
        return PersonModel.from_json(saved)
    try:
        return PersonModel.train(frame, engine=engine_name)
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
    say("training the model" if mode == "full" and given is None else "loading the model")
    scorer = _model(mode, engine_name, given, saved_model, data.frame)
    delta = find_delta(data.versions, data.linked)
    person_of = {key: linked.person_id for key, linked in data.linked.items()}
    threshold = thresholds.MATCH_PROBABILITY
    must = [pair for pair, d in data.decisions.items() if d == "link"]
    cannot = [pair for pair, d in data.decisions.items() if d == "not-link"]

    if mode == "full":
        say(f"scoring {len(data.frame):,} records")
        pairs = scorer.predict(data.frame, engine=engine_name)
        keys: set[str] = set(data.versions)
        evaluated = keys
        carried_members: dict[str, list[str]] = {}
        previous = dict(data.linked)
        ended = frozenset(key for key in data.linked if key not in data.versions)
    else:
        say(f"scoring {len(delta.scored):,} new or changed records against the index")
        new_pairs = _score_delta(scorer, data.frame, delta.scored, engine_name)
        scope = find_scope(delta, person_of, new_pairs, data.decisions, threshold=threshold)
        members: dict[str, list[str]] = {}
        for key, person_id in person_of.items():
            if person_id in scope.persons:
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
            subset = data.frame[data.frame["unique_id"].isin(rescore)]
            parts.append(scorer.predict(subset, engine=engine_name))
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
        previous = {
            key: linked
            for key, linked in data.linked.items()
            if linked.person_id in scope.persons or key in keys
        }

    linked_by_decision = list(must)
    if mode == "incremental":
        must = must + glue(carried_members)
    say("clustering")
    in_scope = pairs["unique_id_l"].isin(keys) & pairs["unique_id_r"].isin(keys)
    clusters = cluster(
        pairs[in_scope], threshold=threshold, must_link=must, cannot_link=cannot, ids=sorted(keys)
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
    apply_assignment(session, run_id, previous, assignment, data.versions, ended)
    after = {**person_of, **assignment.membership}
    for key in ended:
        after.pop(key, None)
    rows = explain.best_evidence(pairs, after, evaluated & keys, linked_by_decision)
    kept = {
        key: assignment.membership[key]
        for key in keys - evaluated
        if key in person_of and person_of[key] != assignment.membership[key]
    }
    explain.write_evidence(
        session, run_id, rows, replace_all=mode == "full", ended=ended, keep=kept
    )

    say("updating the review queue")
    candidates = review.find_candidates(pairs, after, decided=data.decisions)
    open_count = review.refresh_queue(
        session, run_id, candidates, scope=None if mode == "full" else evaluated | set(ended)
    )
    counts = {
        "records": len(data.versions),
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


def _score_delta(
    scorer: Scorer, frame: pd.DataFrame, scored: frozenset[str], engine_name: str
) -> pd.DataFrame:
    if not scored:
        return _no_pairs()
    if len(scored) >= SCORE_ALL_FROM and len(scored) > SCORE_ALL_SHARE * len(frame):
        # Scoring many records "against the index" costs more than scoring every pair once;
        # blocking is symmetric, so the pairs that touch the delta are the same either way.
        pairs = scorer.predict(frame, engine=engine_name)
        keys = set(scored)
        touching = pairs["unique_id_l"].isin(keys) | pairs["unique_id_r"].isin(keys)
        return pairs[touching].reset_index(drop=True)
    return scorer.predict(frame, new_ids=set(scored), engine=engine_name)


def _no_pairs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unique_id_l": pd.Series(dtype=object),
            "unique_id_r": pd.Series(dtype=object),
            "match_weight": pd.Series(dtype=float),
            "match_probability": pd.Series(dtype=float),
        }
    )
