"""The review queue filtered by source, kind, lowest risk and person, on every front end.

One table of filters, each with the pairs it lets through (largest risk first): the service
(``linkage.review.open_items``/``open_count``), ``joinedup review list``, the API (items and
``X-Total-Count``) and the queue page all give the same pairs and the same count. Items are
inserted directly into the tiny Northbridge of ``practitioner_hub`` (Anne: G1, S1, C1, B1;
Bob: C2, G2; Clare: S3, C3; OLD is retired into Anne), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from joinedup.cli import _register, app
from joinedup.errors import JoinedupError
from joinedup.linkage import review
from joinedup.linkage.queue_filter import queue_filter
from joinedup.store.db import session_scope
from joinedup.store.linkage_tables import LinkRun, ReviewItem
from tests.integration.api.auth_hub import sign_in
from tests.integration.api.practitioner_hub import (
    ANNE,
    BOB,
    OLD,
    PractitionerHub,
    make_practitioner_hub,
)

ANNE_WEAK = ("council_tax|C1", "gp_registrations|G1")  # weak link, risk 1.7
ANNE_WEAKER = ("adult_social_care|S1", "befriending|B1")  # weak link, risk 1.2
S3_C2 = ("adult_social_care|S3", "council_tax|C2")  # uncertain, 0.94: Clare and Bob
C3_G2 = ("council_tax|C3", "gp_registrations|G2")  # uncertain, 0.5: Clare and Bob
# "_" is a LIKE wildcard: a source filter "council_tax" must not take "councilxtax".
LOOKALIKE = ("councilxtax|Z1", "gp_registrations|Z2")  # uncertain, 0.1
DECIDED = ("adult_social_care|S1", "council_tax|C1")  # decided: never listed

ITEMS = [
    (ANNE_WEAK, "weak_link", 1.7, ANNE, "open"),
    (ANNE_WEAKER, "weak_link", 1.2, ANNE, "open"),
    (S3_C2, "uncertain", 0.94, None, "open"),
    (C3_G2, "uncertain", 0.5, None, "open"),
    (LOOKALIKE, "uncertain", 0.1, None, "open"),
    (DECIDED, "uncertain", 0.99, None, "decided"),
]
EVERYTHING = [ANNE_WEAK, ANNE_WEAKER, S3_C2, C3_G2, LOOKALIKE]

# (what the filter is, its parameters, the pairs it lets through in queue order)
CASES: list[tuple[str, dict[str, Any], list[tuple[str, str]]]] = [
    ("none", {}, EVERYTHING),
    ("one source, either side", {"source": ["council_tax"]}, [ANNE_WEAK, S3_C2, C3_G2]),
    (
        "two sources, one record from each",
        {"source": ["gp_registrations", "council_tax"]},
        [ANNE_WEAK, C3_G2],
    ),
    ("the same source twice: pairs inside it", {"source": ["council_tax", "council_tax"]}, []),
    ("weakly-held persons", {"kind": "person"}, [ANNE_WEAK, ANNE_WEAKER]),
    ("possible missed links", {"kind": "pair"}, [S3_C2, C3_G2, LOOKALIKE]),
    ("risk at or above", {"min_risk": 0.94}, [ANNE_WEAK, ANNE_WEAKER, S3_C2]),
    ("a person's weak links", {"person": ANNE}, [ANNE_WEAK, ANNE_WEAKER]),
    ("a person's records", {"person": BOB}, [S3_C2, C3_G2]),
    ("a person id as typed", {"person": " pbob 0000 00002 "}, [S3_C2, C3_G2]),
    ("a retired id, followed", {"person": OLD}, [ANNE_WEAK, ANNE_WEAKER]),
    (
        "all together",
        {"source": ["council_tax"], "kind": "pair", "min_risk": 0.6, "person": BOB},
        [S3_C2],
    ),
]
IDS = [case[0] for case in CASES]


@pytest.fixture
def hub(engine: Engine) -> Iterator[PractitionerHub]:
    hub = make_practitioner_hub(engine)
    with session_scope(engine) as session:
        run_id = session.scalars(select(LinkRun.id)).first()
        session.add_all(
            ReviewItem(
                record_key_l=pair[0],
                record_key_r=pair[1],
                match_weight=1.0,
                match_probability=0.9,
                reason=reason,
                risk=risk,
                status=status,
                run_id=run_id,
                person_id=person,
            )
            for pair, reason, risk, person, status in ITEMS
        )
    yield hub
    hub.client.close()


def _service(engine: Engine, params: dict[str, Any]) -> tuple[list[tuple[str, str]], int]:
    with session_scope(engine) as session:
        only = queue_filter(
            session,
            sources=params.get("source", ()),
            kind=params.get("kind"),
            min_risk=params.get("min_risk"),
            person=params.get("person"),
        )
        pairs = [entry.pair for entry in review.open_items(session, only=only)]
        return pairs, review.open_count(session, only=only)


def _cli_args(params: dict[str, Any]) -> list[str]:
    args = [arg for source in params.get("source", ()) for arg in ("--source", source)]
    for name in ("kind", "min_risk", "person"):
        if name in params:
            args += [f"--{name.replace('_', '-')}", str(params[name])]
    return args


@pytest.mark.parametrize(("what", "params", "expected"), CASES, ids=IDS)
def test_the_service_filters_the_queue_largest_risk_first(
    hub: PractitionerHub, what: str, params: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert _service(hub.engine, params) == (expected, len(expected))


@pytest.mark.parametrize(("what", "params", "expected"), CASES, ids=IDS)
def test_the_api_filters_the_queue_and_counts_the_filtered_items(
    hub: PractitionerHub, what: str, params: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    response = hub.client.get(
        "/api/v1/review/items", params=params, headers=hub.bearer("reviewer", None)
    )
    assert response.status_code == 200, response.text
    assert [(i["record_l"], i["record_r"]) for i in response.json()] == expected
    assert response.headers["X-Total-Count"] == str(len(expected))
    # Paging keeps the filter: the second item on its own.
    second = hub.client.get(
        "/api/v1/review/items",
        params={**params, "limit": 1, "offset": 1},
        headers=hub.bearer("reviewer", None),
    )
    assert [(i["record_l"], i["record_r"]) for i in second.json()] == expected[1:2]
    assert second.headers["X-Total-Count"] == str(len(expected))


@pytest.mark.parametrize(("what", "params", "expected"), CASES, ids=IDS)
def test_review_list_filters_the_queue(
    hub: PractitionerHub,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    what: str,
    params: dict[str, Any],
    expected: list[tuple[str, str]],
) -> None:
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", db_url)
    monkeypatch.setenv("JOINEDUP_DATA_DIR", str(tmp_path / "data"))
    _register()
    runner = CliRunner()
    result = runner.invoke(app, ["review", "list", "--json", *_cli_args(params)])
    assert result.exit_code == 0, result.output
    assert [(i["record_l"], i["record_r"]) for i in json.loads(result.output)] == expected
    shown = runner.invoke(app, ["review", "list", "--limit", "1", *_cli_args(params)])
    assert shown.exit_code == 0, shown.output
    if len(expected) > 1:
        which = " matching these filters" if params else ""
        assert f"{len(expected)} open{which}, the riskiest 1 shown" in shown.output
    elif not expected:
        assert "No open review item matches these filters." in shown.output


def _page_pairs(html: str) -> list[tuple[str, str]]:
    found = re.findall(r"<p class=\"govuk-body[^\"]*\">([^<]+) and ([^<]+)</p>", html)
    return [(a.strip(), b.strip()) for a, b in found]


@pytest.mark.parametrize(("what", "params", "expected"), CASES, ids=IDS)
def test_the_queue_page_filters_and_keeps_the_form(
    hub: PractitionerHub, what: str, params: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    client = TestClient(hub.client.app, raise_server_exceptions=False)
    sign_in(client, "reviewer")
    response = client.get("/review", params=params)
    assert response.status_code == 200, response.text[:2000]
    html = response.text
    assert _page_pairs(html) == [tuple(pair) for pair in expected]
    if expected:
        assert f"{len(expected)} open {'pair' if len(expected) == 1 else 'pairs'}" in html
    else:
        assert "No open pairs match these filters." in html
    if "person" in params:
        assert f'value="{params["person"].strip()}"' in html
    if "min_risk" in params:
        assert f'value="{params["min_risk"]}"' in html
    if "kind" in params:
        assert re.search(rf'<option value="{params["kind"]}" selected', html)


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"source": ["nope"]}, "source", "no source 'nope' in this hub"),
        ({"source": ["gp_registrations", "council_tax", "befriending"]}, "source", "at most 2"),
        ({"kind": "pear"}, "kind", "a kind is 'pair'"),
        ({"min_risk": 2.5}, "min_risk", "a risk is a number from 0 to 2"),
        ({"min_risk": float("nan")}, "min_risk", "a risk is a number from 0 to 2"),
        ({"person": "PNOBODY000009"}, "person", "no person has the id 'PNOBODY000009'"),
    ],
)
def test_a_filter_that_cannot_be_applied_is_refused_naming_why(
    hub: PractitionerHub, params: dict[str, Any], field: str, message: str
) -> None:
    with session_scope(hub.engine) as session, pytest.raises(JoinedupError, match=message):
        queue_filter(
            session,
            sources=params.get("source", ()),
            kind=params.get("kind"),
            min_risk=params.get("min_risk"),
            person=params.get("person"),
        )


@pytest.mark.parametrize(
    ("query", "status", "said"),
    [
        ("source=nope", 400, "No source 'nope' in this hub"),
        ("source=a&source=b&source=c", 422, "source"),
        ("kind=pear", 422, "kind"),
        ("min_risk=2.5", 422, "min_risk"),
        ("min_risk=nan", 422, "min_risk"),
        ("min_risk=lots", 422, "min_risk"),
        ("person=PNOBODY000009", 400, "No person has the id"),
        (f"person={'P' * 40}", 422, "person"),
    ],
)
def test_the_api_refuses_a_bad_filter_with_a_message(
    hub: PractitionerHub, query: str, status: int, said: str
) -> None:
    response = hub.client.get(f"/api/v1/review/items?{query}", headers=hub.bearer("reviewer", None))
    assert response.status_code == status, response.text
    assert said in response.text


@pytest.mark.parametrize(
    ("query", "field", "said"),
    [
        ("source=nope", "source", "No source &#39;nope&#39; in this hub"),
        ("kind=pear", "kind", "Select a kind of item from the list"),
        ("min_risk=lots", "min_risk", "Enter the lowest risk as a number from 0 to 2"),
        ("min_risk=1e0", "min_risk", "Enter the lowest risk as a number from 0 to 2"),
        ("min_risk=2.5", "min_risk", "A risk is a number from 0 to 2"),
        ("person=nobody", "person", "No person has the id &#39;nobody&#39;"),
    ],
)
def test_the_queue_page_shows_a_bad_filter_by_its_field(
    hub: PractitionerHub, query: str, field: str, said: str
) -> None:
    client = TestClient(hub.client.app, raise_server_exceptions=False)
    sign_in(client, "reviewer")
    response = client.get(f"/review?{query}")
    assert response.status_code == 400, response.text[:2000]
    assert f'href="#{field}"' in response.text  # the error summary links to the field
    assert said in response.text
    assert _page_pairs(response.text) == []


def test_the_queue_pages_keep_the_filter(hub: PractitionerHub) -> None:
    with session_scope(hub.engine) as session:
        run_id = session.scalars(select(LinkRun.id)).first()
        session.add_all(
            ReviewItem(
                record_key_l=f"council_tax|X{n:03d}",
                record_key_r="gp_registrations|G1",
                match_weight=0.0,
                match_probability=0.5,
                reason="uncertain",
                risk=0.3,
                status="open",
                run_id=run_id,
            )
            for n in range(60)
        )
    client = TestClient(hub.client.app, raise_server_exceptions=False)
    sign_in(client, "reviewer")
    first = client.get("/review", params={"source": "council_tax", "kind": "pair"})
    assert "62 open pairs match these filters, the riskiest 1 to 50 shown" in first.text
    [next_link] = re.findall(r'href="(/review\?[^"]*page=2)"', first.text)
    assert next_link == "/review?source=council_tax&amp;kind=pair&amp;page=2"
    second = client.get(next_link.replace("&amp;", "&"))
    assert "62 open pairs match these filters, 51 to 62 shown" in second.text
    assert len(_page_pairs(second.text)) == 12


def test_a_decision_made_from_a_filtered_queue_returns_to_it(hub: PractitionerHub) -> None:
    # A reviewer working "council tax, missed links" goes back to that slice after each
    # decision, not to the whole queue.
    client = TestClient(hub.client.app, raise_server_exceptions=False)
    sign_in(client, "reviewer")
    queue = client.get("/review", params={"source": "council_tax", "kind": "pair"})
    links = re.findall(r'href="(/review/\d+\?[^"]+)"', queue.text)
    assert links, queue.text[:2000]
    item = client.get(links[0].replace("&amp;", "&"))
    assert 'href="/review?source=council_tax&amp;kind=pair' in item.text  # the back link
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', item.text)
    back = re.search(r'name="back" id="back" value="([^"]*)"', item.text)
    assert token and back
    decided = client.post(
        links[0].split("?")[0],
        data={
            "decision": "not-link",
            "csrf_token": token.group(1),
            "back": back.group(1).replace("&amp;", "&"),
        },
        follow_redirects=False,
    )
    assert decided.status_code == 303, decided.text[:1000]
    assert decided.headers["location"].startswith("/review?decided=")
    assert decided.headers["location"].endswith("&source=council_tax&kind=pair")
    shown = client.get(decided.headers["location"])
    assert "Decision saved" in shown.text and "1 open pair matches these filters" in shown.text


@pytest.mark.parametrize(
    "back",
    ["https://evil.example/", "source=council_tax&next=//evil.example", "%ZZ", "a" * 5000],
)
def test_the_way_back_to_the_queue_carries_only_the_queues_own_filters(
    hub: PractitionerHub, back: str
) -> None:
    client = TestClient(hub.client.app, raise_server_exceptions=False)
    sign_in(client, "reviewer")
    item_id = re.findall(r'href="/review/(\d+)"', client.get("/review").text)[0]
    token = re.search(
        r'name="csrf_token" value="([0-9a-f]+)"', client.get(f"/review/{item_id}").text
    )
    assert token
    decided = client.post(
        f"/review/{item_id}",
        data={"decision": "not-link", "csrf_token": token.group(1), "back": back},
        follow_redirects=False,
    )
    assert decided.status_code == 303
    location = decided.headers["location"]
    assert location.startswith("/review?decided=") and "evil" not in location
    assert "next=" not in location and len(location) < 400
