"""The person model: a Splink 5 Fellegi–Sunter model for the common person schema.

`PersonModel` holds only parameters — the chance two random records match and, for each level
of each comparison in `joinedup.linkage.comparisons`, its m and u. The Splink settings are built
afresh for whichever engine runs it, so one trained model scores identically on DuckDB and on
Spark (a Splink JSON holds dialect SQL and does not cross engines). Every model, trained, loaded
or default, passes through `apply_safety_rules`, so household levels keep their fixed weights
and "differs" levels stay strong evidence against.

Example::

    model = PersonModel.train(records_frame(records))
    pairs = model.predict(frame)              # unique_id_l, unique_id_r, match_probability, …
    persons = cluster(pairs, threshold=MATCH_PROBABILITY, ids=frame["unique_id"])
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from joinedup.errors import JoinedupError
from joinedup.linkage import blocking, engines, households
from joinedup.linkage.levels import COMPARISON_NAMES, FAMILY_EXACT, GIVEN_INITIAL
from joinedup.linkage.prediction_pairs import (
    empty_pairs,
    fetch_pairs,
    key_positions,
    tidy_pairs,
    with_generation_unknown,
)
from joinedup.linkage.priors import (
    PRIOR_PROBABILITY_TWO_RANDOM_RECORDS_MATCH,
    apply_safety_rules,
    prior_parameters,
)
from joinedup.linkage.term_frequencies import TF_COLUMNS, register_term_frequencies

if TYPE_CHECKING:
    from splink import SettingsCreator

# Splink is imported where settings are built or a linker made, not here: an attach that
# replays recorded SQL (``replay``) needs neither, and importing Splink is half a second of a
# one-record `joinedup link`.

FORMAT = "joinedup-person-model/1"
DEFAULT_MODEL_RESOURCE = "default_model.json"

#: Splink logs table sizes and timings, never values; keep it quiet unless something is wrong.
_SPLINK_LOG_LEVEL = logging.WARNING

Parameters = dict[str, list[dict[str, float | str]]]

#: The most pairs EM trains on in one block. m is a share — how often matching pairs agree at
#: each level — and a few million pairs estimate it as well as fifty million, while EM's cost
#: grows with the pairs: a million records put ~49M pairs in the full-name block (one common
#: name alone ~3M) and EM was nine tenths of training. The demo borough of 200k people and
#: FEBRL stay under it, so they train on every pair as before.
MAX_EM_PAIRS_PER_BLOCK = 6_000_000


@dataclass(frozen=True)
class PersonModel:
    """Trained parameters of the person model; build with `train`, `default` or `from_json`."""

    probability_two_random_records_match: float
    parameters: Parameters
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0.0 < self.probability_two_random_records_match < 1.0:
            raise JoinedupError("probability_two_random_records_match must be between 0 and 1")
        unknown = set(self.parameters) - set(COMPARISON_NAMES)
        if unknown:
            raise JoinedupError(f"model has unknown comparisons: {', '.join(sorted(unknown))}")
        share = _household_share(self.metadata)
        object.__setattr__(
            self, "parameters", apply_safety_rules(_complete(self.parameters), share)
        )

    # ----------------------------------------------------------------- construction

    @classmethod
    def default(cls) -> PersonModel:
        """The shipped model, so a small data set needs no training.

        Its parameters were trained on the synthetic demo borough and passed through the same
        safety rules as any trained model; see ``docs/linkage-model.md``.
        """
        resource = resources.files("joinedup.linkage").joinpath(DEFAULT_MODEL_RESOURCE)
        if resource.is_file():
            return cls.from_json(resource.read_text(encoding="utf-8"))
        return cls(
            PRIOR_PROBABILITY_TWO_RANDOM_RECORDS_MATCH,
            prior_parameters(),
            {"source": "priors"},
        )

    @classmethod
    def from_json(cls, text: str) -> PersonModel:
        """Load a model saved by `to_json`; a malformed or foreign document raises JoinedupError."""
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise JoinedupError(f"model JSON is not valid JSON: {exc.msg}") from exc
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise JoinedupError(f"not a joinedup person model (expected format {FORMAT!r})")
        try:
            prob = float(doc["probability_two_random_records_match"])
            params = doc["parameters"]
            if not isinstance(params, dict):
                raise TypeError("parameters")
        except (KeyError, TypeError, ValueError) as exc:
            raise JoinedupError(f"model JSON is missing or has a bad field: {exc}") from exc
        return cls(prob, params, dict(doc.get("metadata", {})))

    def to_json(self) -> str:
        """The model as JSON: parameters by comparison and level label, engine-independent."""
        return json.dumps(
            {
                "format": FORMAT,
                "probability_two_random_records_match": self.probability_two_random_records_match,
                "parameters": self.parameters,
                "metadata": self.metadata,
            },
            indent=2,
            sort_keys=False,
        )

    @classmethod
    def train(
        cls,
        df: pd.DataFrame | pa.Table,
        *,
        engine: str = "duckdb",
        seed: int = 42,
        max_pairs_for_u: float = 1e6,
    ) -> PersonModel:
        """Estimate the model on ``df`` (a `records_frame`): u by random sampling, m by EM.

        The chance that two random records match is estimated from near-certain rules (NHS
        number + date of birth; full name + date of birth); u from ``max_pairs_for_u`` random
        pairs (seeded, so reruns agree); m by expectation maximisation on two blocks (date of
        birth; full name) so every comparison is trained on a block it does not define, each
        block sampled down to `MAX_EM_PAIRS_PER_BLOCK` pairs (recorded in the metadata). Levels
        that no pair reached keep their priors; household and "differs" rules are then applied.
        ``df`` may be the frame cache's Arrow table, which goes into the engine as it is.
        """
        engines.check_engine(engine)
        if len(df) < 2:
            raise JoinedupError("training needs at least two records")
        api = engines.db_api(engine)
        table = engines.conform(df) if isinstance(df, pa.Table) else engines.to_arrow(df)
        # Only the columns read here cross into pandas: the whole frame, a million records of
        # two dozen string columns, cost seconds each way.
        read = table.select(list(_TRAINING_READS)).to_pandas()
        coresidents = households.measure(table)
        blocks, em_sample = _block_columns(read, seed=seed)
        for alias, values in blocks.items():
            table = table.append_column(alias, pa.array(values, pa.string(), from_pandas=True))
        sdf = engines.register(api, table, "records")
        del table, blocks
        from splink import Linker

        linker = Linker(sdf, _settings_creator(), log_level=_SPLINK_LOG_LEVEL)
        register_term_frequencies(linker, api, read)
        training = linker.training
        # What training could not learn, for one line at the end (`_training_gaps`).
        rate_from_prior = False
        skipped: list[str] = []
        try:
            training.estimate_probability_two_random_records_match(
                list(blocking.DETERMINISTIC_RULES), recall=blocking.DETERMINISTIC_RECALL
            )
        except Exception:
            rate_from_prior = True
            linker._settings_obj._probability_two_random_records_match = (
                PRIOR_PROBABILITY_TWO_RANDOM_RECORDS_MATCH
            )
        _log_step("probability estimated")
        training.estimate_u_using_random_sampling(max_pairs=max_pairs_for_u, seed=seed)
        _log_step("u estimated")
        # Read u now: a failed EM session can leave Splink's settings without the comparisons
        # it set aside, and m comes from the sessions themselves anyway.
        trained = linker.misc.save_model_to_json()
        m_estimates: dict[tuple[str, str], list[float]] = {}
        settings_obj = linker._settings_obj
        overall = settings_obj._probability_two_random_records_match
        for alias, fields, trains, markers in blocking.TRAINING_BLOCKS:
            # Splink starts EM at the overall match rate raised by the evidence the block fixes;
            # it cannot see that through an alias column, so the model raises it here.
            settings_obj._probability_two_random_records_match = _block_start(
                overall, fields, _parameters_from_settings(settings_obj.as_dict())
            )
            try:
                session = training.estimate_parameters_using_expectation_maximisation(
                    blocking.training_rule(alias, markers), estimate_without_term_frequencies=True
                )
            except Exception as exc:
                # Not the message: an engine's error can quote a record's value.
                skipped.append(_skipped_block(alias, exc))
                continue
            finally:
                settings_obj._probability_two_random_records_match = overall
            _collect_m(session, trains, m_estimates)
        _log_step("m estimated")
        initial_only = float((read["given_key"].isna() & read["given_initial"].notna()).mean())
        prob = float(trained.get("probability_two_random_records_match") or 0.0)
        if not 0.0 < prob < 1.0:
            rate_from_prior = True
            prob = PRIOR_PROBABILITY_TWO_RANDOM_RECORDS_MATCH
        params = _with_initial_m(
            _with_m(_parameters_from_settings(trained), m_estimates), initial_only
        )
        gaps = _training_gaps(params, rate_from_prior, skipped)
        if gaps:
            logging.getLogger(__name__).warning("%s", gaps)
        metadata = {
            "trained_on_records": len(df),
            "engine": engine,
            "seed": seed,
            "em_blocks": em_sample,
            "households": _households(coresidents, params),
        }
        return cls(prob, params, metadata)

    # ----------------------------------------------------------------- use

    def settings(self, sql_dialect: str) -> dict[str, Any]:
        """A Splink settings dict for ``sql_dialect`` with this model's parameters filled in."""
        settings = _settings_creator().create_settings_dict(sql_dialect)
        settings["probability_two_random_records_match"] = self.probability_two_random_records_match
        for comparison in settings["comparisons"]:
            name = comparison["output_column_name"]
            # By label, not position: a saved model keeps its levels in the order they had
            # when it was trained, and levels move when the comparisons change.
            by_label = {str(values["label"]): values for values in self.parameters[name]}
            for level in comparison["comparison_levels"]:
                if level.get("is_null_level"):
                    continue
                values = by_label[level["label_for_charts"]]
                level["m_probability"] = values["m"]
                level["u_probability"] = values["u"]
        return settings

    def predict(
        self,
        df: pd.DataFrame | pa.Table,
        *,
        new_ids: set[str] | None = None,
        engine: str = "duckdb",
        threshold_probability: float | None = None,
        term_frequencies: Mapping[str, pd.DataFrame] | None = None,
    ) -> pd.DataFrame:
        """Score the candidate pairs of ``df`` (a `records_frame`) with this model.

        Returns one row per pair: ``unique_id_l`` < ``unique_id_r``, ``match_weight``,
        ``match_probability``, and per comparison ``mw_<name>``, its match weight (log2 Bayes
        factor, name-frequency adjustment included; 0 = field missing). With
        ``new_ids``, only pairs with at least one new record are scored — new × existing and
        new × new — which is how incremental linking attaches records to an index. ``df`` may
        be an Arrow table of the same columns (the frame cache's), which spares a conversion.
        ``term_frequencies`` (``candidates.term_frequency_tables`` of the whole index) stands in
        for the name frequencies of ``df`` when ``df`` is only the part of the index that the
        new records can reach, so scores match a prediction over the whole index.
        """
        engines.check_engine(engine)
        if len(df) == 0:
            return empty_pairs()
        if engine == "duckdb" and new_ids is not None and term_frequencies is not None:
            from joinedup.linkage import replay

            # Attaching records: the same SQL every time, so built once per process (``replay``).
            table = engines.conform(df) if isinstance(df, pa.Table) else engines.to_arrow(df)
            scored = tidy_pairs(
                replay.predict_new(
                    self.settings,
                    self.to_json(),
                    table,
                    set(new_ids),
                    threshold_probability,
                    term_frequencies,
                    _SPLINK_LOG_LEVEL,
                )
            )
            return with_generation_unknown(scored, table)
        if isinstance(df, pa.Table):
            # A whole index scored with the index's name frequencies needs no pandas: the
            # frame cache's Arrow table goes into the engine as it is, as replayed attaches do
            # (through pandas and back cost a million records ~6 s).
            whole = new_ids is None and term_frequencies is not None
            df = engines.conform(df) if whole else df.to_pandas()
        api = engines.db_api(engine)
        full = engines.register(api, df, "records")
        from splink import Linker

        # Splink's settings check parses every comparison's SQL to look for missing columns, which
        # costs more than scoring a handful of records; the frame always has the model's columns.
        linker = Linker(
            full,
            self.settings(api.sql_dialect.sql_dialect_str),
            log_level=_SPLINK_LOG_LEVEL,
            validate_settings=False,
        )
        if term_frequencies is None:
            register_term_frequencies(linker, api, df)
        else:
            engines.register_term_frequency_tables(linker, api, term_frequencies)
        inference = linker.inference
        keys = key_positions(api, df["unique_id"])
        if new_ids is None:
            result = inference.predict(
                threshold_match_probability=threshold_probability, warning_mode="never"
            )
            # One run's pairs, read by clustering, explanations and review: kept as codes.
            frames = [fetch_pairs(result, keys, as_codes=True)]
        else:
            is_new = df["unique_id"].isin(set(new_ids))
            if not is_new.any():
                return empty_pairs()
            new_sdf = engines.register(api, df[is_new], "new_records")
            frames = []
            if (~is_new).any():
                index_sdf = engines.register(api, df[~is_new], "index_records")
                between = inference.predict_between(
                    new_sdf,
                    index_sdf,
                    threshold_match_probability=threshold_probability,
                    warning_mode="never",
                )
                frames.append(fetch_pairs(between, keys))
            if is_new.sum() > 1:
                within = inference.predict_within(
                    new_sdf, threshold_match_probability=threshold_probability, warning_mode="never"
                )
                frames.append(fetch_pairs(within, keys))
        return with_generation_unknown(tidy_pairs(frames), df)

    def level_weights(self) -> pd.DataFrame:
        """Each level's m, u and match weight (log2 m/u) — the model as a reviewer reads it."""
        rows = [
            {
                "comparison": name,
                "level": level["label"],
                "m": level["m"],
                "u": level["u"],
                "match_weight": math.log2(float(level["m"]) / float(level["u"])),
            }
            for name, levels in self.parameters.items()
            for level in levels
        ]
        return pd.DataFrame(rows)


def _log_step(step: str) -> None:
    # Timings only, never data: training is the slow step and worth seeing in a long run.
    logging.getLogger(__name__).info("training: %s at %.1f s", step, time.perf_counter())


#: What the pairs of each EM block share, as the training line names them.
_BLOCK_SHARES = {
    "train_dob": "a date of birth",
    "train_name": "a given and family name",
}


def _skipped_block(alias: str, exc: Exception) -> str:
    """Why EM learned nothing from one block, in words, from the error's class alone."""
    shares = _BLOCK_SHARES.get(alias, f"the {alias} key")
    if type(exc).__name__ == "EMTrainingException":
        # Splink raises it for a block without a single pair.
        return f"no two records share {shares}"
    return f"Splink could not learn from pairs that share {shares}: {type(exc).__name__}"


def _training_gaps(params: Parameters, rate_from_prior: bool, skipped: list[str]) -> str | None:
    """One line on what training left to the priors (built-in values), or ``None`` if nothing.

    Counts, never values. A level counts when its trained m or u is not a positive number —
    no pair of these records fell in it, or EM learned nothing from the block that trains it —
    which is exactly when `apply_safety_rules` gives it the prior. ``skipped`` says why a
    block taught nothing (`_skipped_block`). Splink says much the same at length, a warning per
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


def _households(coresidents: households.Coresidents, params: Parameters) -> dict[str, Any]:
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


def _household_share(metadata: dict[str, Any]) -> float:
    """The metadata's household share; 1 (a population of households) when a model has none."""
    found = metadata.get("households")
    if found is None:
        return 1.0
    share = found.get("household_share") if isinstance(found, dict) else None
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0.0 <= share <= 1.0:
        raise JoinedupError("model metadata households.household_share must be between 0 and 1")
    return float(share)


def _positive(value: object) -> bool:
    return isinstance(value, int | float) and value == value and value > 0


def _settings_creator() -> SettingsCreator:
    from splink import SettingsCreator

    from joinedup.linkage.comparisons import person_comparisons

    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=list[Any](person_comparisons()),
        blocking_rules_to_generate_predictions=list[Any](blocking.PREDICTION_RULES),
        probability_two_random_records_match=PRIOR_PROBABILITY_TWO_RANDOM_RECORDS_MATCH,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=True,
        max_iterations=20,
    )


#: The exact-agreement level each blocked field stands for, to raise EM's starting match rate.
_BLOCKED_LEVEL = {
    "dob": ("dob", "date of birth exact"),
    "given_key": ("given_name", "given name exact"),
    "family_key": ("family_name", "family name exact"),
}


def _block_start(overall: float, fields: tuple[str, ...], params: Parameters) -> float:
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


def _block_columns(
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
_TRAINING_READS: tuple[str, ...] = tuple(
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


def _collect_m(
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


def _with_m(params: Parameters, m_estimates: dict[tuple[str, str], list[float]]) -> Parameters:
    """Replace Splink's pooled m values with the mean over the blocks allowed to train each."""
    out: Parameters = {}
    for name, levels in params.items():
        out[name] = []
        for level in levels:
            values = m_estimates.get((name, str(level["label"])))
            m: float | str = sum(values) / len(values) if values else "untrained"
            out[name].append({"label": level["label"], "m": m, "u": level["u"]})
    return out


def _with_initial_m(params: Parameters, initial_only: float) -> Parameters:
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


def _parameters_from_settings(settings: dict[str, Any]) -> Parameters:
    params: Parameters = {}
    for comparison in settings["comparisons"]:
        params[comparison["output_column_name"]] = [
            {
                "label": level.get("label_for_charts", ""),
                "m": level.get("m_probability"),
                "u": level.get("u_probability"),
            }
            for level in comparison["comparison_levels"]
            if not level.get("is_null_level")
        ]
    return params


def _complete(parameters: Parameters) -> Parameters:
    """Add comparisons or levels a saved model lacks, from the priors, in the model's order."""
    priors = prior_parameters()
    complete: Parameters = {}
    for name in COMPARISON_NAMES:
        given = {str(level["label"]): level for level in parameters.get(name, [])}
        complete[name] = [given.get(str(level["label"]), level) for level in priors[name]]
    return complete
