"""Where the default model loses recall: every true pair it misses, and why.

``uv run --frozen python -m benchmarks.linkage.misses --only demo20000`` trains, predicts and
clusters as ``benchmarks.linkage.run`` does, then scores *every* true pair (blocked or not) with
the same model and sorts the missed ones into causes:

- ``not blocked``: no prediction rule put the two records together, so the pair was never scored;
- ``cut by clustering``: scored at or above the link threshold, yet the records ended apart
  (a contrary pair or a reviewer decision refused the merge);
- ``ambiguous``: scored in the unambiguous band but refused because a side had other candidates;
- ``review band`` / ``below review``: scored too low to link.

For each cause it tables the source pair, which fields each side holds, the comparison levels
the pair hit, and its match weight. A last section gives the ceiling: how many true pairs any
honest model could reach, and what each missed pair has in common. The scored frame is cached
per data set (``$JOINEDUP_BENCH_CACHE/misses-<key>.pickle``); ``--fresh`` retrains.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.linkage import febrl

FIELDS = {
    "g": "given_key",
    "i": "given_initial",
    "f": "family_key",
    "d": "dob",
    "y": "dob_year",
    "p": "postcode",
    "a": "address_key",
    "u": "uprn",
    "n": "nhs_number",
    "s": "sex",
}


def _cache(key: str) -> Path:
    import os

    base = Path(os.environ.get("JOINEDUP_BENCH_CACHE", "/tmp/joinedup-bench"))
    base.mkdir(parents=True, exist_ok=True)
    return base / f"misses-{key}.pickle"


def load(key: str) -> febrl.Dataset:
    from benchmarks.linkage import demo

    if key == "febrl4":
        return febrl.febrl4(with_id=True)
    if key == "febrl4_no_id":
        return febrl.febrl4(with_id=False)
    if key in ("febrl1", "febrl2", "febrl3"):
        return febrl.febrl_dedupe(int(key[-1]))
    if key.startswith("demo"):
        people, _, seed = key[4:].partition("s")
        return demo.borough(int(people), int(seed or demo.SEED))
    raise SystemExit(f"unknown data set {key}")


def _true_pairs(truth: dict[str, str]) -> list[tuple[str, str]]:
    people: dict[str, list[str]] = defaultdict(list)
    for uid, person in truth.items():
        people[person].append(uid)
    return [tuple(sorted(p)) for ids in people.values() for p in combinations(ids, 2)]  # type: ignore[misc]


def score_true_pairs(model: Any, frame: pd.DataFrame, truth: dict[str, str]) -> pd.DataFrame:
    """Every true pair scored by ``model``, with each comparison's level (gamma) kept."""
    from splink import Linker

    from joinedup.linkage import engines
    from joinedup.linkage.model import _SPLINK_LOG_LEVEL
    from joinedup.linkage.term_frequencies import register_term_frequencies

    api = engines.db_api("duckdb")
    framed = frame.copy()
    framed["true_person"] = framed["unique_id"].map(truth)
    settings = model.settings(api.sql_dialect.sql_dialect_str)
    settings["retain_matching_columns"] = True  # Splink keeps gamma only alongside them
    settings["blocking_rules_to_generate_predictions"] = [
        {"blocking_rule": "l.true_person = r.true_person", "sql_dialect": "duckdb"}
    ]
    sdf = engines.register(api, framed, "records", extra=("true_person",))
    linker = Linker(sdf, settings, log_level=_SPLINK_LOG_LEVEL)
    register_term_frequencies(linker, api, frame)
    out = linker.inference.predict(warning_mode="never").as_pandas_dataframe()
    swap = out["unique_id_l"] > out["unique_id_r"]
    left = out["unique_id_l"].where(~swap, out["unique_id_r"])
    out["unique_id_r"] = out["unique_id_r"].where(~swap, out["unique_id_l"])
    out["unique_id_l"] = left
    return out


def level_labels(model: Any) -> dict[str, dict[int, str]]:
    """gamma value → level label, per comparison (Splink numbers levels down to 0; null −1)."""
    labels: dict[str, dict[int, str]] = {}
    for comparison in model.settings("duckdb")["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        names = {-1: "null"}
        for index, level in enumerate(levels):
            names[len(levels) - 1 - index] = level.get("label_for_charts", str(index))
        labels[comparison["output_column_name"]] = names
    return labels


def prepare(key: str, fresh: bool) -> dict[str, Any]:
    """Train, predict, cluster and score all true pairs for one data set (cached)."""
    path = _cache(key)
    if path.exists() and not fresh:
        with path.open("rb") as handle:
            return dict(pickle.load(handle))
    from joinedup.linkage.cluster import cluster
    from joinedup.linkage.frame import records_frame
    from joinedup.linkage.model import PersonModel
    from joinedup.linkage.thresholds import MATCH_PROBABILITY

    dataset = load(key)
    started = time.perf_counter()
    frame = records_frame(dataset.records, adult_sources=dataset.adult_sources)
    model = PersonModel.train(frame)
    pairs = model.predict(frame)
    persons = cluster(pairs, threshold=MATCH_PROBABILITY, ids=frame["unique_id"])
    scored = score_true_pairs(model, frame, dataset.truth)
    print(f"  {key}: prepared in {time.perf_counter() - started:.0f} s", flush=True)
    state = {
        "name": dataset.name,
        "frame": frame,
        "model_json": model.to_json(),
        "pairs": pairs,
        "persons": persons,
        "true_scored": scored,
        "truth": dataset.truth,
        "hard": dataset.hard_pairs,
    }
    with path.open("wb") as handle:
        pickle.dump(state, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return state


def _presence(frame: pd.DataFrame) -> dict[str, str]:
    present = {k: frame[col].notna().to_numpy() for k, col in FIELDS.items()}
    ids = frame["unique_id"].to_numpy()
    out = {}
    for row, uid in enumerate(ids):
        sig = "".join(k for k in FIELDS if present[k][row])
        # An initial alone is worth telling apart from a full given name.
        out[uid] = sig.replace("gi", "g") if "g" in sig else sig
    return out


def classify(state: dict[str, Any]) -> pd.DataFrame:
    """One row per missed true pair with its cause and evidence."""
    from joinedup.linkage.thresholds import MATCH_PROBABILITY, REVIEW_LOWER, UNAMBIGUOUS_PROBABILITY

    persons, scored = state["persons"], state["true_scored"]
    pairs = state["pairs"]
    blocked = set(zip(pairs["unique_id_l"], pairs["unique_id_r"], strict=True))
    same = np.array(
        [
            persons[a] == persons[b]
            for a, b in zip(scored["unique_id_l"], scored["unique_id_r"], strict=True)
        ]
    )
    missed = scored[~same].copy()
    missed["blocked"] = [
        (a, b) in blocked for a, b in zip(missed["unique_id_l"], missed["unique_id_r"], strict=True)
    ]
    p = missed["match_probability"].to_numpy()
    cause = np.select(
        [
            ~missed["blocked"].to_numpy(),
            p >= MATCH_PROBABILITY,
            p >= UNAMBIGUOUS_PROBABILITY,
            p >= REVIEW_LOWER,
        ],
        ["not blocked", "cut by clustering", "ambiguous", "review band"],
        default="below review",
    )
    missed["cause"] = cause
    source = state["frame"].set_index("unique_id")["source_dataset"]
    missed["sources"] = [
        "×".join(sorted((source[a], source[b])))
        for a, b in zip(missed["unique_id_l"], missed["unique_id_r"], strict=True)
    ]
    sig = _presence(state["frame"])
    missed["fields"] = [
        " × ".join(sorted((sig[a], sig[b])))
        for a, b in zip(missed["unique_id_l"], missed["unique_id_r"], strict=True)
    ]
    return missed


#: Levels that say who someone is, whoever else lives there: a shared identifier, a birth date
#: that agrees (even in part), a personal phone or email.
_IDENTIFYING = {
    "dob": {
        "date of birth exact",
        "year agrees (one side year only)",
        "day and month swapped",
        "one digit wrong or transposed",
    },
    "nhs_number": {"NHS number exact", "one digit wrong or transposed"},
    "phone": {"a mobile agrees"},
    "email": {"an email agrees"},
}
_WHOLE_NAME = {
    "given name exact",
    "given and family names swapped",
    "nickname or formal form",
    "given name typo",
}
_FAMILY_AGREES = {
    "family name agrees, shared postcode or address",
    "family name exact",
    "a previous or other family name agrees",
    "family name typo",
}
_ONE_DWELLING = {"UPRN agrees", "postcode and house agree", "house and street agree"}
_NEAR = _ONE_DWELLING | {"postcode agrees"}
#: What a true pair has in common, best first. Only the first two can be linked by evidence
#: that singles one person out; "initial, surname, address" can be linked only when the
#: sources hold nobody else of that initial there; the last two cannot be linked honestly.
EVIDENCE = (
    "identifier (DOB, NHS number, mobile, email)",
    "whole name + surname + address or postcode",
    "initial + surname + one dwelling",
    "whole name + surname, elsewhere (a move, no birth date)",
    "initial or name only, elsewhere",
    "nothing identifying",
)


def evidence_kind(row: Any, labels: dict[str, dict[int, str]]) -> str:
    """Which of `EVIDENCE` a scored pair (with its gamma columns) has in common."""

    def level(comparison: str) -> str:
        return labels[comparison].get(int(row[f"gamma_{comparison}"]), "?")

    if any(level(c) in levels for c, levels in _IDENTIFYING.items()):
        return EVIDENCE[0]
    given, family, place = level("given_name"), level("family_name"), level("location")
    if given in _WHOLE_NAME and family in _FAMILY_AGREES and place in _NEAR:
        return EVIDENCE[1]
    initial = given in _WHOLE_NAME or given == "initial agrees with the name"
    if initial and family in _FAMILY_AGREES and place in _ONE_DWELLING:
        return EVIDENCE[2]
    if given in _WHOLE_NAME and family in _FAMILY_AGREES:
        return EVIDENCE[3]
    if initial:
        return EVIDENCE[4]
    return EVIDENCE[5]


def ceiling(state: dict[str, Any], model: Any) -> str:
    """How many true pairs any honest model could link, and what the missed ones share.

    A pair is within reach when a chain of its person's records joins the two, each link of
    the chain sharing evidence of one of the first three kinds in `EVIDENCE`; "reach by an
    identifier or whole name" allows only the first two (no "Mr J Smith at the address"), and
    the last figure also allows a whole name and surname alone, which is enough only where the
    name is rare. Pairs out of reach have nothing that tells their person from a namesake: a
    council-tax "Mr J Smith" after a move, with no birth date, phone or email in common with
    any other record of his.
    """
    labels = level_labels(model)
    scored = state["true_scored"]
    kinds = [evidence_kind(row, labels) for _, row in scored.iterrows()]
    truth = state["truth"]
    total = len(scored)

    def reachable(allowed: set[str]) -> int:
        parent: dict[str, str] = {}

        def find(x: str) -> str:
            parent.setdefault(x, x)
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for (a, b), kind in zip(
            zip(scored["unique_id_l"], scored["unique_id_r"], strict=True), kinds, strict=True
        ):
            if kind in allowed:
                parent[find(a)] = find(b)
        groups: Counter[tuple[str, str]] = Counter(
            (truth[uid], find(uid)) for uid in truth if uid in parent
        )
        return sum(n * (n - 1) // 2 for n in groups.values())

    strong = reachable(set(EVIDENCE[:2]))
    honest = reachable(set(EVIDENCE[:3]))
    rare_names = reachable(set(EVIDENCE[:4]))
    missed = classify(state)
    missed_kinds = Counter(evidence_kind(row, labels) for _, row in missed.iterrows())
    lines = [
        f"\n### ceiling ({total:,} true pairs)",
        f"within reach by an identifier or whole name: {strong:,} ({strong / total:.4f})",
        f"within reach allowing initial + surname + one dwelling: {honest:,} "
        f"({honest / total:.4f}); out of any honest reach: {total - honest:,} "
        f"({(total - honest) / total:.4f})",
        f"within reach if a whole name alone were enough (a rare name after a move): "
        f"{rare_names:,} ({rare_names / total:.4f})",
        "what each missed pair has in common (on its own, before chains):",
    ]
    for kind in EVIDENCE:
        n = missed_kinds.get(kind, 0)
        lines.append(f"  {n:6,}  {kind}")
    return "\n".join(lines)


def report(state: dict[str, Any], model: Any, top: int = 12) -> str:
    from benchmarks.linkage import metrics

    missed = classify(state)
    labels = level_labels(model)
    lines = [f"## {state['name']}"]
    pw = metrics.pairwise(state["persons"], state["truth"])
    lines.append(
        f"P={pw['precision']:.4f} R={pw['recall']:.4f} F1={pw['f1']:.4f} "
        f"true pairs {pw['tp'] + pw['fn']:,}, missed {pw['fn']:,}, false {pw['fp']:,}"
    )
    for name, pairs in state["hard"].items():
        lines.append(f"  {name}: {metrics.merge_rate(state['persons'], pairs)}")
    lines.append("")
    lines.append("cause | pairs | share of missed")
    total = len(missed)
    for cause, n in Counter(missed["cause"]).most_common():
        lines.append(f"{cause} | {n:,} | {n / total:.1%}")
    # How many records are left out of their person's largest group (the cluster view).
    truth, persons = state["truth"], state["persons"]
    by_person: dict[str, Counter[str]] = defaultdict(Counter)
    for uid, person in truth.items():
        by_person[person][persons.get(uid, uid)] += 1
    split = [c for c in by_person.values() if len(c) > 1]
    stray = sum(sum(c.values()) - max(c.values()) for c in split)
    lines.append(f"\npersons split: {len(split):,}; records outside their main group: {stray:,}")
    for cause in Counter(missed["cause"]):
        sub = missed[missed["cause"] == cause]
        lines.append(f"\n### {cause} ({len(sub):,})")
        lines.append(
            "sources: " + ", ".join(f"{k} {v}" for k, v in Counter(sub["sources"]).most_common(top))
        )
        lines.append(
            "fields: " + ", ".join(f"[{k}] {v}" for k, v in Counter(sub["fields"]).most_common(top))
        )
        weights = sub["match_weight"].to_numpy()
        lines.append(
            "match weight quantiles 10/50/90: "
            + " / ".join(f"{q:.1f}" for q in np.quantile(weights, [0.1, 0.5, 0.9]))
        )
        combos: Counter[str] = Counter()
        for _, row in sub.iterrows():
            parts = []
            for comparison, names in labels.items():
                level = names.get(int(row[f"gamma_{comparison}"]), "?")
                if level != "null":
                    parts.append(f"{comparison}={level}")
            combos["; ".join(parts)] += 1
        lines.append("level combinations:")
        for combo, n in combos.most_common(top):
            lines.append(f"  {n:6,}  {combo}")
    lines.append(ceiling(state, model))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default="demo20000,febrl4,febrl4_no_id,febrl3")
    parser.add_argument("--fresh", action="store_true", help="retrain instead of the cache")
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args(argv)
    from joinedup.linkage.model import PersonModel

    for key in filter(None, args.only.split(",")):
        state = prepare(key, args.fresh)
        model = PersonModel.from_json(state["model_json"])
        print(report(state, model, args.top), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
