"""Small agreements and requests for the policy tests, written out so each test reads alone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from functools import cache
from typing import Any

from joinedup.policy import AccessRequest, Agreement, Holding, parse_agreement

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)

CARE_YAML = """
id: care
version: 1
title: Care
valid_from: 2026-04-01
valid_to: 2026-12-31
parties:
  - {org: icb, name: ICB}
  - {org: council, name: Council}
  - {org: charity, name: Charity}
lawful_basis: {article_6: "6(1)(e) public task"}
clauses:
  - id: "1"
    source: social_care
    provider: council
    categories: [social_care.adult]
    recipients: [icb]
    roles: [gp]
    purposes: [direct_care]
    lawful_basis: {article_6: "6(1)(e) public task", article_9: "9(2)(h) health or social care"}
  - id: "2"
    source: social_care
    provider: council
    categories: [social_care.adult]
    recipients: [icb]
    roles: [gp]
    purposes: [safeguarding]
    lawful_basis: {article_6: "6(1)(e) public task", article_9: "9(2)(g) DPA 2018 Sch 1 para 18"}
    objection: override
    override_grounds: "Art. 21(1) compelling legitimate grounds"
  - id: "3"
    source: tax
    provider: council
    categories: [finance.*]
    recipients: [council]
    roles: [housing_officer]
    purposes: [housing_support]
  - id: "4"
    source: befriending
    provider: charity
    categories: [charity.befriending]
    recipients: [icb]
    roles: [gp]
    purposes: [direct_care]
    consent_required: true
"""


@cache
def _parsed(text: str) -> Agreement:
    return parse_agreement(text, "test.yaml")


def agreement(text: str = CARE_YAML, **changes: Any) -> Agreement:
    """Parse ``text`` (once; agreements are immutable); ``changes`` replace top-level fields."""
    parsed = _parsed(text)
    return replace(parsed, **changes) if changes else parsed


def holdings() -> tuple[Holding, ...]:
    return (
        Holding("social_care", "council", ("social_care.adult",)),
        Holding("tax", "council", ("finance.council_tax",)),
        Holding("befriending", "charity", ("charity.befriending",)),
        Holding("gp", "icb", ("health.gp_registration",)),
    )


def request(**changes: Any) -> AccessRequest:
    """A GP at the ICB (which holds its own record) asking for direct care, now."""
    base = AccessRequest(
        actor="u-gp",
        organisation="icb",
        role="gp",
        purpose="direct_care",
        person_id="p1",
        now=NOW,
        holdings=holdings(),
        agreements=(agreement(),),
    )
    return replace(base, **changes)
