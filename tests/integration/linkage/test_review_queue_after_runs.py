"""The review queue after the index moves under it, on SQLite and PostgreSQL.

An incremental run re-decides only part of the index, but persons it merges or splits carry
open items of their own: an item must not say two records are in different persons once they
are in one, nor name a person id the run retired. Records as in ``test_review_decisions``:
1–3 one Amara Okafor, 4–5 one Tomasz Nowak, 6 Siobhan Kelly; 7 an Amara Okafor with no date
of birth, uncertain against each of 1–3 (``StubScorer``).
"""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from joinedup.linkage import review
from joinedup.linkage.index import link
from joinedup.store.db import session_scope
from tests.integration.linkage.index_helpers import Store, StubScorer, key, person
from tests.integration.linkage.test_index import BASE


@pytest.fixture
def store(engine: Engine) -> Store:
    store = Store(engine)
    store.put(*BASE, person("7", "Amara", "Okafor"))
    link(engine, model=StubScorer())
    return store


def open_pairs(store: Store) -> dict[tuple[str, str], str | None]:
    with session_scope(store.engine) as session:
        return {entry.pair: entry.person_id for entry in review.open_items(session)}


def test_a_link_decision_merging_two_persons_closes_their_other_uncertain_pairs(
    store: Store,
) -> None:
    assert set(open_pairs(store)) == {(key(n), key("7")) for n in "123"}
    with session_scope(store.engine, write=True) as session:
        review.decide(session, (key("2"), key("7")), "link", "bob")
    link(store.engine, model=StubScorer())
    persons = store.persons()
    assert persons["1"] == persons["2"] == persons["3"] == persons["7"]
    # 1 ~ 7 and 3 ~ 7 are in one person now: not a possible missed link any more.
    assert open_pairs(store) == {}


def test_an_incremental_run_keeps_the_open_items_a_full_run_would_keep(store: Store) -> None:
    # 8 is another Amara Okafor, born 2001: 7 (no date of birth) is uncertain against both.
    store.put(person("8", "Amara", "Okafor", "2001-03-04"))
    link(store.engine, model=StubScorer())
    with session_scope(store.engine, write=True) as session:
        review.decide(session, (key("7"), key("8")), "link", "bob")
    link(store.engine, model=StubScorer())
    incremental = open_pairs(store)
    link(store.engine, full=True, model=StubScorer())
    assert incremental == open_pairs(store)


class WeakScorer(StubScorer):
    """The stub, but the Nowaks' pair only just links: a weak link holding their person."""

    def predict(self, df, **kwargs):  # type: ignore[no-untyped-def]
        pairs = super().predict(df, **kwargs)
        nowak = (pairs["unique_id_l"] == key("4")) & (pairs["unique_id_r"] == key("5"))
        pairs.loc[nowak, ["match_probability", "match_weight"]] = [0.9995, 11.0]
        return pairs


def test_a_weak_link_stays_open_naming_its_persons_id_after_a_merge(engine: Engine) -> None:
    store = Store(engine)
    store.put(*BASE)
    link(engine, model=WeakScorer())
    assert list(open_pairs(store)) == [(key("4"), key("5"))]
    # A reviewer joins Siobhan to Tomasz: one of the two ids is retired by the merge.
    with session_scope(engine, write=True) as session:
        review.decide(session, (key("4"), key("6")), "link", "bob")
    link(engine, model=WeakScorer())
    persons = store.persons()
    assert persons["4"] == persons["5"] == persons["6"]
    assert open_pairs(store) == {(key("4"), key("5")): persons["4"]}
