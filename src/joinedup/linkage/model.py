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
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

from joinedup.errors import JoinedupError
from joinedup.linkage import blocking, engines, households, training
from joinedup.linkage.levels import COMPARISON_NAMES
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
from joinedup.linkage.term_frequencies import register_term_frequencies

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
        read = table.select(list(training.TRAINING_READS)).to_pandas()
        coresidents = households.measure(table)
        blocks, em_sample = training.block_columns(read, seed=seed)
        for alias, values in blocks.items():
            table = table.append_column(alias, pa.array(values, pa.string(), from_pandas=True))
        sdf = engines.register(api, table, "records")
        del table, blocks
        from splink import Linker

        linker = Linker(sdf, _settings_creator(), log_level=_SPLINK_LOG_LEVEL)
        register_term_frequencies(linker, api, read)
        estimators = linker.training
        # What training could not learn, for one line at the end (`training.training_gaps`).
        rate_from_prior = False
        skipped: list[str] = []
        try:
            estimators.estimate_probability_two_random_records_match(
                list(blocking.DETERMINISTIC_RULES), recall=blocking.DETERMINISTIC_RECALL
            )
        except Exception:
            rate_from_prior = True
            linker._settings_obj._probability_two_random_records_match = (
                PRIOR_PROBABILITY_TWO_RANDOM_RECORDS_MATCH
            )
        training.log_step("probability estimated")
        estimators.estimate_u_using_random_sampling(max_pairs=max_pairs_for_u, seed=seed)
        training.log_step("u estimated")
        # Read u now: a failed EM session can leave Splink's settings without the comparisons
        # it set aside, and m comes from the sessions themselves anyway.
        trained = linker.misc.save_model_to_json()
        m_estimates: dict[tuple[str, str], list[float]] = {}
        settings_obj = linker._settings_obj
        overall = settings_obj._probability_two_random_records_match
        for alias, fields, trains, markers in blocking.TRAINING_BLOCKS:
            # Splink starts EM at the overall match rate raised by the evidence the block fixes;
            # it cannot see that through an alias column, so the model raises it here.
            settings_obj._probability_two_random_records_match = training.block_start(
                overall, fields, _parameters_from_settings(settings_obj.as_dict())
            )
            try:
                session = estimators.estimate_parameters_using_expectation_maximisation(
                    blocking.training_rule(alias, markers), estimate_without_term_frequencies=True
                )
            except Exception as exc:
                # Not the message: an engine's error can quote a record's value.
                skipped.append(training.skipped_block(alias, exc))
                continue
            finally:
                settings_obj._probability_two_random_records_match = overall
            training.collect_m(session, trains, m_estimates)
        training.log_step("m estimated")
        initial_only = float((read["given_key"].isna() & read["given_initial"].notna()).mean())
        prob = float(trained.get("probability_two_random_records_match") or 0.0)
        if not 0.0 < prob < 1.0:
            rate_from_prior = True
            prob = PRIOR_PROBABILITY_TWO_RANDOM_RECORDS_MATCH
        params = training.with_initial_m(
            training.with_m(_parameters_from_settings(trained), m_estimates), initial_only
        )
        gaps = training.training_gaps(params, rate_from_prior, skipped)
        if gaps:
            logging.getLogger(__name__).warning("%s", gaps)
        metadata = {
            "trained_on_records": len(df),
            "engine": engine,
            "seed": seed,
            "em_blocks": em_sample,
            "households": training.household_metadata(coresidents, params),
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


def _household_share(metadata: dict[str, Any]) -> float:
    """The metadata's household share; 1 (a population of households) when a model has none."""
    found = metadata.get("households")
    if found is None:
        return 1.0
    share = found.get("household_share") if isinstance(found, dict) else None
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0.0 <= share <= 1.0:
        raise JoinedupError("model metadata households.household_share must be between 0 and 1")
    return float(share)


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
