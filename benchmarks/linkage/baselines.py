"""The two baselines: plain Splink 5 with its own tutorials' settings, and exact matching.

The Splink recipes follow the FEBRL4 (link two files) and FEBRL3 (deduplicate) tutorials of the
Splink 5 documentation: their comparisons, blocking rules and training steps, unchanged, and
Splink's own connected-components clustering at the 0.99 the tutorials cluster at. The demo
borough uses the FEBRL3 comparisons on the borough's columns (given name, surname, date of
birth, NHS number in place of ``soc_sec_id``, house number, postcode) with the blocking rules
of the 50k-record deduplication tutorial — what a team following the tutorials would write.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pandas as pd
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from joinedup.linkage import engines

PLAIN_SPLINK_THRESHOLD = 0.99


def _febrl4_settings(with_id: bool) -> tuple[SettingsCreator, list[Any], list[Any]]:
    blocking = [
        block_on("given_name", "surname"),
        "l.given_name = r.surname and l.surname = r.given_name",
        block_on("date_of_birth"),
        block_on("soc_sec_id"),
        block_on("state", "address_1"),
        block_on("street_number", "address_1"),
        block_on("postcode"),
    ]
    comparisons = [
        cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
        cl.NameComparison("surname").configure(term_frequency_adjustments=True),
        cl.DateOfBirthComparison(
            "date_of_birth",
            input_is_string=True,
            datetime_format="%Y%m%d",
            invalid_dates_as_null=True,
        ),
        cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
        cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
        cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
            term_frequency_adjustments=True
        ),
    ]
    deterministic = [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")]
    if not with_id:
        blocking = [b for i, b in enumerate(blocking) if i != 3]
        comparisons = [c for i, c in enumerate(comparisons) if i != 3]
        deterministic = deterministic[1:]
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=comparisons,
        retain_intermediate_calculation_columns=True,
    )
    return settings, deterministic, [block_on("date_of_birth"), block_on("postcode")]


def _febrl3_settings(
    given: str = "given_name",
    surname: str = "surname",
    dob: str = "date_of_birth",
    ssid: str = "soc_sec_id",
    number: str = "street_number",
    postcode: str = "postcode",
    dob_format: str = "%Y%m%d",
) -> tuple[SettingsCreator, list[Any], list[Any]]:
    blocking = [
        block_on(ssid),
        block_on(given),
        block_on(surname),
        block_on(dob),
        block_on(postcode),
    ]
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=[
            cl.NameComparison(given),
            cl.NameComparison(surname),
            cl.DateOfBirthComparison(dob, input_is_string=True, datetime_format=dob_format),
            cl.DamerauLevenshteinAtThresholds(ssid, [2]),
            cl.ExactMatch(number).configure(term_frequency_adjustments=True),
            cl.ExactMatch(postcode).configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=True,
    )
    deterministic = [
        block_on(ssid),
        block_on(given, surname, dob),
        f"l.{given} = r.{surname} and l.{surname} = r.{given} and l.{dob} = r.{dob}",
    ]
    return settings, deterministic, [block_on(dob), block_on(postcode)]


def _demo_settings() -> tuple[SettingsCreator, list[Any], list[Any]]:
    """The FEBRL3 tutorial's comparisons with the 50k-deduplication tutorial's blocking rules.

    FEBRL3 blocks on single fields (a given name alone), fine for 5,000 records but hundreds of
    millions of pairs in a borough; the deduplication tutorial's paired rules are what its
    authors use at that size.
    """
    blocking = [
        block_on("substr(given_name,1,3)", "substr(surname,1,4)"),
        block_on("surname", "date_of_birth"),
        block_on("given_name", "date_of_birth"),
        block_on("postcode", "given_name"),
        block_on("postcode", "surname"),
        block_on("substr(postcode,1,3)", "date_of_birth"),
        block_on("substr(postcode,1,3)", "given_name"),
        block_on("substr(postcode,1,3)", "surname"),
        block_on("substr(given_name,1,2)", "substr(surname,1,2)", "substr(date_of_birth,1,4)"),
        block_on("soc_sec_id"),
    ]
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.PostcodeComparison("postcode"),
        ],
        retain_intermediate_calculation_columns=True,
    )
    deterministic = [
        block_on("soc_sec_id"),
        block_on("given_name", "surname", "date_of_birth"),
    ]
    return settings, deterministic, [block_on("given_name", "surname"), block_on("date_of_birth")]


def demo_tutorial_table(records: list[dict[str, Any]]) -> pd.DataFrame:
    """The borough's records as the flat table a tutorial user would build."""
    rows = []
    for r in records:
        rows.append(
            {
                "rec_id": f"{r['source_id']}|{r['record_id']}",
                "given_name": (r.get("given_name") or None) and str(r["given_name"]).lower(),
                "surname": (r.get("family_name") or None) and str(r["family_name"]).lower(),
                "date_of_birth": r.get("date_of_birth") or None,
                "soc_sec_id": r.get("nhs_number") or None,
                "street_number": r.get("house_number") or None,
                "postcode": r.get("postcode") or None,
            }
        )
    return pd.DataFrame(rows)


def plain_splink(
    recipe: str, tables: list[pd.DataFrame], *, bounded: bool = False
) -> tuple[dict[str, str], dict[str, Any]]:
    """Train, predict and cluster with the tutorial recipe.

    Returns ``({unique_id: cluster}, step timings)``; the timings cover train and predict, as
    the speed comparison asks. ``bounded`` gives DuckDB the memory limit and spill directory
    joinedup's own runs get (``engines.db_api``): at a million records DuckDB's default of 80%
    of the machine gets the process killed rather than spilling, which measures nothing.
    """
    started = time.perf_counter()
    if recipe in ("febrl4", "febrl4_no_id"):
        settings, deterministic, em_rules = _febrl4_settings(with_id=recipe == "febrl4")
        recall = 0.8
    elif recipe == "febrl3":
        settings, deterministic, em_rules = _febrl3_settings()
        recall = 0.9
    elif recipe == "demo":
        settings, deterministic, em_rules = _demo_settings()
        recall = 0.9
    else:
        raise ValueError(recipe)
    db_api = engines.db_api() if bounded else DuckDBAPI()
    sdfs = [
        db_api.register(t, dataset_display_name=str(t["source_dataset"].iloc[0]))
        if "source_dataset" in t.columns and len(tables) > 1
        else db_api.register(t)
        for t in tables
    ]
    linker = Linker(sdfs if len(sdfs) > 1 else sdfs[0], settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=recall)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=2)
    for rule in em_rules:
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )
    trained = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=0.2)
    predicted = time.perf_counter()
    count = db_api.duckdb_con.sql(f"select count(*) from {predictions.physical_name}").fetchall()[
        0
    ][0]
    steps = {
        "train": trained - started,
        "predict": predicted - trained,
        "link_seconds": predicted - started,
        "pairs": int(count),
    }
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=PLAIN_SPLINK_THRESHOLD
    ).as_pandas_dataframe()
    if "source_dataset" in clusters.columns and recipe.startswith("febrl4"):
        keys = clusters["source_dataset"].astype(str) + "|" + clusters["rec_id"].astype(str)
    elif recipe == "febrl3":
        keys = f"{tables[0]['source_dataset'].iloc[0]}|" + clusters["rec_id"].astype(str)
    else:
        keys = clusters["rec_id"].astype(str)
    return dict(zip(keys, clusters["cluster_id"].astype(str), strict=True)), steps


def exact_match(records: list[dict[str, Any]]) -> dict[str, str]:
    """Records with equal given name, family name, date of birth and postcode (all present)."""
    out = {}
    for r in records:
        uid = f"{r['source_id']}|{r['record_id']}"
        fields = [
            r.get("given_name"),
            r.get("family_name"),
            r.get("date_of_birth"),
            r.get("postcode"),
        ]
        if all(fields):
            out[uid] = "|".join(str(f).strip().lower() for f in fields)
        else:
            out[uid] = uid
    return out
