"""A data sharing agreement, as loaded from YAML: parties, clauses, validity, and its hash."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

ObjectionHandling = Literal["honour", "override"]


@dataclass(frozen=True)
class Party:
    """An organisation that signed the agreement."""

    org: str
    name: str
    kind: str = "organisation"


@dataclass(frozen=True)
class Clause:
    """One permission: this provider's categories from this source, to these recipients.

    ``categories`` may hold exact names or a ``prefix.*`` wildcard; a wildcard never opens a
    sealed category (see :mod:`joinedup.policy.vocabulary`). ``objection`` says what a resident's
    objection to the purpose does: ``honour`` (the default) withholds the data; ``override``
    releases it anyway, on the stated ``override_grounds`` — for safeguarding, where UK GDPR
    Art. 21(1) lets the controller continue on compelling legitimate grounds.
    """

    id: str
    source: str
    provider: str
    categories: tuple[str, ...]
    recipients: tuple[str, ...]
    roles: tuple[str, ...]
    purposes: tuple[str, ...]
    article_6: str
    article_9: str | None = None
    consent_required: bool = False
    objection: ObjectionHandling = "honour"
    override_grounds: str | None = None
    description: str = ""

    def covers_category(self, category: str, *, sealed: bool) -> bool:
        """True when the clause names ``category`` (a wildcard counts only if not sealed)."""
        for pattern in self.categories:
            if pattern == category:
                return True
            if not sealed and pattern.endswith(".*") and category.startswith(pattern[:-1]):
                return True
        return False


@dataclass(frozen=True)
class Agreement:
    """A data sharing agreement at one version.

    ``sha256`` is the hash of the canonical form of the document (see
    :func:`joinedup.policy.agreements.canonical_hash`) and is recorded with every decision that
    relies on it, so an audit row always points at the exact text in force. ``valid_to`` is the
    last day on which the agreement applies (inclusive); ``None`` means open-ended.
    """

    id: str
    version: int
    title: str
    valid_from: date
    valid_to: date | None
    parties: tuple[Party, ...]
    clauses: tuple[Clause, ...]
    sha256: str
    origin: str = field(default="", compare=False)

    @property
    def ref(self) -> str:
        """``id@version``, the short form used in reasons and audit rows."""
        return f"{self.id}@{self.version}"

    def in_force_on(self, day: date) -> bool:
        """True when ``day`` falls within the agreement's validity dates (both inclusive)."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    @property
    def party_orgs(self) -> frozenset[str]:
        return frozenset(party.org for party in self.parties)

    @property
    def providers(self) -> tuple[str, ...]:
        """The organisations whose data some clause shares, in order of first mention."""
        return tuple(dict.fromkeys(clause.provider for clause in self.clauses))

    @property
    def recipients(self) -> tuple[str, ...]:
        """The organisations some clause shares with, in order of first mention."""
        return tuple(dict.fromkeys(org for clause in self.clauses for org in clause.recipients))
