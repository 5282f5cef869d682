"""Explanations: why each record is attached to its person, for reviewers and auditors.

Each run keeps, per record it evaluated, the strongest scored pair between that record and
another record of the same person: the record it matched, the match probability and weight, and
the match weight each comparison contributed (name, date of birth, postcode …). A record that
joined by a reviewer's ``link`` decision says so; a record alone in its person has no pair.
:func:`explain_person` returns that as plain data, ready for the API and the web pages.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any, cast

import numpy as np
import pandas as pd
from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.orm import Session

from joinedup.linkage import pair_keys
from joinedup.linkage.gc_pause import cycle_collection_paused
from joinedup.linkage.person_history import person_events
from joinedup.linkage.persons import lookup_person, members_view
from joinedup.store.bulk import BulkInsert, JsonText
from joinedup.store.linkage_tables import MatchEvidence, ReviewDecision

_EVIDENCE = cast(Table, MatchEvidence.__table__)
_CHUNK = 5_000
_IN_CHUNK = 900


def _field_weights(frame: pd.DataFrame) -> list[dict[str, float]]:
    """Each row's weight per comparison, built a column at a time.

    Splink gives per-comparison Bayes factors (``bf_*``) and, where asked, match weights
    (``mw_*``); a reader wants weights (log2 of the factor: positive for, negative against).
    A weight wins over a factor of the same comparison; a missing value says nothing.
    """
    out: list[dict[str, float]] = [{} for _ in range(len(frame))]
    for column in frame.columns:
        if not column.startswith(("mw_", "bf_")):
            continue
        name = column[3:]
        if column.startswith("mw_"):
            rows, weights = _present(frame[column], lambda v: round(float(v), 3))
            for row, weight in zip(rows, weights, strict=True):
                out[row][name] = weight
        else:
            rows, weights = _present(
                frame[column], lambda v: round(math.log2(float(v)), 3) if float(v) > 0 else None
            )
            for row, weight in zip(rows, weights, strict=True):
                if weight is not None and name not in out[row]:
                    out[row][name] = weight
    return out


def _present(column: pd.Series, weigh: Callable[[Any], Any]) -> tuple[list[int], list[Any]]:
    """The positions of a column's rows that hold a value (not None, not NaN), and ``weigh``
    of each value, called once per distinct value: a comparison's weights are one per level,
    a few per column."""
    if column.dtype.kind != "f":
        kept = [
            (row, value)
            for row, value in enumerate(column.tolist())
            if not (value is None or (isinstance(value, float) and math.isnan(value)))
        ]
        return [row for row, _ in kept], [weigh(value) for _, value in kept]
    values = column.to_numpy(dtype=np.float64)
    rows = np.flatnonzero(~np.isnan(values))
    # By bit pattern, so 0.0 and -0.0 (stored as different JSON) stay apart.
    bits, where = np.unique(values[rows].view(np.int64), return_inverse=True)
    weighed = [weigh(value) for value in bits.view(np.float64).tolist()]
    return rows.tolist(), [weighed[i] for i in where.tolist()]


def wanted_inside(
    pairs: pd.DataFrame, membership: Mapping[str, str], wanted: Collection[str]
) -> tuple[pd.Index, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each pair's records as positions in ``membership`` (-1: not a member), and the rows of
    the pairs inside one person whose left, and whose right, record is wanted.

    Returns ``(records, at_l, at_r, on_left, on_right)``; ``records[at_l]`` are the left keys.
    A record's position stands for its key (one to one), so grouping by it groups as by the
    key, and every step after is on integers: at a million records a full run has eight
    million pairs, and a hashed look-up of their key strings per step cost seconds.
    """
    records = pd.Index(list(membership), dtype=object)
    person, _ = pd.factorize(pd.Series(list(membership.values()), dtype=object))
    person = np.append(person, -1)  # position -1 (not a member) has no person
    coded = pair_keys.codes(pairs["unique_id_l"], pairs["unique_id_r"])
    if coded is not None:  # each distinct key looked up once, not once per pair it is in
        keys, code_l, code_r = coded
        position = records.get_indexer(keys)
        at_l, at_r = position[code_l], position[code_r]
    else:
        at_l = records.get_indexer(
            pd.Index(pairs["unique_id_l"].to_numpy(dtype=object), dtype=object)
        )
        at_r = records.get_indexer(
            pd.Index(pairs["unique_id_r"].to_numpy(dtype=object), dtype=object)
        )
    person_l = person[at_l]
    inside = (person_l >= 0) & (person_l == person[at_r])
    is_wanted = np.append(records.isin(list(wanted)), False)
    on_left = np.flatnonzero(inside & is_wanted[at_l])
    on_right = np.flatnonzero(inside & is_wanted[at_r])
    return records, at_l, at_r, on_left, on_right


def _best_pairs(
    pairs: pd.DataFrame, membership: Mapping[str, str], wanted: set[str]
) -> dict[str, tuple[float, str, float, dict[str, float]]]:
    """For each wanted record, its strongest pair inside its own person.

    Pairs are taken in order, left record first: a record keeps the first pair it is in and
    changes only to a pair with a strictly larger weight (a NaN weight is never larger, and
    never replaced once kept).
    """
    if not len(pairs) or not wanted:
        return {}
    left = pairs["unique_id_l"].to_numpy(dtype=object)
    right = pairs["unique_id_r"].to_numpy(dtype=object)
    records, at_l, at_r, on_left, on_right = wanted_inside(pairs, membership, wanted)
    if not len(on_left) and not len(on_right):
        return {}
    key = np.concatenate([at_l[on_left], at_r[on_right]])
    other = np.concatenate([right[on_left], left[on_right]])
    row = np.concatenate([on_left, on_right])
    order = np.concatenate([on_left * 2, on_right * 2 + 1])  # left record first
    weight = pairs["match_weight"].to_numpy(dtype=float)[row]

    def first_per_key(entries: np.ndarray) -> np.ndarray:
        owners = key[entries]
        first = np.ones(len(entries), dtype=bool)
        first[1:] = owners[1:] != owners[:-1]
        return entries[first]

    walk = first_per_key(np.lexsort((order, key)))
    held = walk[np.isnan(weight[walk])]  # a NaN kept first is never replaced
    is_held = np.zeros(len(records) + 1, dtype=bool)
    is_held[key[held]] = True
    numbers = np.flatnonzero(~np.isnan(weight) & ~is_held[key])
    strongest = first_per_key(numbers[np.lexsort((order[numbers], -weight[numbers], key[numbers]))])
    chosen = np.concatenate([held, strongest])
    picked = pairs.iloc[row[chosen]]
    fields = _field_weights(picked)
    weights = picked["match_weight"].tolist()
    probabilities = picked["match_probability"].tolist()
    return {
        record: (float(w), str(matched), float(p), f)
        for record, matched, w, p, f in zip(
            records[key[chosen]].tolist(),
            other[chosen].tolist(),
            weights,
            probabilities,
            fields,
            strict=True,
        )
    }


def best_evidence(
    pairs: pd.DataFrame,
    membership: Mapping[str, str],
    keys: Collection[str],
    linked_by_decision: Collection[tuple[str, str]] = (),
) -> list[dict[str, Any]]:
    """Evidence rows for ``keys``: each record's strongest pair inside its own person.

    ``pairs`` are scored pairs (``unique_id_l``/``_r``, ``match_weight``, ``match_probability``
    and ``bf_*``/``mw_*`` columns); ``membership`` maps records to persons after the run.
    Records with no such pair take a reviewer's link decision if one joins them, else are
    recorded as ``alone`` (the only record of their person, or held by other records' pairs).
    """
    # A row per record, as small dicts, none in a cycle (see gc_pause).
    with cycle_collection_paused():
        return _evidence_rows(pairs, membership, set(keys), linked_by_decision)


def _evidence_rows(
    pairs: pd.DataFrame,
    membership: Mapping[str, str],
    wanted: set[str],
    linked_by_decision: Collection[tuple[str, str]],
) -> list[dict[str, Any]]:
    best = _best_pairs(pairs, membership, wanted)
    decided: dict[str, str] = {}
    for left, right in linked_by_decision:
        if membership.get(left) is not None and membership.get(left) == membership.get(right):
            decided.setdefault(left, right)
            decided.setdefault(right, left)
    rows = []
    for key in sorted(wanted):
        person_id = membership.get(key)
        if person_id is None:
            continue
        if key in best:
            weight, other, probability, fields = best[key]
            rows.append(
                {
                    "record_key": key,
                    "person_id": person_id,
                    "matched_record_key": other,
                    "match_probability": probability,
                    "match_weight": weight if math.isfinite(weight) else None,
                    "field_weights": fields,
                    "basis": "model",
                }
            )
        else:
            rows.append(
                {
                    "record_key": key,
                    "person_id": person_id,
                    "matched_record_key": decided.get(key),
                    "match_probability": None,
                    "match_weight": None,
                    "field_weights": None,
                    "basis": "review" if key in decided else "alone",
                }
            )
    return rows


def stored_alone(session: Session, keys: Collection[str]) -> set[str]:
    """Those of ``keys`` whose stored evidence says they are ``alone`` in their person."""
    ordered = sorted(keys)
    out: set[str] = set()
    for start in range(0, len(ordered), _IN_CHUNK):
        chunk = ordered[start : start + _IN_CHUNK]
        out.update(
            session.scalars(
                select(_EVIDENCE.c.record_key).where(
                    _EVIDENCE.c.record_key.in_(chunk), _EVIDENCE.c.basis == "alone"
                )
            )
        )
    return out


def partners_inside(
    pairs: pd.DataFrame, membership: Mapping[str, str], keys: Collection[str]
) -> set[str]:
    """Records paired with one of ``keys`` inside the same person, other than ``keys``."""
    if not len(pairs):
        return set()
    records, at_l, at_r, on_left, on_right = wanted_inside(pairs, membership, keys)
    found = set(records[at_r[on_left]]) | set(records[at_l[on_right]])
    return found - set(keys)


def write_evidence(
    session: Session,
    run_id: int,
    rows: list[dict[str, Any]],
    *,
    replace_all: bool = False,
    ended: Collection[str] = (),
    keep: Mapping[str, str] | None = None,
) -> None:
    """Store a run's evidence rows, replacing what earlier runs said about those records.

    ``replace_all`` (a full run) clears every row first; otherwise rows for the given records
    and the ``ended`` ones are replaced. ``keep`` maps records whose evidence still stands but
    whose person id changed (a merge) to their new person id.
    """
    if replace_all:
        session.execute(delete(_EVIDENCE))
    else:
        stale = sorted({row["record_key"] for row in rows} | set(ended))
        for start in range(0, len(stale), _IN_CHUNK):
            keys = stale[start : start + _IN_CHUNK]
            session.execute(delete(_EVIDENCE).where(_EVIDENCE.c.record_key.in_(keys)))
    # Straight to the driver (executemany / COPY): a full run writes a row per record.
    columns = (
        "record_key",
        "person_id",
        "run_id",
        "matched_record_key",
        "match_probability",
        "match_weight",
        "field_weights",
        "basis",
    )
    with cycle_collection_paused():  # a tuple per row, none in a cycle
        BulkInsert(session, _EVIDENCE, columns).write(
            [
                (
                    row["record_key"],
                    row["person_id"],
                    run_id,
                    row["matched_record_key"],
                    row["match_probability"],
                    row["match_weight"],
                    _weights_json(row["field_weights"]),
                    row["basis"],
                )
                for row in rows
            ]
        )
    if keep:
        statement = (
            update(_EVIDENCE)
            .where(_EVIDENCE.c.record_key == bindparam("key"))
            .values(person_id=bindparam("pid"))
        )
        updates = [{"key": key, "pid": pid} for key, pid in keep.items()]
        for start in range(0, len(updates), _CHUNK):
            session.connection().execute(statement, updates[start : start + _CHUNK])
    session.flush()


# A full run writes a row of field weights per record, a million at a million records: as JSON
# text built here, the compact text the encoder writes (``store.db``: a float as its repr), each
# row costs a third of an encoder call. Names of other characters, and a value that is not a
# finite float, go to the encoder as before.
_PLAIN_NAME = re.compile(r"[0-9A-Za-z_]+")


def _weights_json(weights: dict[str, float] | None) -> JsonText | dict[str, float] | None:
    if not weights:
        return weights
    parts = []
    for name, value in weights.items():
        if type(value) is not float or not math.isfinite(value) or not _PLAIN_NAME.fullmatch(name):
            return weights
        parts.append(f'"{name}":{value!r}')
    return JsonText("{" + ",".join(parts) + "}")


def explain_person(session: Session, person_id: str) -> dict[str, Any]:
    """Everything that says why a person holds its records, as plain data.

    Follows a retired id to the active person (``lookup`` in the result says how). For each
    current record: the source and record id, the run it joined in, and the evidence — the
    record it matched best, the match probability and weight, the weight per comparison, and
    the basis (``model``, ``review`` or ``alone``). Also the person's events (merges, splits)
    and the review decisions touching its records. Raises ``PersonNotFound`` for an unknown id.
    """
    found = lookup_person(session, person_id)
    result: dict[str, Any] = {"lookup": found.as_dict(), "person_id": found.person_id}
    if found.person_id is None:
        result.update(records=[], events=[], decisions=[])
        return result
    members = members_view(session, found.person_id)
    keys = [key for key, *_ in members]
    evidence: dict[str, MatchEvidence] = {}
    for start in range(0, len(keys), _IN_CHUNK):
        part = keys[start : start + _IN_CHUNK]
        for row in session.scalars(select(MatchEvidence).where(MatchEvidence.record_key.in_(part))):
            evidence[row.record_key] = row
    records = []
    for key, source_id, record_id, from_run in members:
        item = evidence.get(key)
        records.append(
            {
                "record_key": key,
                "source": source_id,
                "source_record_id": record_id,
                "joined_run": from_run,
                "basis": item.basis if item else "alone",
                "matched_record_key": item.matched_record_key if item else None,
                "match_probability": item.match_probability if item else None,
                "match_weight": item.match_weight if item else None,
                "field_weights": dict(item.field_weights or {}) if item else {},
                "evidence_run": item.run_id if item else None,
            }
        )
    events = person_events(session, found.person_id, [pid for pid, _ in found.redirects])
    key_set = set(keys)
    decisions = []
    for start in range(0, len(keys), _IN_CHUNK):
        part = keys[start : start + _IN_CHUNK]
        for decision in session.scalars(
            select(ReviewDecision)
            .where(ReviewDecision.record_key_l.in_(part) | ReviewDecision.record_key_r.in_(part))
            .order_by(ReviewDecision.id)
        ):
            decisions.append(
                {
                    "pair": [decision.record_key_l, decision.record_key_r],
                    "decision": decision.decision,
                    "reviewer": decision.reviewer,
                    "note": decision.note,
                    "decided_at": decision.decided_at.isoformat(),
                    "both_in_person": decision.record_key_l in key_set
                    and decision.record_key_r in key_set,
                }
            )
    result.update(records=records, events=events, decisions=decisions)
    return result


def starting_weight(
    match_weight: float | None, field_weights: Mapping[str, float] | None
) -> float | None:
    """Where the model starts before comparing any field: the total less the fields' weights.

    Splink's match weight is the prior's (how likely two records picked at random are one
    person, in bits) plus each comparison's; the evidence stores the total and the fields, so
    the prior is what reconciles them. ``None`` without a total or any field weight.
    Example: ``starting_weight(6.1, {"dob": 7.2, "name": 4.0})`` is about -5.1.
    """
    if match_weight is None or not math.isfinite(match_weight) or not field_weights:
        return None
    fields = [float(w) for w in field_weights.values() if math.isfinite(float(w))]
    return match_weight - sum(fields)
