"""Data sharing policy: agreements as data, and one pure ``decide(request) -> Decision``.

This module only re-exports; see :mod:`joinedup.policy.engine` for the rules and
``docs/policy.md`` for how to write an agreement.
"""

from joinedup.policy.agreements import (
    AgreementError,
    canonical_hash,
    load_agreement,
    load_agreements,
    parse_agreement,
)
from joinedup.policy.engine import (
    BREAK_GLASS_MAX,
    agreements_in_force,
    choice_in_effect,
    decide,
)
from joinedup.policy.model import Agreement, Clause, Party
from joinedup.policy.request import (
    AccessRequest,
    AgreementRef,
    BreakGlass,
    Decision,
    Holding,
    ItemDecision,
    Reason,
    Relationship,
    ResidentChoice,
)
from joinedup.policy.vocabulary import PURPOSES, ROLES, is_sealed, purpose_label

__all__ = [
    "BREAK_GLASS_MAX",
    "PURPOSES",
    "ROLES",
    "AccessRequest",
    "Agreement",
    "AgreementError",
    "AgreementRef",
    "BreakGlass",
    "Clause",
    "Decision",
    "Holding",
    "ItemDecision",
    "Party",
    "Reason",
    "Relationship",
    "ResidentChoice",
    "agreements_in_force",
    "canonical_hash",
    "choice_in_effect",
    "decide",
    "is_sealed",
    "load_agreement",
    "load_agreements",
    "parse_agreement",
    "purpose_label",
]
