"""The shipped Northbridge agreements and ``joinedup policy test``, as a user would run them."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from joinedup.cli import _register, app
from joinedup.policy import load_agreements
from joinedup.policy.testing import PolicyTestError, run_directory
from joinedup.services.agreements_store import SHIPPED
from tests.unit.policy.builders import CARE_YAML

EXAMPLES = SHIPPED
DEMO_SOURCES = {
    "gp_registrations",
    "council_tax",
    "adult_social_care",
    "housing_benefit",
    "befriending",
    "school_census",
}

FAILING_TEST = """
defaults:
  now: 2026-06-01T10:00:00Z
  person_id: p1
  holdings:
    - {source: tax, provider: council, categories: [finance.council_tax]}
cases:
  - name: housing officer sees council tax
    request: {actor: u1, organisation: council, role: housing_officer, purpose: housing_support}
    expect: {permit: [tax/finance.council_tax]}
  - name: deliberately wrong expectation
    request: {actor: u1, organisation: council, role: housing_officer, purpose: planning}
    expect: {permit: [tax/finance.council_tax]}
"""


def test_examples_cover_all_six_demo_sources() -> None:
    sources = {c.source for a in load_agreements(EXAMPLES) for c in a.clauses}
    assert sources == DEMO_SOURCES


def test_example_policy_tests_pass() -> None:
    results = run_directory(EXAMPLES)
    assert len(results) >= 10
    assert [r.name for r in results if not r.passed] == []


def test_cli_prints_pass_and_fail_per_case(tmp_path: Path) -> None:
    (tmp_path / "care.yaml").write_text(CARE_YAML)
    (tmp_path / "care_test.yaml").write_text(FAILING_TEST)
    _register()
    result = CliRunner().invoke(app, ["policy", "test", str(tmp_path)])
    assert result.exit_code == 1
    assert "PASS: housing officer sees council tax" in result.output
    assert "FAIL: deliberately wrong expectation" in result.output
    assert "expected permit tax/finance.council_tax, got deny (deny_aggregate_only)" in (
        result.output
    )
    assert "PASS: 1/2" in result.output


def test_cli_passes_on_the_examples() -> None:
    _register()
    result = CliRunner().invoke(app, ["policy", "test", str(EXAMPLES), "--verbose"])
    assert result.exit_code == 0, result.output
    assert "northbridge-health-and-care@1 clause 4.1" in result.output


def test_cli_check_prints_hashes() -> None:
    _register()
    result = CliRunner().invoke(app, ["policy", "check", str(EXAMPLES)])
    assert result.exit_code == 0
    assert "northbridge-befriending@1" in result.output and "sha256:" in result.output
    assert "note:" not in result.output  # every provider's staff see their own source


def test_cli_check_notes_a_source_its_own_provider_cannot_see(tmp_path: Path) -> None:
    # The befriending agreement alone shares the charity's records with others and the
    # council's council tax with the charity, but lets neither provider's own staff see them.
    (tmp_path / "befriending.yaml").write_text(
        (EXAMPLES / "northbridge-befriending.yaml").read_text()
    )
    _register()
    result = CliRunner().invoke(app, ["policy", "check", str(tmp_path)])
    assert result.exit_code == 0  # a note, not a failure: a source kept only for others is legal
    notes = [line for line in result.output.splitlines() if line.startswith("note:")]
    named = [note.split(" see ")[1].split(",")[0] for note in notes]
    assert named == ["befriending", "council_tax"]
    assert "northbridge-befriending's own staff" in notes[0]


TEST_HEAD = """
defaults:
  now: 2026-06-01T10:00:00Z
  person_id: p1
  holdings:
    - {source: tax, provider: council, categories: [finance.council_tax]}
cases:
  - name: the case
    request: {actor: u1, organisation: council, role: housing_officer, purpose: housing_support"""

# (id, the rest of the request, expect, what the error must say) — each a test file that is
# itself wrong; before, every one of these passed, crashed or tested something else.
BAD_TEST_FILES = [
    (
        "a typo in expect checks nothing",
        "}",
        "{permits: [tax/finance.council_tax]}",
        "cases[0] (the case).expect: Additional properties are not allowed ('permits'",
    ),
    ("an empty expect", "}", "{}", "cases[0] (the case).expect: checks nothing"),
    (
        "a typo in the request drops a choice",
        ", choises: [{kind: objection, purpose: housing_support, at: 2026-05-01}]}",
        "{outcome: permit}",
        "request: Additional properties are not allowed ('choises'",
    ),
    (
        "a choice of an unknown kind",
        ", choices: [{kind: objecton, purpose: housing_support, at: 2026-05-01}]}",
        "{outcome: permit}",
        "request.choices[0].kind: 'objecton' is not one of",
    ),
    (
        "a choice for an unknown purpose",
        ", choices: [{kind: objection, purpose: housing, at: 2026-05-01}]}",
        "{outcome: permit}",
        "request.choices[0].purpose: 'housing' is not one of",
    ),
    (
        "given as text",
        ', choices: [{kind: objection, purpose: housing_support, given: "false", at: 2026-05-01}]}',
        "{outcome: permit}",
        "given: 'false' is not of type 'boolean'",
    ),
    (
        "categories as one string",
        ", holdings: [{source: tax, provider: council, categories: finance.council_tax}]}",
        "{outcome: permit}",
        "holdings[0].categories: 'finance.council_tax' is not of type 'array'",
    ),
    (
        "a reason code that does not exist",
        "}",
        "{deny: {tax/finance.council_tax: deny_role}}",
        "expect.deny.tax/finance.council_tax: 'deny_role' is not one of",
    ),
    ("an item without its source", "}", "{permit: [finance.council_tax]}", "not an item"),
    ("an unknown outcome", "}", "{outcome: permitted}", "'permitted' is not one of"),
    ("break_glass_used as text", "}", '{break_glass_used: "no"}', "is not of type 'boolean'"),
]


@pytest.mark.parametrize(
    ("rest", "expect", "message"),
    [row[1:] for row in BAD_TEST_FILES],
    ids=[row[0] for row in BAD_TEST_FILES],
)
def test_a_wrong_test_file_is_refused_naming_case_and_field(
    tmp_path: Path, rest: str, expect: str, message: str
) -> None:
    (tmp_path / "care.yaml").write_text(CARE_YAML)
    (tmp_path / "care_test.yaml").write_text(f"{TEST_HEAD}{rest}\n    expect: {expect}\n")
    with pytest.raises(PolicyTestError) as caught:
        run_directory(tmp_path)
    assert "care_test.yaml: invalid policy test file" in str(caught.value)
    assert message in str(caught.value)


def test_cli_exits_2_for_a_wrong_test_file_and_1_for_a_failed_expectation(
    tmp_path: Path,
) -> None:
    (tmp_path / "care.yaml").write_text(CARE_YAML)
    (tmp_path / "care_test.yaml").write_text(f"{TEST_HEAD}}}\n    expect: {{permits: []}}\n")
    _register()
    broken = CliRunner().invoke(app, ["policy", "test", str(tmp_path)])
    # main() prints a JoinedupError as "Error: …" and exits with its code: 2, nothing run
    assert isinstance(broken.exception, PolicyTestError) and broken.exception.exit_code == 2
    (tmp_path / "care_test.yaml").write_text(FAILING_TEST)
    failed = CliRunner().invoke(app, ["policy", "test", str(tmp_path)])
    assert failed.exit_code == 1


def test_deny_may_expect_several_reason_codes(tmp_path: Path) -> None:
    (tmp_path / "care.yaml").write_text(CARE_YAML)
    (tmp_path / "care_test.yaml").write_text(
        TEST_HEAD.replace("role: housing_officer", "role: gp")
        + "}\n    expect:\n      deny: {tax/finance.council_tax: "
        "[deny_role_not_permitted, deny_objection]}\n"
    )
    [result] = run_directory(tmp_path)
    # deny_role_not_permitted is among the reasons, deny_objection is not: one failure
    [failure] = result.failures
    assert failure.startswith("expected tax/finance.council_tax denied for deny_objection, got")


def test_a_test_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    (tmp_path / "care.yaml").write_text(CARE_YAML)
    (tmp_path / "care_test.yaml").write_bytes("# café\n".encode("cp1252"))
    with pytest.raises(PolicyTestError, match=r"care_test\.yaml: cannot read: not UTF-8"):
        run_directory(tmp_path)
