"""The shipped Northbridge agreements and ``joinedup policy test``, as a user would run them."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from joinedup.cli import _register, app
from joinedup.policy import load_agreements
from joinedup.policy.testing import run_directory
from tests.unit.policy.builders import CARE_YAML

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "agreements"
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
