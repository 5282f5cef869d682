"""Explanations: why each record is attached to its person, for reviewers and auditors.

Each run keeps, per record it evaluated, the strongest scored pair between that record and
another record of the same person: the record it matched, the match probability and weight, and
the match weight each comparison contributed (name, date of birth, postcode …). A record that
joined by a reviewer's ``link`` decision says so; a record alone in its person has no pair.
:func:`explain_person` returns that as plain data, ready for the API and the web pages.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from typing import Any, cast

import pandas as pd
from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.orm import Session

from joinedup.linkage.persons import lookup_person, members_view
from joinedup.store.bulk import BulkInsert
from joinedup.store.linkage_tables import MatchEvidence, PersonEvent, ReviewDecision

_EVIDENCE = cast(Table, MatchEvidence.__table__)
_CHUNK = 5_000
_IN_CHUNK = 900


def _field_weights(row: Mapping[Any, Any], columns: list[str]) -> dict[str, float]:
    # Splink gives per-comparison Bayes factors (bf_*) and, where asked, match weights (mw_*);
    # a reader wants weights (log2 of the factor: positive for, negative against).
    out: dict[str, float] = {}
    for column in columns:
        value = row[column]
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        if column.startswith("mw_"):
            out[column[3:]] = round(float(value), 3)
        elif column[3:] not in out and float(value) > 0:
            out[column[3:]] = round(math.log2(float(value)), 3)
    return out


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
    wanted = set(keys)
    best: dict[str, tuple[float, str, float, dict[str, float]]] = {}
    if len(pairs) and wanted:
        frame = pairs[pairs["unique_id_l"].isin(wanted) | pairs["unique_id_r"].isin(wanted)]
        person_l = frame["unique_id_l"].map(membership)
        person_r = frame["unique_id_r"].map(membership)
        frame = frame[person_l.notna() & (person_l == person_r)]
        factor_columns = [c for c in frame.columns if c.startswith(("mw_", "bf_"))]
        for row in frame.to_dict("records"):
            weight = float(row["match_weight"])
            for this, other in (
                (row["unique_id_l"], row["unique_id_r"]),
                (row["unique_id_r"], row["unique_id_l"]),
            ):
                if this in wanted and (this not in best or weight > best[this][0]):
                    best[this] = (
                        weight,
                        str(other),
                        float(row["match_probability"]),
                        _field_weights(row, factor_columns),
                    )
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
    BulkInsert(session, _EVIDENCE, columns).write(
        tuple(run_id if name == "run_id" else row[name] for name in columns) for row in rows
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
    # Events name the person they are about first (a merge's survivor, a split's larger part),
    # so the indexed first id finds this person's history and that of ids it absorbed.
    ids = sorted({found.person_id, *(pid for pid, _ in found.redirects)})
    events = [
        {
            "run_id": event.run_id,
            "kind": event.kind,
            "person_ids": list(event.person_ids),
            "record_counts": list(event.record_counts),
        }
        for event in session.scalars(
            select(PersonEvent).where(PersonEvent.person_id.in_(ids)).order_by(PersonEvent.id)
        )
    ]
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
