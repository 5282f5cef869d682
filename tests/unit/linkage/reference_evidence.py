"""Evidence as first written, walking every pair row by row in Python, kept as the reference
that `joinedup.linkage.explain.best_evidence` (the same choice made a column at a time) must
agree with exactly: the same rows, the same field weights in the same order."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from typing import Any

import pandas as pd


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


def reference_best_evidence(
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
