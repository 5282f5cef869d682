"""The pairs a link run clusters, and the records it re-decides.

A full run scores every candidate pair of the index. An incremental run scores its new and
changed records against the index and among themselves, carries in every person a candidate
pair reaches (``incremental.find_scope``), re-scores the persons that changed, and scores the
pairs between carried persons a new record could bridge, so that clustering vetoes what a full
run would veto. Either way :class:`RunPairs` says what to cluster and what the run touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import pandas as pd
import pyarrow as pa
from sqlalchemy.orm import Session

from joinedup.linkage import blocking, candidates, frame_cache, thresholds
from joinedup.linkage.incremental import bridgeable, find_scope, glue
from joinedup.linkage.index_state import Loaded, Progress
from joinedup.linkage.persons import Linked

Pair = tuple[str, str]


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
class RunPairs:
    """What a run scored and what it re-decides.

    ``pairs`` is every scored pair (those reaching outside the scope feed the review queue);
    ``in_scope`` the pairs clustered, between two of ``keys``, the records re-decided.
    ``evaluated`` records get their evidence written afresh; ``rescored`` records had their
    pairs scored, so their review items are re-decided. ``previous`` is the membership the
    run starts from for the records it may move, ``person_of`` every known record's person.
    ``must`` and ``cannot`` are the reviewers' decisions within the scope (``must`` with the
    glue that keeps carried persons whole); ``linked_by_decision`` the reviewers' links alone.
    """

    pairs: pd.DataFrame
    in_scope: pd.DataFrame
    keys: set[str]
    evaluated: set[str]
    rescored: set[str]
    previous: dict[str, Linked]
    person_of: dict[str, str]
    ended: frozenset[str]
    must: list[Pair]
    cannot: list[Pair]
    linked_by_decision: list[Pair]


def full_pairs(
    scorer: Scorer,
    data: Loaded,
    frequencies: Mapping[str, pd.DataFrame],
    engine_name: str,
    say: Progress,
) -> RunPairs:
    """Every candidate pair of the index; every current record is re-decided."""
    say(f"scoring {data.table.num_rows:,} records")
    pairs = scorer.predict(
        data.table.drop_columns([frame_cache.VERSION_COLUMN]),
        engine=engine_name,
        term_frequencies=frequencies,
    )
    keys: set[str] = set(data.versions)
    must, cannot = _decided(data)
    return RunPairs(
        pairs=pairs,
        in_scope=pairs,
        keys=keys,
        evaluated=keys,
        rescored=keys,
        previous=dict(data.linked),
        person_of={key: linked.person_id for key, linked in data.linked.items()},
        ended=frozenset(key for key in data.linked if key not in data.versions),
        must=must,
        cannot=cannot,
        linked_by_decision=list(must),
    )


def incremental_pairs(
    session: Session,
    scorer: Scorer,
    data: Loaded,
    frequencies: Mapping[str, pd.DataFrame],
    engine_name: str,
    say: Progress,
) -> RunPairs:
    """The new and changed records' pairs, and the pairs of the persons they reach."""
    delta = data.delta
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
    carried_members = {
        person_id: [k for k in group if k in data.versions]
        for person_id, group in members.items()
        if person_id in scope.carry
    }
    must, cannot = _decided(data)
    must = [p for p in must if p[0] in keys and p[1] in keys]
    cannot = [p for p in cannot if p[0] in keys and p[1] in keys]

    in_scope = pairs[pairs["unique_id_l"].isin(keys) & pairs["unique_id_r"].isin(keys)]
    bridged = bridgeable(
        carried_members, person_of, new_pairs, delta.scored, floor=thresholds.REVIEW_LOWER
    )
    between = _between_carried(
        scorer, data.table, {p: carried_members[p] for p in bridged}, frequencies, engine_name
    )
    if len(between):
        in_scope = pd.concat([in_scope, between], ignore_index=True)
    return RunPairs(
        pairs=pairs,
        in_scope=in_scope,
        keys=keys,
        # Records a reviewer's link joins get their evidence (the decision) written afresh.
        evaluated=set(delta.scored) | rescore | {k for pair in must for k in pair},
        # Only these records' pairs were scored: the queue is re-decided for them alone.
        rescored=set(delta.scored) | rescore,
        previous={
            key: linked
            for key, linked in data.linked.items()
            if linked.person_id in reached or key in keys
        },
        person_of=person_of,
        ended=delta.ended,
        must=must + glue(carried_members),
        cannot=cannot,
        linked_by_decision=list(must),
    )


def _decided(data: Loaded) -> tuple[list[Pair], list[Pair]]:
    must = [pair for pair, d in data.decisions.items() if d == "link"]
    cannot = [pair for pair, d in data.decisions.items() if d == "not-link"]
    return must, cannot


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
