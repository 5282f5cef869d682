"""Training the person model: EM's blocks, their samples, and what training could not learn.

`PersonModel.train` runs Splink's estimators; these are the pieces around them that joinedup
adds: the EM blocks (sampled down to `MAX_EM_PAIRS_PER_BLOCK` pairs without bias), the starting
match rate of each block, m kept per block that may train it, the initials' m, the records'
households for the metadata, and one line on what was left to the priors.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

import numpy as np
import pandas as pd

from joinedup.linkage import blocking, households
from joinedup.linkage.levels import FAMILY_EXACT, GIVEN_INITIAL
from joinedup.linkage.priors import prior_parameters
from joinedup.linkage.term_frequencies import TF_COLUMNS

Parameters = dict[str, list[dict[str, float | str]]]

#: The most pairs EM trains on in one block. m is a share — how often matching pairs agree at
#: each level — and a few million pairs estimate it as well as fifty million, while EM's cost
#: grows with the pairs: a million records put ~49M pairs in the full-name block (one common
#: name alone ~3M) and EM was nine tenths of training. The demo borough of 200k people and
#: FEBRL stay under it, so they train on every pair as before.
MAX_EM_PAIRS_PER_BLOCK = 6_000_000


def log_step(step: str) -> None:
    # Timings only, never data: training is the slow step and worth seeing in a long run.
    logging.getLogger(__name__).info("training: %s at %.1f s", step, time.perf_counter())


#: What the pairs of each EM block share, as the training line names them.
_BLOCK_SHARES = {
    "train_dob": "a date of birth",
    "train_name": "a given and family name",
}


def skipped_block(alias: str, exc: Exception) -> str:
    """Why EM learned nothing from one block, in words, from the error's class alone."""
    shares = _BLOCK_SHARES.get(alias, f"the {alias} key")
    if type(exc).__name__ == "EMTrainingException":
        # Splink raises it for a block without a single pair.
        return f"no two records share {shares}"
    return f"Splink could not learn from pairs that share {shares}: {type(exc).__name__}"


def training_gaps(params: Parameters, rate_from_prior: bool, skipped: list[str]) -> str | None:
    """One line on what training left to the priors (built-in values), or ``None`` if nothing.

    Counts, never values. A level counts when its trained m or u is not a positive number —
    no pair of these records fell in it, or EM learned nothing from the block that trains it —
    which is exactly when `apply_safety_rules` gives it the prior. ``skipped`` says why a
    block taught nothing (`skipped_block`). Splink says much the same at length, a warning per
    level; the ``link`` command keeps that off the terminal.

    Example: "training: 12 of 40 comparison levels could not be estimated from these records,
    so they keep joinedup's built-in values".
    """
    total = sum(len(levels) for levels in params.values())
    unseen = sum(
        1
        for levels in params.values()
        for level in levels
        if not all(_positive(level.get(key)) for key in ("m", "u"))
    )
    kept = []
    if rate_from_prior:
        kept.append("the chance that two records match")
    if unseen:
        levels = f"all {total}" if unseen == total else f"{unseen} of {total}"
        kept.append(f"{levels} comparison levels")
    because = f" ({'; '.join(skipped)})" if skipped else ""
    if kept:
        keeps = (
            "they keep joinedup's built-in values"
            if unseen
            else "it keeps joinedup's built-in value"
        )
        return (
            f"training: {' and '.join(kept)} could not be estimated from these records,"
            f" so {keeps}{because}"
        )
    if skipped:
        return f"training: {'; '.join(skipped)}; the other pairs still gave every level a value"
    return None


def household_metadata(coresidents: households.Coresidents, params: Parameters) -> dict[str, Any]:
    """What the records say about households, for the model's metadata (`households`)."""
    family = {str(level["label"]): level for level in params.get("family_name", [])}
    u_family = family.get(FAMILY_EXACT, {}).get("u")
    if not _positive(u_family):
        priors = {str(lv["label"]): lv for lv in prior_parameters()["family_name"]}
        u_family = priors[FAMILY_EXACT]["u"]
    return {
        "coresident_pairs": coresidents.pairs,
        "same_family_name": coresidents.same_family_name,
        "household_share": round(coresidents.household_share(float(u_family or 0.0)), 4),
    }


def _positive(value: object) -> bool:
    return isinstance(value, int | float) and value == value and value > 0


#: The exact-agreement level each blocked field stands for, to raise EM's starting match rate.
_BLOCKED_LEVEL = {
    "dob": ("dob", "date of birth exact"),
    "given_key": ("given_name", "given name exact"),
    "family_key": ("family_name", "family name exact"),
}


def block_start(overall: float, fields: tuple[str, ...], params: Parameters) -> float:
    """The match rate among pairs agreeing on ``fields``: prior odds times their Bayes factors."""
    priors = {(c, str(lv["label"])): lv for c, lvs in prior_parameters().items() for lv in lvs}
    odds = overall / (1.0 - overall)
    for field_name in fields:
        comparison, label = _BLOCKED_LEVEL[field_name]
        level = next((lv for lv in params[comparison] if lv["label"] == label), None)
        u = level["u"] if level is not None else None
        if not isinstance(u, int | float) or u <= 0:
            u = priors[(comparison, label)]["u"]
        odds *= float(priors[(comparison, label)]["m"]) / float(u)
    return min(0.5, odds / (1.0 + odds))


def block_columns(
    df: pd.DataFrame, *, seed: int = 42, max_pairs: float = MAX_EM_PAIRS_PER_BLOCK
) -> tuple[dict[str, pd.Series], dict[str, dict[str, float]]]:
    """The EM block columns of ``df`` by alias — the joined fields, or null where any is
    missing — and, per block, its pairs and the share of records kept in it.

    A block of more than ``max_pairs`` pairs keeps each record with chance
    ``sqrt(max_pairs / pairs)`` (by a seeded hash of its id, so reruns agree), which keeps every
    pair of the block with the same chance, matching or not: the pairs EM sees are a uniform
    sample of the block's pairs, so the share of matching pairs at each level — m — is estimated
    without bias. Records are sampled rather than keys because one common name is a large part
    of a name block (a key drawn or not would swing the sample).
    """
    out: dict[str, pd.Series] = {}
    draws: np.ndarray | None = None
    sample: dict[str, dict[str, float]] = {}
    for alias, fields, _, _ in blocking.TRAINING_BLOCKS:
        joined = df[fields[0]].astype(object)
        for name in fields[1:]:
            joined = joined + "|" + df[name].astype(object)
        joined = joined.where(df[list(fields)].notna().all(axis=1), None)
        sizes = joined.value_counts(dropna=True).to_numpy(dtype=np.float64)
        pairs = float((sizes * (sizes - 1.0) / 2.0).sum())
        kept = 1.0 if pairs <= max_pairs else math.sqrt(max_pairs / pairs)
        if kept < 1.0:
            if draws is None:
                draws = _uniform_draws(df["unique_id"], seed)
            joined = joined.where(draws < kept, None)
        out[alias] = joined
        sample[alias] = {"pairs": pairs, "records_kept": round(kept, 6)}
    return out, sample


#: The frame's columns training reads in pandas: ids, the EM blocks' fields, the frequency-
#: adjusted names and the initial.
TRAINING_READS: tuple[str, ...] = tuple(
    dict.fromkeys(
        [
            "unique_id",
            *(name for block in blocking.TRAINING_BLOCKS for name in block[1]),
            *TF_COLUMNS,
            "given_key",
            "given_initial",
        ]
    )
)


def _uniform_draws(ids: pd.Series, seed: int) -> np.ndarray:
    """One number in [0, 1) per id, from a seeded hash of the id: the same id, the same draw."""
    hashed = pd.util.hash_pandas_object(ids, index=False, hash_key=f"{seed:016d}"[-16:])
    return (hashed.to_numpy(dtype=np.uint64) >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def collect_m(
    session: Any, trains: tuple[str, ...], into: dict[tuple[str, str], list[float]]
) -> None:
    """Keep a session's m estimates for the comparisons its block may train."""
    for comparison in session.core_model_settings.comparisons:
        if comparison.output_column_name not in trains:
            continue
        for level in comparison.comparison_levels:
            if level.is_null_level:
                continue
            value = level._m_probability
            if isinstance(value, int | float) and value == value:
                key = (comparison.output_column_name, level.label_for_charts)
                into.setdefault(key, []).append(float(value))


def with_m(params: Parameters, m_estimates: dict[tuple[str, str], list[float]]) -> Parameters:
    """Replace Splink's pooled m values with the mean over the blocks allowed to train each."""
    out: Parameters = {}
    for name, levels in params.items():
        out[name] = []
        for level in levels:
            values = m_estimates.get((name, str(level["label"])))
            m: float | str = sum(values) / len(values) if values else "untrained"
            out[name].append({"label": level["label"], "m": m, "u": level["u"]})
    return out


def with_initial_m(params: Parameters, initial_only: float) -> Parameters:
    """Set m of "initial agrees" from how many records hold only an initial.

    Two records of one person reach that level when either holds only an initial, which
    happens with probability 1 - (1 - f)^2 for a share f of such records. EM cannot learn it:
    the sources that hold initials (council tax, electoral roll) rarely hold a date of birth, so
    their pairs are absent from the EM blocks.
    """
    share = 1.0 - (1.0 - initial_only) ** 2
    if share <= 0.0:
        return params
    for level in params.get("given_name", []):
        if level["label"] == GIVEN_INITIAL:
            level["m"] = share
    return params
