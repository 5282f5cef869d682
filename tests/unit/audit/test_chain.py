"""The chain's verification logic in memory: Hypothesis picks the event and the attack, and the
first problem must name that event and the kind of tampering."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.audit.chain import GENESIS, canonical_fields, canonical_time, compute_hash
from joinedup.audit.verify import _chain_problems, _Row

T0 = datetime(2026, 6, 1, tzinfo=UTC)


def chain(length: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    prev = GENESIS
    for n in range(1, length + 1):
        event: dict[str, Any] = {
            "seq": n,
            "event_id": f"e{n}",
            "at": T0 + timedelta(seconds=n),
            "actor": f"u{n % 3}",
            "organisation": "org",
            "role": "gp",
            "purpose": "direct_care",
            "case_reference": None,
            "person_id": f"p{n % 4}",
            "action": "person.view",
            "decision": "permit",
            "categories": ["a/b"],
            "agreements": [],
            "request_id": None,
            "reason": None,
            "break_glass": False,
            "prev_hash": prev,
        }
        event["hash"] = prev = compute_hash(prev, event)
        events.append(event)
    return events


def check(events: list[dict[str, Any]]) -> tuple[int, str] | None:
    rows = [
        _Row(e["seq"], e["hash"], e["prev_hash"], compute_hash(e["prev_hash"], e) == e["hash"])
        for e in sorted(events, key=lambda e: e["seq"])
    ]
    position = {row.stored: i for i, row in enumerate(rows)}
    problems = sorted(_chain_problems(rows, position), key=lambda p: p.seq)
    return (problems[0].seq, problems[0].kind) if problems else None


def test_canonical_form_is_stable_and_keeps_unicode() -> None:
    event = chain(1)[0] | {"reason": "Zoë"}
    text = canonical_fields(event)
    assert '"reason":"Zoë"' in text and '"at":"2026-06-01T00:00:01.000000Z"' in text
    assert "seq" not in text and "hash" not in text.replace("prev_hash", "")


@settings(max_examples=60, deadline=None)
@given(st.integers(3, 30), st.data())
def test_intact_chains_verify(length: int, data: st.DataObject) -> None:
    assert check(chain(length)) is None


@settings(max_examples=100, deadline=None)
@given(
    st.integers(3, 30),
    st.data(),
    st.sampled_from(["actor", "purpose", "person_id", "decision", "categories", "at"]),
)
def test_any_edit_is_named(length: int, data: st.DataObject, field: str) -> None:
    events = chain(length)
    k = data.draw(st.integers(1, length))
    target = events[k - 1]
    target[field] = (
        target[field] + timedelta(microseconds=1)
        if field == "at"
        else ["x/y"]
        if field == "categories"
        else f"{target[field]}!"
    )
    assert check(events) == (k, "edited")


@settings(max_examples=100, deadline=None)
@given(st.integers(3, 30), st.data())
def test_any_deletion_inside_the_chain_is_named(length: int, data: st.DataObject) -> None:
    events = chain(length)
    k = data.draw(st.integers(1, length - 1))
    del events[k - 1]
    assert check(events) == (k, "deleted")


@settings(max_examples=100, deadline=None)
@given(st.integers(3, 30), st.data())
def test_any_swap_of_neighbours_is_named(length: int, data: st.DataObject) -> None:
    events = chain(length)
    k = data.draw(st.integers(1, length - 1))
    events[k - 1]["seq"], events[k]["seq"] = k + 1, k
    assert check(events) == (k, "reordered")


@settings(max_examples=100, deadline=None)
@given(st.integers(3, 30), st.data(), st.booleans())
def test_any_insertion_is_named(length: int, data: st.DataObject, honest: bool) -> None:
    events = chain(length)
    k = data.draw(st.integers(2, length))
    forged = dict(events[0]) | {"event_id": "forged", "prev_hash": events[k - 2]["hash"]}
    forged["hash"] = compute_hash(forged["prev_hash"], forged) if honest else "f" * 64
    for event in events[k - 1 :]:
        event["seq"] += 1
    forged["seq"] = k
    events.append(forged)
    assert check(events) == (k, "inserted")


_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(
    texts=st.lists(st.none() | _TEXT, min_size=9, max_size=9),
    categories=st.lists(_TEXT, max_size=4),
    agreements=st.lists(st.dictionaries(_TEXT, _JSON, max_size=4), max_size=3),
)
def test_canonical_form_is_json_dumps_of_the_fields(
    texts: list[str | None], categories: list[str], agreements: list[dict[str, Any]]
) -> None:
    """The shared encoder writes what ``json.dumps`` with the chain's options writes (the
    reference: events already stored were hashed with it), for any text and nesting."""
    names = ("event_id", "actor", "organisation", "role", "purpose", "case_reference")
    fields: dict[str, Any] = dict(zip(names, texts, strict=False))
    fields.update(person_id=texts[6], action=texts[7], decision="permit", reason=texts[8])
    fields.update(at=T0, request_id=None, break_glass=True)
    fields.update(categories=categories, agreements=agreements)
    document = {**fields, "at": "2026-06-01T00:00:00.000000Z"}
    expected = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical_fields(fields) == expected


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.sampled_from([UTC, None, timezone(timedelta(hours=5, minutes=30))]),
    )
)
def test_canonical_time_is_the_strftime_form(moment: datetime) -> None:
    # The chain's text form of a time is fixed by the events already stored: a faster way to
    # write it must give exactly the characters strftime gave, or old events would not verify.
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    expected = aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert canonical_time(moment) == expected


def test_canonical_fields_are_unchanged_for_a_known_event() -> None:
    # Pinned from the encoder as it was (sorted keys, compact separators, UTF-8 kept).
    fields = {**chain(1)[0], "reason": "Zoë's household", "agreements": [{"version": 1, "id": "x"}]}
    assert canonical_fields(fields) == (
        '{"action":"person.view","actor":"u1","agreements":[{"id":"x","version":1}],'
        '"at":"2026-06-01T00:00:01.000000Z","break_glass":false,"case_reference":null,'
        '"categories":["a/b"],"decision":"permit","event_id":"e1","organisation":"org",'
        '"person_id":"p1","purpose":"direct_care","reason":"Zoë\'s household",'
        '"request_id":null,"role":"gp"}'
    )
