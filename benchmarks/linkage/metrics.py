"""Accuracy of a clustering against the truth: pairwise and cluster-level, plus hard cases."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping

_pairs = lambda n: n * (n - 1) // 2  # noqa: E731


def pairwise(predicted: Mapping[str, str], truth: Mapping[str, str]) -> dict[str, float]:
    """Pairwise precision, recall and F1 of the within-cluster pairs of ``predicted``.

    Records absent from ``predicted`` count as persons of one.
    """
    ids = list(truth)
    pred = {i: predicted.get(i, f"__single__{i}") for i in ids}
    predicted_pairs = sum(_pairs(n) for n in Counter(pred.values()).values())
    true_pairs = sum(_pairs(n) for n in Counter(truth.values()).values())
    both = sum(_pairs(n) for n in Counter((pred[i], truth[i]) for i in ids).values())
    precision = both / predicted_pairs if predicted_pairs else 1.0
    recall = both / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "tp": both,
        "fp": predicted_pairs - both,
        "fn": true_pairs - both,
    }


def cluster_f1(predicted: Mapping[str, str], truth: Mapping[str, str]) -> float:
    """F1 of exact cluster recovery: a predicted person counts only if it equals a true one."""
    ids = list(truth)
    pred_groups: dict[str, set[str]] = defaultdict(set)
    true_groups: dict[str, set[str]] = defaultdict(set)
    for i in ids:
        pred_groups[predicted.get(i, f"__single__{i}")].add(i)
        true_groups[truth[i]].add(i)
    true_sets = {frozenset(g) for g in true_groups.values()}
    exact = sum(1 for g in pred_groups.values() if frozenset(g) in true_sets)
    precision = exact / len(pred_groups) if pred_groups else 1.0
    recall = exact / len(true_groups) if true_groups else 1.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def merge_rate(predicted: Mapping[str, str], pairs: list[tuple[str, str]]) -> float | None:
    """Share of ``pairs`` (records of two people, or of one) that ended in one cluster."""
    pairs = [(a, b) for a, b in pairs if a in predicted and b in predicted]
    if not pairs:
        return None
    return sum(predicted[a] == predicted[b] for a, b in pairs) / len(pairs)
