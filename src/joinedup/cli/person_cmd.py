"""``joinedup person ID``: where a person id stands and why its records are together.

For the data engineer and the reviewer at the console: a retired id says where it went, and each
record says what holds it to the person (the pair it matched best, the probability and the
weight of each field). The work is :func:`joinedup.linkage.explain.explain_person`. Like
``export persons`` it names records by their keys and persons by their ids, never a name, date
or address; a reviewer's free-text note is not printed.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from joinedup.cli import app
from joinedup.errors import JoinedupError


@app.command("person")
def person_command(
    person_id: Annotated[
        str, typer.Argument(metavar="PERSON_ID", help="A person id, current or retired.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print it as JSON.")] = False,
) -> None:
    """Look a person id up: where a retired id went, and the evidence for each record."""
    from joinedup.cli.database import existing_engine
    from joinedup.linkage.explain import explain_person
    from joinedup.store.db import session_scope

    try:
        with session_scope(existing_engine("person")) as session:
            # Case and spaces do not matter (lookup_person normalises what was typed).
            found = explain_person(session, person_id)
    except JoinedupError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
    for decision in found["decisions"]:
        decision["note"] = bool(decision.get("note"))  # said to exist, never printed
    if as_json:
        typer.echo(json.dumps(found, indent=2, sort_keys=True, default=str))
        return
    for line in _lines(found):
        typer.echo(line)


def _lines(found: dict[str, Any]) -> list[str]:
    lookup = found["lookup"]
    lines = []
    if lookup["redirects"]:
        hops = " → ".join(
            f"{hop['person_id']} (retired in run {hop['retired_run']})"
            for hop in lookup["redirects"]
        )
        lines.append(f"{lookup['requested']} was retired: {hops} → {found['person_id'] or '-'}")
    if found["person_id"] is None:
        lines.append(f"{lookup['requested']} holds no current records ({lookup['status']}).")
        return lines
    lines.append(f"person {found['person_id']}: {_records(len(found['records']))}")
    for record in found["records"]:
        lines.append(f"  {record['record_key']}  joined in run {record['joined_run']}")
        lines.append(f"    {_evidence(record)}")
    if found["events"]:
        lines.append("events:")
        for event in found["events"]:
            lines.append(f"  run {event['run_id']}{_when(event['at'])}: {_event(event, found)}")
    if found["decisions"]:
        lines.append("review decisions:")
        for decision in found["decisions"]:
            left, right = decision["pair"]
            lines.append(
                f"  {left} ~ {right}: {decision['decision']} by {decision['reviewer']} "
                f"on {str(decision['decided_at'])[:16].replace('T', ' ')}"
            )
    return lines


def _records(count: int) -> str:
    return f"{count} record" if count == 1 else f"{count} records"


def _when(at: str | None) -> str:
    # ISO time in UTC, as stored; minutes are enough to find the run in 'joinedup link' logs.
    return f" ({at[:16].replace('T', ' ')} UTC)" if at else ""


def _event(event: dict[str, Any], found: dict[str, Any]) -> str:
    counts = dict(zip(event["person_ids"], event["record_counts"], strict=False))
    if event.get("split_from"):
        # The split that made this person, as its kept side lists it, seen from here.
        kept = event["split_from"]
        return (
            f"split off from {kept} (it kept {_records(counts.get(kept, 0))}; this person "
            f"{_records(counts.get(found['person_id'], 0))})"
        )
    people = ", ".join(f"{pid} ({_records(count)})" for pid, count in counts.items())
    return f"{event['kind']} {people}"


def _evidence(record: dict[str, Any]) -> str:
    if record["basis"] == "alone":
        return "alone: no other record of this person scored against it"
    if record["basis"] == "review":
        return f"joined by a reviewer's link to {record['matched_record_key']}"
    from joinedup.linkage.explain import starting_weight
    from joinedup.linkage.levels import COMPARISON_NAMES

    # A weight of 0 is a field one of the records lacks: no evidence either way, not shown.
    given = {name: w for name, w in (record["field_weights"] or {}).items() if w}
    order = [name for name in COMPARISON_NAMES if name in given]  # the model's order
    order += sorted(name for name in given if name not in COMPARISON_NAMES)
    weights = ", ".join(f"{name} {given[name]:+.1f}" for name in order)
    probability = record["match_probability"]
    shown = f"{probability:.6f}" if probability is not None else "?"
    line = f"matched {record['matched_record_key']} at {shown}: {weights}"
    # The model's starting point reconciles the fields' weights with the total.
    start = starting_weight(record["match_weight"], record["field_weights"])
    if start is None:
        return line
    return f"{line}; from a start of {start:+.1f}, total {record['match_weight']:+.1f}"
