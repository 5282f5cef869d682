"""Loading agreements from YAML: schema validation, cross-field checks, canonical hashing.

The hash is SHA-256 over the canonical JSON form of the parsed document (keys sorted, no
whitespace, dates as ISO strings), so reformatting a file or adding comments leaves the hash
unchanged while any change of meaning gives a new one. A change of meaning should also bump
``version``; two files with one id and version but different hashes are refused.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker

from joinedup.errors import JoinedupError
from joinedup.policy.model import Agreement, Clause, Party
from joinedup.policy.schema import AGREEMENT_SCHEMA
from joinedup.policy.vocabulary import is_sealed

_VALIDATOR = Draft202012Validator(AGREEMENT_SCHEMA, format_checker=FormatChecker())
TEST_SUFFIXES = ("_test.yaml", "_test.yml", ".test.yaml", ".test.yml")
_AGREEMENT_SUFFIXES = (".yaml", ".yml")


class AgreementError(JoinedupError):
    """An agreement file that cannot be loaded; the message names the file and the field."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate keys, which PyYAML would otherwise silently merge."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def load_yaml(text: str, origin: str) -> Any:
    """Parse YAML safely, refusing duplicate keys; errors name ``origin`` and the line."""
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        raise AgreementError(f"{origin}: not valid YAML: {exc}") from None
    except ValueError as exc:
        # PyYAML reads 2026-02-30 as a date and lets datetime's ValueError out, with no line.
        raise AgreementError(
            f"{origin}: not valid YAML: a date that does not exist ({exc})"
        ) from None


def jsonable(value: Any) -> Any:
    """The parsed YAML as JSON would hold it: dates and times as ISO strings, keys as text."""
    # YAML turns 2026-04-01 into a date; the schema and the hash both see the ISO string.
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def canonical_json(document: Any) -> str:
    """The canonical text of a parsed document: sorted keys, no whitespace, UTF-8 kept."""
    return json.dumps(jsonable(document), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_hash(document: Any) -> str:
    """SHA-256 (hex) of :func:`canonical_json` — the hash recorded with every decision."""
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def _path(parts: Iterable[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def parse_agreement(text: str, origin: str = "<agreement>") -> Agreement:
    """Parse and check one agreement from YAML text; raise :class:`AgreementError` if it is bad.

    The error lists every problem found, each with the field's path, e.g.
    ``nb.yaml: clauses[1].purposes[0]: 'dirct_care' is not one of [...]``.
    """
    document = jsonable(load_yaml(text, origin))
    if not isinstance(document, dict):
        raise AgreementError(f"{origin}: an agreement must be a mapping at the top level")
    errors = sorted(_VALIDATOR.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"{_path(e.absolute_path)}: {e.message}" for e in errors[:10]]
        more = f"\n  … and {len(errors) - 10} more" if len(errors) > 10 else ""
        raise AgreementError(f"{origin}: invalid agreement:\n  " + "\n  ".join(lines) + more)
    agreement = _build(document, origin)
    problems = _cross_check(agreement, document)
    if problems:
        raise AgreementError(f"{origin}: invalid agreement:\n  " + "\n  ".join(problems))
    return agreement


def _build(doc: dict[str, Any], origin: str) -> Agreement:
    default_basis = doc.get("lawful_basis", {})
    clauses = []
    for raw in doc["clauses"]:
        basis = raw.get("lawful_basis", default_basis)
        clauses.append(
            Clause(
                id=str(raw["id"]),
                source=raw["source"],
                provider=raw["provider"],
                categories=tuple(raw["categories"]),
                recipients=tuple(raw["recipients"]),
                roles=tuple(raw["roles"]),
                purposes=tuple(raw["purposes"]),
                article_6=basis.get("article_6", ""),
                article_9=basis.get("article_9"),
                consent_required=bool(raw.get("consent_required", False)),
                objection=raw.get("objection", "honour"),
                override_grounds=raw.get("override_grounds"),
                description=raw.get("description", ""),
            )
        )
    return Agreement(
        id=doc["id"],
        version=doc["version"],
        title=doc["title"],
        valid_from=date.fromisoformat(doc["valid_from"]),
        valid_to=date.fromisoformat(doc["valid_to"]) if doc.get("valid_to") else None,
        parties=tuple(Party(p["org"], p["name"], p.get("kind", "other")) for p in doc["parties"]),
        clauses=tuple(clauses),
        sha256=canonical_hash(doc),
        origin=origin,
    )


def _cross_check(agreement: Agreement, doc: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    if not isinstance(doc["version"], int):
        # JSON Schema counts 1.0 as an integer, but it would hash differently from 1.
        problems.append(f"version: {doc['version']!r} must be a whole number, as in 'version: 1'")
    if agreement.valid_to is not None and agreement.valid_to < agreement.valid_from:
        problems.append(f"valid_to: {agreement.valid_to} is before valid_from")
    orgs = [party.org for party in agreement.parties]
    if len(set(orgs)) != len(orgs):
        problems.append("parties: an organisation is listed twice")
    seen: set[str] = set()
    for index, clause in enumerate(agreement.clauses):
        where = f"clauses[{index}]"
        if clause.id in seen:
            problems.append(f"{where}.id: clause id {clause.id!r} is used twice")
        seen.add(clause.id)
        if not clause.article_6:
            problems.append(f"{where}: no lawful_basis.article_6 (on the clause or the agreement)")
        if clause.provider not in agreement.party_orgs:
            problems.append(f"{where}.provider: {clause.provider!r} is not a party")
        for org in clause.recipients:
            if org not in agreement.party_orgs:
                problems.append(f"{where}.recipients: {org!r} is not a party")
        for category in clause.categories:
            if category.endswith(".*") and is_sealed(category[:-1]):
                problems.append(
                    f"{where}.categories: {category!r} would cover special category data; "
                    "name each sealed category exactly"
                )
            elif is_sealed(category) and not clause.article_9:
                problems.append(
                    f"{where}.categories: {category!r} is special category data and needs "
                    "lawful_basis.article_9 (a UK GDPR Art. 9(2) condition)"
                )
    return problems


def load_agreement(path: str | Path) -> Agreement:
    """Load one agreement file; errors name the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AgreementError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise AgreementError(
            f"{path}: not UTF-8 text (byte {exc.start}); save the agreement as UTF-8"
        ) from None
    return parse_agreement(text, str(path))


def agreement_files(directory: str | Path) -> list[Path]:
    """The agreement files under ``directory`` (recursively), leaving out policy test files."""
    return sorted(Path(path) for path, _ in _entries(directory))


def agreement_file_stats(directory: str | Path) -> tuple[tuple[str, int, int], ...]:
    """``(path, size, mtime_ns)`` of each file :func:`agreement_files` gives, in one scan.

    What a cache of the parsed agreements compares on every request to notice a changed, added
    or removed file: the stat each directory entry gives, without a ``Path`` per file.
    """
    out = []
    for path, entry in _entries(directory):
        stat = entry.stat()
        out.append((path, stat.st_size, stat.st_mtime_ns))
    out.sort()
    return tuple(out)


def _entries(directory: str | Path) -> list[tuple[str, os.DirEntry[str]]]:
    root = os.fspath(directory)
    if not os.path.isdir(root):
        raise AgreementError(f"{Path(root)}: not a directory")
    found: list[tuple[str, os.DirEntry[str]]] = []
    _collect(root, found)
    return found


def _collect(folder: str, found: list[tuple[str, os.DirEntry[str]]]) -> None:
    """What ``rglob("*.yaml")`` and ``rglob("*.yml")`` find, in one scan of each directory.

    Every request that decides lists the directory (a changed file takes effect at once), and
    pathlib's two recursive globs cost more than the policy decision itself. Same rules as
    theirs: any entry whose name matches (case-sensitively), subdirectories entered but not
    symbolic links to them, a directory that cannot be read skipped.
    """
    try:
        with os.scandir(folder) as scan:
            entries = list(scan)
    except PermissionError:
        return
    for entry in entries:
        name = entry.name
        if name.endswith(_AGREEMENT_SUFFIXES) and not name.endswith(TEST_SUFFIXES):
            found.append((entry.path, entry))
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_dir = False
        if is_dir:
            _collect(entry.path, found)


def load_agreements(directory: str | Path) -> tuple[Agreement, ...]:
    """Load every agreement under ``directory``; refuse one id and version with two texts."""
    found: dict[tuple[str, int], Agreement] = {}
    for path in agreement_files(directory):
        agreement = load_agreement(path)
        key = (agreement.id, agreement.version)
        other = found.get(key)
        if other is not None and other.sha256 != agreement.sha256:
            raise AgreementError(
                f"{path}: {agreement.ref} is also defined, differently, in {other.origin}; "
                "bump the version when an agreement changes"
            )
        found.setdefault(key, agreement)
    return tuple(sorted(found.values(), key=lambda a: (a.id, a.version)))


def sources_closed_to_their_provider(agreements: Iterable[Agreement]) -> list[tuple[str, str]]:
    """(provider, source) pairs that some clause shares onwards but none lets the provider's own
    staff see.

    A hub shares nothing that no clause names, its provider's own records included: a charity
    whose agreements only share its data with others leaves its own caseworkers unable to see
    what they recorded. That is allowed (a source kept only for others is possible), but rarely
    meant, so ``joinedup policy check`` says so.
    """
    shared: set[tuple[str, str]] = set()
    own: set[tuple[str, str]] = set()
    for agreement in agreements:
        for clause in agreement.clauses:
            key = (clause.provider, clause.source)
            shared.add(key)
            if clause.provider in clause.recipients:
                own.add(key)
    return sorted(shared - own)
