"""Nickname variants of a given name (``Bill`` for ``William``), for searching and linkage.

Kept apart from :mod:`joinedup.standards.names` (which re-exports it): the data set loads
lazily and nothing of it is needed to parse a name.
"""

from __future__ import annotations

from functools import cache

from joinedup.standards.name_case import name_key


@cache
def _nickname_graph() -> dict[str, frozenset[str]]:
    """Name key → the keys one step away in the ``nicknames`` data set, both directions.

    Loaded on first use (it reads a CSV of some 2,700 pairs) and kept for the process.
    """
    from nicknames import name_triplets  # imported lazily: only linkage needs it

    graph: dict[str, set[str]] = {}
    for canonical, relationship, nickname in name_triplets():
        if relationship != "has_nickname":
            continue
        a, b = name_key(canonical), name_key(nickname)
        if a and b:
            graph.setdefault(a, set()).add(b)
            graph.setdefault(b, set()).add(a)
    return {key: frozenset(values) for key, values in graph.items()}


def nickname_variants(given_name: str) -> frozenset[str]:
    """Name keys of ``given_name`` and the names the ``nicknames`` data set links to it.

    ``"BILL" in nickname_variants("William")`` and ``"MARGARET" in
    nickname_variants("Peggy")``; the result always contains the name's own key (or is
    empty for text without letters). Only direct links are followed, in both directions
    (John→Jon, Jonathan→John): following chains would join unrelated names through shared
    short forms. Never raises.
    """
    if not isinstance(given_name, str):
        return frozenset()
    key = name_key(given_name)
    if not key:
        return frozenset()
    return frozenset({key}) | _nickname_graph().get(key, frozenset())
