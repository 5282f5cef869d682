"""The data sharing agreements as an IG officer reads them: each version, its clauses in words.

Versions come from the agreements directory (`agreements_store.current_agreements`); whether a
version's text is stored in the database says that audit rows citing its hash lead back to its
words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.policy.engine import agreements_in_force
from joinedup.policy.model import Agreement, Clause
from joinedup.policy.vocabulary import is_sealed
from joinedup.services.actor import Actor
from joinedup.services.agreements_store import current_agreements
from joinedup.services.ig_officer import NotFound, require_ig_officer
from joinedup.store.base import utcnow
from joinedup.store.governance_tables import AgreementVersion


@dataclass(frozen=True)
class ClauseTerms:
    """A clause of an agreement, with its terms written out as a sentence."""

    id: str
    source: str
    provider: str
    categories: tuple[str, ...]
    recipients: tuple[str, ...]
    roles: tuple[str, ...]
    purposes: tuple[str, ...]
    article_6: str
    article_9: str | None
    consent_required: bool
    objection: str
    override_grounds: str | None
    description: str
    sealed_categories: tuple[str, ...]
    plain: str


@dataclass(frozen=True)
class AgreementSummary:
    """An agreement version: what it is, when it applies, its hash, and whether it is stored."""

    id: str
    version: int
    title: str
    valid_from: date
    valid_to: date | None
    in_force: bool
    sha256: str
    parties: tuple[str, ...]
    providers: tuple[str, ...]
    recipients: tuple[str, ...]
    clauses: int
    recorded: bool


@dataclass(frozen=True)
class AgreementDetail:
    """One agreement version with its clauses in readable form and the text as written."""

    summary: AgreementSummary
    clauses: tuple[ClauseTerms, ...]
    text: str | None


def _plain(clause: Clause) -> str:
    consent = " with the resident's consent" if clause.consent_required else ""
    objection = (
        f"; a resident's objection does not stop it ({clause.override_grounds})"
        if clause.objection == "override"
        else "; a resident's objection stops it"
    )
    basis = clause.article_6 + (f" and {clause.article_9}" if clause.article_9 else "")
    return (
        f"{clause.provider} shares {', '.join(clause.categories)} from {clause.source} "
        f"with {', '.join(clause.roles)} at {', '.join(clause.recipients)} "
        f"for {', '.join(clause.purposes)}{consent}{objection}. Lawful basis: {basis}."
    )


def _clause_terms(clause: Clause) -> ClauseTerms:
    return ClauseTerms(
        id=clause.id,
        source=clause.source,
        provider=clause.provider,
        categories=clause.categories,
        recipients=clause.recipients,
        roles=clause.roles,
        purposes=clause.purposes,
        article_6=clause.article_6,
        article_9=clause.article_9,
        consent_required=clause.consent_required,
        objection=clause.objection,
        override_grounds=clause.override_grounds,
        description=" ".join(clause.description.split()),
        sealed_categories=tuple(c for c in clause.categories if is_sealed(c)),
        plain=_plain(clause),
    )


def _in_force() -> set[str]:
    # As policy decides today: a version superseded by a later one that has started is not in
    # force, even within its own dates.
    return {a.ref for a in agreements_in_force(current_agreements(), utcnow())}


def _summary(
    agreement: Agreement, recorded: set[tuple[str, int, str]], in_force: set[str]
) -> AgreementSummary:
    return AgreementSummary(
        id=agreement.id,
        version=agreement.version,
        title=agreement.title,
        valid_from=agreement.valid_from,
        valid_to=agreement.valid_to,
        in_force=agreement.ref in in_force,
        sha256=agreement.sha256,
        parties=tuple(sorted(agreement.party_orgs)),
        providers=agreement.providers,
        recipients=agreement.recipients,
        clauses=len(agreement.clauses),
        recorded=(agreement.id, agreement.version, agreement.sha256) in recorded,
    )


def _recorded(session: Session) -> set[tuple[str, int, str]]:
    rows = session.execute(
        select(AgreementVersion.agreement_id, AgreementVersion.version, AgreementVersion.sha256)
    )
    return {(a, v, h) for a, v, h in rows}


def list_agreements(session: Session, actor: Actor) -> tuple[AgreementSummary, ...]:
    """Every agreement version loaded from the agreements directory, by id then version.

    ``recorded`` says whether the version's text is stored in the database (it is, from the
    first decision that relied on it), so audit rows citing its hash lead back to its words.
    """
    require_ig_officer(actor)
    recorded = _recorded(session)
    agreements = sorted(current_agreements(), key=lambda a: (a.id, a.version))
    in_force = _in_force()
    return tuple(_summary(a, recorded, in_force) for a in agreements)


def agreement_detail(
    session: Session, actor: Actor, agreement_id: str, *, version: int | None = None
) -> AgreementDetail:
    """One agreement (the latest version unless ``version`` is given), clause by clause."""
    require_ig_officer(actor)
    versions = [a for a in current_agreements() if a.id == agreement_id]
    if not versions:
        raise NotFound(f"There is no agreement {agreement_id!r}.")
    if version is None:
        chosen = max(versions, key=lambda a: a.version)
    else:
        found = [a for a in versions if a.version == version]
        if not found:
            known = ", ".join(str(a.version) for a in sorted(versions, key=lambda a: a.version))
            raise NotFound(f"Agreement {agreement_id!r} has no version {version} (it has {known}).")
        chosen = found[0]
    stored = session.get(AgreementVersion, (chosen.id, chosen.version))
    text = (
        stored.text if stored is not None and stored.sha256 == chosen.sha256 else _file_text(chosen)
    )
    return AgreementDetail(
        summary=_summary(chosen, _recorded(session), _in_force()),
        clauses=tuple(_clause_terms(c) for c in chosen.clauses),
        text=text,
    )


def _file_text(agreement: Agreement) -> str | None:
    if not agreement.origin:
        return None
    try:
        with open(agreement.origin, encoding="utf-8") as handle:
            return handle.read()
    except OSError:
        return None
