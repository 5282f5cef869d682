"""Reviewers' decisions on SQLite and PostgreSQL: contradictions refused, awkward record ids,
records no longer current, and two reviewers deciding at once.

Uses the index tests' helpers (``index_helpers``) and records: 1–3 are one Amara Okafor, 4–5
one Tomasz Nowak, 6 Siobhan Kelly on her own, linked once before each test.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from joinedup.errors import JoinedupError
from joinedup.linkage import review
from joinedup.linkage.index import link
from joinedup.store.base import utcnow
from joinedup.store.db import session_scope
from joinedup.store.linkage_tables import ReviewDecision
from tests.integration.linkage.index_helpers import Store, StubScorer, key, person
from tests.integration.linkage.test_index import BASE


@pytest.fixture
def store(engine: Engine) -> Store:
    store = Store(engine)
    store.put(*BASE)
    link(engine, model=StubScorer())
    return store


def decide(store: Store, pair: str | tuple[str, str], decision: str, reviewer: str) -> str | None:
    """Decide in a unit of work of its own, as the CLI does; the warning, if any."""
    with session_scope(store.engine, write=True) as session:
        return review.decide(session, pair, decision, reviewer).warning


def decision_count(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(ReviewDecision)) or 0)


def test_a_link_joining_a_pair_kept_apart_is_refused_and_naming_it_lets_it_be_put_right(
    store: Store,
) -> None:
    # The QA pass's case: 1 and 2 in one person, 2 linked to 6 by a reviewer, 1 kept apart
    # from 6; then a link of 1 and 2 would put 1 and 6 together.
    decide(store, (key("2"), key("6")), "link", "bob")
    link(store.engine, model=StubScorer())
    decide(store, (key("1"), key("6")), "not-link", "carol")
    before = decision_count(store.engine)
    with pytest.raises(review.ContradictoryDecision) as refused:
        decide(store, f"{key('1')} ~ {key('2')}", "link", "dave")
    message = str(refused.value)
    assert message.startswith("gp|1 ~ gp|2 cannot be decided link")
    assert "gp|1 ~ gp|6 (not-link by carol on " in message
    assert "joined through gp|2 ~ gp|6 (link by bob on " in message
    assert "decide its pair again first" in message
    assert decision_count(store.engine) == before  # nothing recorded
    # Every run still works and obeys what is in force.
    for full in (False, True):
        link(store.engine, full=full, model=StubScorer())
        persons = store.persons()
        assert persons["2"] == persons["6"] != persons["1"]
    # Carol looks again: her later decision replaces the earlier one, and Dave's link goes in.
    decide(store, (key("1"), key("6")), "link", "carol")
    decide(store, (key("1"), key("2")), "link", "dave")
    link(store.engine, model=StubScorer())
    persons = store.persons()
    assert persons["1"] == persons["2"] == persons["6"]


def test_consistent_decisions_made_between_two_runs_are_applied_incrementally(
    store: Store,
) -> None:
    decide(store, (key("2"), key("6")), "link", "bob")
    decide(store, (key("1"), key("6")), "not-link", "carol")
    link(store.engine, model=StubScorer())
    persons = store.persons()
    assert persons["2"] == persons["6"] != persons["1"]


def test_a_not_link_between_records_linked_through_a_third_is_refused(store: Store) -> None:
    decide(store, (key("1"), key("6")), "link", "bob")
    decide(store, (key("4"), key("6")), "link", "dave")
    with pytest.raises(review.ContradictoryDecision) as refused:
        decide(store, (key("1"), key("4")), "not-link", "carol")
    message = str(refused.value)
    assert message.startswith("gp|1 ~ gp|4 cannot be decided not-link")
    assert "gp|1 ~ gp|6 (link by bob on " in message
    assert "gp|4 ~ gp|6 (link by dave on " in message
    # Undo one of the links first, and the not-link is accepted.
    decide(store, (key("4"), key("6")), "not-link", "dave")
    decide(store, (key("1"), key("4")), "not-link", "carol")
    link(store.engine, full=True, model=StubScorer())
    persons = store.persons()
    assert persons["1"] == persons["6"] != persons["4"]


def test_contradictions_recorded_before_the_check_name_the_pair_and_can_be_mended(
    store: Store,
) -> None:
    with session_scope(store.engine) as session:  # as they were stored before decide refused
        for pair, decision, reviewer in (
            ((key("2"), key("6")), "link", "bob"),
            ((key("1"), key("6")), "not-link", "carol"),
            ((key("1"), key("2")), "link", "dave"),
        ):
            session.add(
                ReviewDecision(
                    record_key_l=pair[0],
                    record_key_r=pair[1],
                    decision=decision,
                    reviewer=reviewer,
                    decided_at=utcnow(),
                )
            )
    for full in (False, True):
        with pytest.raises(JoinedupError, match="review decisions conflict") as failed:
            link(store.engine, full=full, model=StubScorer())
        assert "gp|1 ~ gp|6, a pair a reviewer marked not-link" in str(failed.value)
        assert "decide one of these pairs again" in str(failed.value)
    with session_scope(store.engine) as session, pytest.raises(review.ContradictoryDecision) as e:
        review.check_in_force(session)
    assert "gp|1 ~ gp|6 (not-link by carol on " in str(e.value)
    assert "gp|2 ~ gp|6 (link by bob on " in str(e.value)
    # The old contradiction does not stop decisions elsewhere ...
    assert decide(store, (key("4"), key("5")), "link", "erin") is None
    # ... nor the one that mends it.
    decide(store, (key("1"), key("6")), "link", "carol")
    with session_scope(store.engine) as session:
        review.check_in_force(session)
    link(store.engine, model=StubScorer())
    persons = store.persons()
    assert persons["1"] == persons["2"] == persons["6"]


def test_record_ids_with_a_tilde_and_a_bar_can_be_decided(store: Store) -> None:
    store.put(person("T~1", "Ada", "Byron"), person("T~2|x", "Ada", "Byron"))
    link(store.engine, model=StubScorer())
    assert store.persons()["T~1"] != store.persons()["T~2|x"]  # no birth dates: only uncertain
    decide(store, "gp|T~1 ~ gp|T~2|x", "link", "bob")
    with session_scope(store.engine) as session:
        assert review.decisions_in_force(session)[("gp|T~1", "gp|T~2|x")] == "link"
    # Without the spaces it could also be "gp|T~1~gp|T" and "2|x": refused, not guessed.
    with pytest.raises(JoinedupError, match="more than one pair"):
        decide(store, "gp|T~1~gp|T~2|x", "not-link", "bob")
    link(store.engine, model=StubScorer())
    assert store.persons()["T~1"] == store.persons()["T~2|x"]


def test_a_decision_on_a_record_no_longer_current_is_kept_with_a_warning(store: Store) -> None:
    store.end("5")
    link(store.engine, model=StubScorer())
    warning = decide(store, (key("4"), key("5")), "not-link", "carol")
    assert warning is not None
    assert warning.startswith("gp|5 is not current")
    assert "will apply if the record comes back" in warning
    with session_scope(store.engine) as session:
        assert review.decisions_in_force(session)[(key("4"), key("5"))] == "not-link"
    assert decide(store, (key("1"), key("4")), "not-link", "carol") is None
    # The record comes back, and the decision holds.
    store.put(person("5", "Tomasz", "Nowak", "1975-05-06"))
    link(store.engine, model=StubScorer())
    persons = store.persons()
    assert persons["4"] != persons["5"]


def test_two_reviewers_deciding_at_once_cannot_contradict_each_other(store: Store) -> None:
    decide(store, (key("4"), key("6")), "link", "bob")
    outcome: list[BaseException | None] = []

    def second_reviewer() -> None:
        try:
            decide(store, (key("1"), key("6")), "not-link", "carol")
            outcome.append(None)
        except BaseException as exc:  # handed to the test's thread
            outcome.append(exc)

    with session_scope(store.engine, write=True) as session:
        review.decide(session, (key("1"), key("4")), "link", "dave")
        other = threading.Thread(target=second_reviewer)
        other.start()
        other.join(0.5)
        assert other.is_alive(), "the second decision did not wait for the first"
    other.join(30)
    [error] = outcome
    assert isinstance(error, review.ContradictoryDecision), error
    assert "gp|1 ~ gp|4 (link by dave on " in str(error)


def test_a_link_between_different_nhs_numbers_is_recorded_with_a_warning_and_obeyed(
    store: Store,
) -> None:
    # Two valid NHS numbers say two people; a reviewer may still know better (a number
    # mistyped at registration), but must be told what the link overrides.
    store.put(
        {**person("4", "Tomasz", "Nowak", "1975-05-06"), "nhs_number": "9434765919"},
        {**person("6", "Siobhan", "Kelly", "1990-09-09"), "nhs_number": "9434765870"},
    )
    link(store.engine, model=StubScorer())
    warning = decide(store, (key("4"), key("6")), "link", "bob")
    assert warning == (
        "gp|4 and gp|6 hold different NHS numbers; every link run will keep them in one "
        "person all the same, as this decision says."
    )
    assert decide(store, (key("1"), key("2")), "link", "bob") is None  # no numbers: no warning
    for full in (False, True):
        link(store.engine, full=full, model=StubScorer())
        persons = store.persons()
        assert persons["4"] == persons["6"]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE review_decisions SET decision = 'link'",
        "UPDATE review_decisions SET reviewer = 'someone else', note = NULL",
        "DELETE FROM review_decisions",
    ],
)
def test_the_database_refuses_to_rewrite_or_delete_a_decision(store: Store, statement: str) -> None:
    # A decision is evidence an auditor relies on: a later one supersedes it, nothing rewrites
    # it, even a statement that bypasses joinedup (migration 0015's triggers).
    decide(store, (key(1), key(6)), "not-link", "carol")
    with pytest.raises(DBAPIError, match="append-only"), session_scope(store.engine) as session:
        session.execute(text(statement))
    with session_scope(store.engine) as session:
        [row] = session.scalars(select(ReviewDecision))
        assert (row.decision, row.reviewer) == ("not-link", "carol")
    # Deciding again is how a decision is put right: a new row, which is then in force.
    decide(store, (key(6), key(1)), "not-link", "dave")
    assert decision_count(store.engine) == 2


@pytest.mark.postgres
def test_postgresql_refuses_to_truncate_the_decisions(store: Store) -> None:
    if store.engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL only")
    decide(store, (key(1), key(6)), "not-link", "carol")
    with pytest.raises(DBAPIError, match="append-only"), session_scope(store.engine) as session:
        session.execute(text("TRUNCATE review_decisions"))
    assert decision_count(store.engine) == 1
