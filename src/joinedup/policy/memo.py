"""Remembering the per-item part of a decision, keyed by everything that part reads.

A joined view decides once for the person and once per household member, and every view of
the same requester, purpose and agreements asks the same per-(source, category) questions: the
clauses that could cover the item, which of them lets this organisation, role and purpose have
it, and what the resident chose. Working that out again cost more CPU than the rest of the
governed part of a view (~65 µs a decision for three sources).

The per-item answers depend on nothing but the agreements (this very tuple of them), the UK
calendar day of ``now`` (which versions are in force), the requester's organisation, role and
purpose, the holdings (source, provider, categories), and — for each source held — whether the
resident's consent and objection for the purpose are in effect at ``now``. That tuple is the
key; a request whose ``organisation_names`` are set (they change only the wording of reasons)
is not remembered at all. The request-level rules (role, purpose, relationship, break-glass,
the resident's own record) are evaluated afresh on every request and never come from here.

The answers are immutable (:class:`ItemDecision` and :class:`Reason` are frozen), so handing
the same tuple to several decisions is safe. The agreements are matched by identity, holding a
reference to them so that an id is never reused while its entry lives: the directory cache
(:mod:`joinedup.services.agreements_store`) hands out the same tuple until a file changes, and
a changed file makes a new tuple and so a new entry. Bounded: a few agreement sets, a few
thousand keys each.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable

from joinedup.policy.model import Agreement
from joinedup.policy.request import ItemDecision

_AGREEMENT_SETS = 4
_KEYS_PER_SET = 4096

ItemAnswers = tuple[ItemDecision, ...]


class ItemMemo:
    """Per agreements tuple (by identity), a bounded map from a key to its item decisions."""

    def __init__(self, sets: int = _AGREEMENT_SETS, keys: int = _KEYS_PER_SET) -> None:
        self._sets = sets
        self._keys = keys
        self._by_id: dict[int, tuple[tuple[Agreement, ...], dict[Hashable, ItemAnswers]]] = {}
        self._lock = threading.Lock()

    def get(
        self,
        agreements: tuple[Agreement, ...],
        key: Hashable,
        compute: Callable[[], ItemAnswers],
    ) -> ItemAnswers:
        """The answers remembered for ``key`` under ``agreements``, else ``compute()``'s."""
        entry = self._by_id.get(id(agreements))
        if entry is None or entry[0] is not agreements:
            with self._lock:
                entry = self._by_id.get(id(agreements))
                if entry is None or entry[0] is not agreements:
                    while len(self._by_id) >= self._sets:
                        del self._by_id[next(iter(self._by_id))]
                    entry = self._by_id[id(agreements)] = (agreements, {})
        answers = entry[1]
        found = answers.get(key)
        if found is None:
            found = compute()
            if len(answers) >= self._keys:
                answers.clear()
            answers[key] = found
        return found

    def clear(self) -> None:
        """Forget everything (tests)."""
        with self._lock:
            self._by_id.clear()
