"""The reviewer's decision form: a decision that contradicts those in force, a record gone.

A contradicting decision used to reach the error handler as a bare linkage error; now the item
page comes back with the reason by the radios and the reviewer's choice and note kept. A
decision on a record no longer current is saved, and the banner says when it will apply.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.engine import Engine

from joinedup.linkage import review
from joinedup.store.db import session_scope
from joinedup.store.linkage_tables import LinkRun, MatchEvidence, ReviewItem
from tests.integration.api.auth_hub import csrf_from
from tests.integration.api.practitioner_hub import ANNE, build_borough, end_record
from tests.integration.web.pages import checked, error_summary, field_error, value_of

SignedIn = Callable[..., TestClient]
WEAK = ("council_tax|C1", "gp_registrations|G1")
UNCERTAIN = ("adult_social_care|S3", "council_tax|C2")


@pytest.fixture
def items(engine: Engine) -> dict[str, int]:
    """The borough with two open review items: a weak link inside Anne, an uncertain pair."""
    build_borough(engine)
    with session_scope(engine) as session:
        run_id = session.scalars(select(LinkRun.id)).first()
        weak = ReviewItem(
            record_key_l=WEAK[0],
            record_key_r=WEAK[1],
            match_weight=6.1,
            match_probability=0.985,
            reason="weak_link",
            risk=1.7,
            status="open",
            run_id=run_id,
            person_id=ANNE,
        )
        uncertain = ReviewItem(
            record_key_l=UNCERTAIN[0],
            record_key_r=UNCERTAIN[1],
            match_weight=0.2,
            match_probability=0.53,
            reason="uncertain",
            risk=0.94,
            status="open",
            run_id=run_id,
            person_id=None,
        )
        session.add_all([weak, uncertain])
        session.flush()
        return {"weak": weak.id, "uncertain": uncertain.id}  # fmt: skip


def _decide(client: TestClient, item_id: int, decision: str, note: str = "") -> Response:
    token = csrf_from(client.get(f"/review/{item_id}").text)
    return client.post(
        f"/review/{item_id}",
        data={"decision": decision, "note": note, "csrf_token": token},
        follow_redirects=False,
    )


def test_a_contradicting_decision_is_shown_by_the_radios_with_the_form_kept(
    signed_in: SignedIn, items: dict[str, int], engine: Engine
) -> None:
    with session_scope(engine) as session:
        review.decide(session, (UNCERTAIN[0], WEAK[0]), "link", "bob")
        review.decide(session, (UNCERTAIN[1], WEAK[0]), "link", "dave")
    client = signed_in("reviewer")
    response = _decide(client, items["uncertain"], "not-link", "Different people.")
    assert response.status_code == 409, response.text[:500]
    page = response.text
    message = field_error(page, "decision")
    assert message.startswith("adult_social_care|S3 ~ council_tax|C2 cannot be decided not-link")
    assert "(link by bob on " in message and "(link by dave on " in message
    assert list(error_summary(page)) == ["#decision"]
    assert checked(page, "decision") == ["not-link"]
    assert value_of(page, "note") == "Different people."
    with session_scope(engine) as session:
        assert UNCERTAIN not in review.decisions_in_force(session)


def test_a_decision_on_a_record_gone_says_it_applies_if_the_record_comes_back(
    signed_in: SignedIn, items: dict[str, int], engine: Engine
) -> None:
    client = signed_in("reviewer")
    response = _decide(client, items["uncertain"], "not-link")
    assert response.status_code == 303
    banner = client.get(response.headers["location"]).text
    assert "The next linking run will obey it." in banner
    end_record(engine, "gp_registrations", "G1")  # a full extract of the GP register
    response = _decide(client, items["weak"], "not-link")
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.endswith("&ended=true")
    banner = client.get(location).text
    assert "A record of this pair is no longer current" in banner
    assert "will apply if the record comes back" in banner
    with session_scope(engine) as session:
        assert review.decisions_in_force(session)[WEAK] == "not-link"


def _queue_of(engine: Engine, extra: int) -> None:
    """``extra`` more uncertain pairs, each less risky than the fixture's two."""
    with session_scope(engine) as session:
        run_id = session.scalars(select(LinkRun.id)).first()
        session.add_all(
            ReviewItem(
                record_key_l=f"council_tax|Q{n:03}", record_key_r=f"gp_registrations|Q{n:03}",
                match_weight=0.1, match_probability=0.6, reason="uncertain",
                risk=0.5 - n / 1000, status="open", run_id=run_id, person_id=None,
            )
            for n in range(extra)
        )  # fmt: skip


def test_the_queue_says_how_many_are_open_and_pages_through_them_all(
    signed_in: SignedIn, items: dict[str, int], engine: Engine
) -> None:
    _queue_of(engine, 58)  # 60 open, more than a page
    client = signed_in("reviewer")
    first = client.get("/review")
    assert first.status_code == 200
    assert "60 open pairs, the riskiest 1 to 50 shown" in first.text
    assert f'href="/review/{items["weak"]}"' in first.text
    assert 'href="/review?page=2"' in first.text
    second = client.get("/review?page=2")
    assert "60 open pairs, 51 to 60 shown" in second.text
    assert "council_tax|Q057" in second.text and "council_tax|Q047" not in second.text
    assert 'href="/review?page=1"' in second.text
    # A page past the end (the queue shrank since the link was made) is the last page.
    assert "51 to 60 shown" in client.get("/review?page=9").text


@pytest.mark.parametrize("earlier", [None, "not-link"])
def test_a_decision_made_meanwhile_by_someone_else_is_shown_not_silently_replaced(
    signed_in: SignedIn, items: dict[str, int], engine: Engine, earlier: str | None
) -> None:
    # A busy day: Rita opens the pair; while she reads it, Bob decides it at the console.
    # Her "link" must not quietly replace his decision: she is shown it, and decides again.
    if earlier is not None:
        with session_scope(engine) as session:
            review.decide(session, UNCERTAIN, earlier, "carol")
    rita = signed_in("reviewer")
    page = rita.get(f"/review/{items['uncertain']}").text
    with session_scope(engine, write=True) as session:
        review.decide(session, UNCERTAIN, "not-link", "bob", note="Father and son.")
    form = {"decision": "link", "note": "Same person.", "csrf_token": csrf_from(page)}
    form["seen"] = value_of(page, "seen") or ""
    response = rita.post(f"/review/{items['uncertain']}", data=form, follow_redirects=False)
    assert response.status_code == 409, response.text[:500]
    message = field_error(response.text, "decision")
    assert message.startswith("adult_social_care|S3 ~ council_tax|C2 was decided not-link by bob")
    assert "since you opened it" in message
    assert value_of(response.text, "note") == "Same person."
    with session_scope(engine) as session:
        assert review.decisions_in_force(session)[UNCERTAIN] == "not-link"
    # Having seen it, she may still decide: the form now carries Bob's decision as seen.
    again = {
        **form,
        "seen": value_of(response.text, "seen") or "",
        "csrf_token": csrf_from(response.text),
    }
    done = rita.post(f"/review/{items['uncertain']}", data=again, follow_redirects=False)
    assert done.status_code == 303, done.text[:500]
    with session_scope(engine) as session:
        assert review.decisions_in_force(session)[UNCERTAIN] == "link"


def test_the_evidence_says_where_the_matcher_starts_so_the_weights_add_up(
    signed_in: SignedIn, items: dict[str, int], engine: Engine
) -> None:
    with session_scope(engine) as session:
        run_id = session.scalars(select(LinkRun.id)).first()
        session.add(
            MatchEvidence(record_key=WEAK[1], person_id=ANNE, run_id=run_id,
                          matched_record_key=WEAK[0], match_probability=0.985,
                          match_weight=6.1, field_weights={"dob": 7.2, "given_name": 4.0},
                          basis="model")
        )  # fmt: skip
    page = signed_in("reviewer").get(f"/review/{items['weak']}").text
    assert "the fields add up to +11.2 and the matcher starts from -5.1" in " ".join(page.split())


def test_a_link_joining_two_nhs_numbers_says_so_in_the_banner(
    signed_in: SignedIn, items: dict[str, int], engine: Engine
) -> None:
    with session_scope(engine) as session:
        run_id = session.scalars(select(LinkRun.id)).first()
        item = ReviewItem(
            record_key_l="gp_registrations|G1", record_key_r="gp_registrations|G2",
            match_weight=0.3, match_probability=0.55, reason="uncertain", risk=0.9,
            status="open", run_id=run_id, person_id=None,
        )  # fmt: skip
        session.add(item)
        session.flush()
        item_id = item.id
    client = signed_in("reviewer")
    response = _decide(client, item_id, "link")
    assert response.status_code == 303
    banner = " ".join(client.get(response.headers["location"]).text.split())
    assert "These records hold different NHS numbers" in banner
    assert "every linking run will keep them in one person all the same" in banner
