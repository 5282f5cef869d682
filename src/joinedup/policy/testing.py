"""Table-driven policy tests, as ``opa test`` runs for Rego: ``joinedup policy test DIR``.

A test file (``*_test.yaml``) holds ``cases``: each a request and the expected outcome. The
agreements are every other YAML file in the same directory tree. ``defaults`` are merged into
every case's request, so a file states the person's holdings once. Times without a zone are UTC.

    defaults:
      now: 2026-06-01T10:00:00Z
      person_id: p-1
      holdings:
        - {source: council_tax, provider: northbridge-council, categories: [finance.council_tax]}
    cases:
      - name: a housing officer sees council tax for housing support
        request: {actor: u1, organisation: northbridge-council, role: housing_officer,
                  purpose: housing_support}
        expect:
          permit: [council_tax/finance.council_tax]   # exactly the released items
          deny: {befriending/charity.befriending: deny_consent_missing}   # item: reason code
          break_glass_used: false
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from joinedup.errors import JoinedupError
from joinedup.policy.agreements import TEST_SUFFIXES, jsonable, load_agreements, load_yaml
from joinedup.policy.engine import decide
from joinedup.policy.model import Agreement
from joinedup.policy.request import (
    AccessRequest,
    BreakGlass,
    Decision,
    Holding,
    Relationship,
    ResidentChoice,
)
from joinedup.policy.testfile_schema import POLICY_TEST_SCHEMA

_VALIDATOR = Draft202012Validator(POLICY_TEST_SCHEMA)


class PolicyTestError(JoinedupError):
    """A policy test file that cannot be read; the message names the file and the case."""


@dataclass
class CaseResult:
    """The outcome of one case: ``failures`` is empty when it passed."""

    file: str
    name: str
    failures: list[str] = field(default_factory=list)
    decision: Decision | None = None

    @property
    def passed(self) -> bool:
        return not self.failures


def _time(value: Any, where: str) -> datetime:
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        raise PolicyTestError(f"{where}: {value!r} is not an ISO date-time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _request(raw: dict[str, Any], agreements: tuple[Agreement, ...], where: str) -> AccessRequest:
    required = ("actor", "organisation", "role", "purpose", "person_id", "now")
    missing = [name for name in required if name not in raw]
    if missing:
        raise PolicyTestError(f"{where}: request lacks {', '.join(missing)}")
    try:
        glass = raw.get("break_glass")
        return AccessRequest(
            actor=str(raw["actor"]),
            organisation=str(raw["organisation"]),
            role=str(raw["role"]),
            purpose=str(raw["purpose"]),
            person_id=str(raw["person_id"]),
            now=_time(raw["now"], where),
            holdings=tuple(
                Holding(h["source"], h["provider"], tuple(h["categories"]))
                for h in raw.get("holdings", [])
            ),
            agreements=agreements,
            relationships=tuple(
                Relationship(
                    org=r["org"],
                    reason=r.get("reason", ""),
                    starts_at=_time(r["starts_at"], where),
                    expires_at=_time(r["expires_at"], where),
                    actor=r.get("actor"),
                )
                for r in raw.get("relationships", [])
            ),
            choices=tuple(
                ResidentChoice(
                    kind=c["kind"],
                    purpose=c["purpose"],
                    given=bool(c.get("given", True)),
                    at=_time(c["at"], where),
                    source=c.get("source"),
                )
                for c in raw.get("choices", [])
            ),
            break_glass=None
            if glass is None
            else BreakGlass(
                actor=str(glass.get("actor", raw["actor"])),
                reason=str(glass.get("reason", "")),
                started_at=_time(glass["started_at"], where),
                expires_at=_time(glass["expires_at"], where),
            ),
            case_reference=raw.get("case_reference"),
            requester_person_id=raw.get("requester_person_id"),
        )
    except (KeyError, TypeError) as exc:
        raise PolicyTestError(f"{where}: malformed request ({exc})") from None


def _check(decision: Decision, expect: dict[str, Any]) -> list[str]:
    failures: list[str] = []
    labels = {item.label: item for item in decision.items}
    if "permit" in expect:
        wanted = set(expect["permit"] or [])
        got = set(decision.released_labels)
        for label in sorted(wanted - got):
            codes = ", ".join(r.code for r in labels[label].reasons) if label in labels else ""
            failures.append(
                f"expected permit {label}, got "
                + (f"deny ({codes})" if label in labels else "no such item held")
            )
        for label in sorted(got - wanted):
            failures.append(f"expected deny {label}, got permit")
    deny = expect.get("deny") or {}
    if isinstance(deny, list):
        deny = dict.fromkeys(deny)
    for label, wanted_codes in deny.items():
        item = labels.get(label)
        if item is None:
            failures.append(f"expected deny {label}, but no such item is held")
            continue
        if item.permitted:
            failures.append(f"expected deny {label}, got permit")
            continue
        expected = [wanted_codes] if isinstance(wanted_codes, str) else wanted_codes or []
        got_set = {r.code for r in item.reasons}
        for code in expected:
            if code not in got_set:
                got_codes = ", ".join(r.code for r in item.reasons)
                failures.append(f"expected {label} denied for {code}, got {got_codes}")
    if "break_glass_used" in expect and expect["break_glass_used"] != decision.break_glass_used:
        failures.append(
            f"expected break_glass_used={expect['break_glass_used']}, "
            f"got {decision.break_glass_used}"
        )
    if "outcome" in expect and expect["outcome"] != decision.outcome:
        failures.append(f"expected outcome {expect['outcome']}, got {decision.outcome}")
    return failures


def _where(parts: list[Any], document: Any) -> str:
    """A field's path, with the case's name: ``cases[2] (a GP sees …).expect.permits``."""
    text = ""
    for index, part in enumerate(parts):
        if isinstance(part, int):
            text += f"[{part}]"
            if index == 1 and parts[0] == "cases":
                case = document["cases"][part]
                if isinstance(case, dict) and isinstance(case.get("name"), str):
                    text += f" ({case['name']})"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


def _problem(error: ValidationError, document: Any) -> str:
    if error.context:
        # "not valid under any of the given schemas" says nothing: name the likeliest miss.
        error = best_match(error.context)
    message = error.message
    if error.validator == "minProperties":
        message = "checks nothing: give permit, deny, break_glass_used or outcome"
    elif error.validator == "pattern":
        message = f"{error.instance!r} is not an item: write it as source/category"
    return f"{_where(list(error.absolute_path), document)}: {message}"


def _read(path: Path) -> dict[str, Any]:
    """Parse and check one test file; every problem is listed, each naming its case and field."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise PolicyTestError(f"{path}: cannot read: {why}") from None
    document = load_yaml(text, str(path))
    if not isinstance(document, dict):
        raise PolicyTestError(f"{path}: a policy test file needs a list of 'cases'")
    errors = sorted(
        _VALIDATOR.iter_errors(jsonable(document)), key=lambda e: [str(p) for p in e.path]
    )
    if errors:
        lines = [_problem(e, document) for e in errors[:10]]
        more = f"\n  … and {len(errors) - 10} more" if len(errors) > 10 else ""
        raise PolicyTestError(f"{path}: invalid policy test file:\n  " + "\n  ".join(lines) + more)
    return document


def run_file(path: Path, agreements: tuple[Agreement, ...]) -> list[CaseResult]:
    """Run every case of one test file against ``agreements``.

    Raises :class:`PolicyTestError` (nothing is run) when the file is not a valid test file:
    an unknown field, a choice of an unknown kind, a reason code that does not exist…
    """
    document = _read(path)
    defaults = document.get("defaults") or {}
    results = []
    for index, case in enumerate(document["cases"]):
        name = str(case.get("name", f"case {index + 1}"))
        where = f"{path}: {name}"
        request = _request({**defaults, **(case.get("request") or {})}, agreements, where)
        decision = decide(request)
        results.append(CaseResult(str(path), name, _check(decision, case["expect"]), decision))
    return results


def run_directory(directory: str | Path) -> list[CaseResult]:
    """Load the agreements under ``directory`` and run every ``*_test.yaml`` file found there."""
    root = Path(directory)
    agreements = load_agreements(root)
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.name.endswith(TEST_SUFFIXES))
    if not files:
        raise PolicyTestError(f"{root}: no policy test files (*_test.yaml) found")
    results: list[CaseResult] = []
    for path in files:
        results.extend(run_file(path, agreements))
    return results
