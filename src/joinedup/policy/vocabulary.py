"""The fixed vocabulary agreements are written in: roles, purposes, sealed categories.

Kept as tables of data so that a rule such as "planning is aggregate only" or "direct care needs
a legitimate relationship" is a row here, read by :func:`joinedup.policy.decide.decide`, and not a
branch in its code.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES: tuple[str, ...] = (
    "social_worker",
    "gp",
    "housing_officer",
    "charity_caseworker",
    "ig_officer",
    "reviewer",
    "admin",
    "resident",
)


@dataclass(frozen=True)
class PurposeRule:
    """What a purpose demands before any agreement is consulted.

    ``person_level`` is False for purposes that may only ever see aggregates (planning): no
    person-level release whatever an agreement says. ``needs_relationship`` means the requester
    must have a legitimate relationship with the person (or an active break-glass session).
    ``label`` is how the purpose reads to people (pages, reasons, the resident's log); ``name``
    is the id agreements, the API and the audit trail use.
    """

    name: str
    label: str
    description: str
    person_level: bool = True
    needs_relationship: bool = False


PURPOSES: dict[str, PurposeRule] = {
    rule.name: rule
    for rule in (
        PurposeRule(
            "direct_care",
            "Direct care",
            "care or support for this person by the practitioner's own service",
            needs_relationship=True,
        ),
        PurposeRule(
            "safeguarding", "Safeguarding", "protecting a child or an adult at risk of harm"
        ),
        PurposeRule(
            "housing_support",
            "Housing support",
            "preventing homelessness, housing need and adaptations",
        ),
        PurposeRule(
            "debt_support", "Debt support", "helping a resident in arrears or financial hardship"
        ),
        PurposeRule(
            "planning",
            "Planning",
            "service planning and commissioning from aggregate figures",
            person_level=False,
        ),
    )
}


def purpose_label(purpose: str) -> str:
    """How a purpose reads to people: ``housing_support`` → ``Housing support``.

    A purpose policy does not know (an old audit row, a typo in a request) is shown as written,
    tidied, rather than refused: a label must never be why a page fails.
    """
    rule = PURPOSES.get(purpose)
    return rule.label if rule else purpose.replace("_", " ").strip().capitalize()


def purpose_words(purpose: str) -> str:
    """The label as it reads inside a sentence: ``Direct care`` → ``direct care``."""
    label = purpose_label(purpose)
    return label[:1].lower() + label[1:]


# How a role reads inside a sentence, where its id would not ("gp", "ig_officer").
_ROLE_WORDS = {"gp": "GP", "ig_officer": "IG officer"}


def role_words(role: str) -> str:
    """A role as it reads inside a sentence: ``housing_officer`` → ``housing officer``."""
    return _ROLE_WORDS.get(role) or role.replace("_", " ").strip()


# Special category data (UK GDPR Art. 9) and other categories that stay sealed unless a clause
# names them exactly: a wildcard such as ``social_care.*`` never opens them, and the clause must
# state an Article 9 condition (checked when the agreement is loaded).
SEALED_PREFIXES: tuple[str, ...] = (
    "health.",
    "social_care.",
    "special.",
    "criminal_offence.",
)


def is_sealed(category: str) -> bool:
    """True when ``category`` is special category (or similarly sensitive) data."""
    return category.startswith(SEALED_PREFIXES)


# Reason codes: stable identifiers a front end or a policy test may match on.
PERMIT = "permit"
PERMIT_OBJECTION_OVERRIDDEN = "permit_objection_overridden"
PERMIT_SUBJECT_ACCESS = "permit_subject_access"
DENY_UNKNOWN_ROLE = "deny_unknown_role"
DENY_UNKNOWN_PURPOSE = "deny_unknown_purpose"
DENY_AGGREGATE_ONLY = "deny_aggregate_only"
DENY_NO_RELATIONSHIP = "deny_no_relationship"
DENY_NO_AGREEMENT = "deny_no_agreement"
DENY_AGREEMENT_NOT_IN_FORCE = "deny_agreement_not_in_force"
DENY_SEALED = "deny_sealed"
DENY_PROVIDER = "deny_provider_mismatch"
DENY_RECIPIENT = "deny_recipient_not_party"
DENY_ROLE = "deny_role_not_permitted"
DENY_PURPOSE = "deny_purpose_not_permitted"
DENY_OBJECTION = "deny_objection"
DENY_CONSENT = "deny_consent_missing"

# Every code an item's reasons may carry; a policy test may expect any of the deny ones.
REASON_CODES: tuple[str, ...] = (
    PERMIT,
    PERMIT_OBJECTION_OVERRIDDEN,
    PERMIT_SUBJECT_ACCESS,
    DENY_UNKNOWN_ROLE,
    DENY_UNKNOWN_PURPOSE,
    DENY_AGGREGATE_ONLY,
    DENY_NO_RELATIONSHIP,
    DENY_NO_AGREEMENT,
    DENY_AGREEMENT_NOT_IN_FORCE,
    DENY_SEALED,
    DENY_PROVIDER,
    DENY_RECIPIENT,
    DENY_ROLE,
    DENY_PURPOSE,
    DENY_OBJECTION,
    DENY_CONSENT,
)
