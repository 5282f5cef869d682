"""Where the agreements in force come from at run time, loaded once and cached by content.

The directory is ``JOINEDUP_AGREEMENTS_DIR``; unset, it is the Northbridge examples shipped in
the package (``joinedup/policy/examples/``, so an installed wheel has them too). Every call
looks at the files' names, sizes and modification times (a few ``stat`` calls); only when
those change are the files read again, and then the parsed agreements are reused whenever the
SHA-256 of their bytes is one already seen — so a request never parses YAML, and replacing a
file takes effect on the next request without a restart.

Every agreement version a decision relied on is also stored in ``agreement_versions`` (its
words and hash), once per process, so an audit row's hash always leads back to a text. Whether
a file matches its stored text is one comparison (:func:`stored_text_matches`), which both the
server and ``joinedup policy check`` (:func:`compare_with_stored`) make.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterable
from enum import StrEnum
from importlib.resources import files
from pathlib import Path

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from joinedup.audit.governance import record_agreement_versions
from joinedup.audit.signing import production_mode
from joinedup.policy.agreements import AgreementError, agreement_file_stats, load_agreements
from joinedup.policy.model import Agreement
from joinedup.policy.request import AgreementRef
from joinedup.store.governance_tables import AgreementVersion

ENV_VAR = "JOINEDUP_AGREEMENTS_DIR"
#: The Northbridge agreements, package data (``joinedup/policy/examples/``): the demo's, and a
#: hub's outside production until it names its own. They used to be found through the source
#: tree (``docs/agreements/``), which an installed wheel does not have.
SHIPPED = Path(str(files("joinedup.policy") / "examples"))

_lock = threading.Lock()
_by_stat: dict[tuple[str, tuple[tuple[str, int, int], ...]], tuple[Agreement, ...]] = {}
_by_hash: dict[str, tuple[Agreement, ...]] = {}
_recorded: set[tuple[str, str, int, str]] = set()


def agreements_dir() -> Path:
    """The directory agreements are read from: ``JOINEDUP_AGREEMENTS_DIR`` or the examples.

    In production (``JOINEDUP_ENV=production``) the directory must be configured: a live hub
    must never fall back to the Northbridge examples, so an unset variable is an error and,
    through it, every request that needs a decision is refused (fail closed).
    """
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        return Path(configured).expanduser()
    if production_mode():
        raise AgreementError(
            f"{ENV_VAR} is not set: a production hub reads its agreements from a directory "
            "you configure, never from the shipped examples"
        )
    return SHIPPED


def current_agreements(directory: str | Path | None = None) -> tuple[Agreement, ...]:
    """Every agreement under ``directory`` (default :func:`agreements_dir`), cached.

    Raises :class:`joinedup.policy.AgreementError` when the directory is missing or a file is
    not a valid agreement: a hub that cannot read its agreements shares nothing.
    """
    root = Path(directory) if directory is not None else agreements_dir()
    try:
        key = (str(root), agreement_file_stats(root))
    except OSError as exc:
        raise AgreementError(f"{root}: cannot read the agreements: {exc.strerror}") from None
    cached = _by_stat.get(key)
    if cached is not None:
        return cached
    with _lock:
        digest = hashlib.sha256()
        for path, _, _ in key[1]:
            name = os.path.basename(path)
            digest.update(name.encode() + b"\0" + Path(path).read_bytes() + b"\0")
        content = digest.hexdigest()
        loaded = _by_hash.get(content)
        if loaded is None:
            loaded = load_agreements(root)
            _by_hash[content] = loaded
        _by_stat[key] = loaded
        return loaded


class StoredStatus(StrEnum):
    """How an agreement version on disk stands against the texts in ``agreement_versions``."""

    NEW = "new"  # no version of this agreement is stored yet
    NEW_VERSION = "new version"  # other versions are stored; this one will be on first use
    UNCHANGED = "unchanged"  # this version is stored with these very words
    # This version is stored with other words: the file was edited in place, and every view
    # relying on it is refused (AgreementsUnversioned, 503) until the version is bumped.
    EDITED = "edited without a new version"


def stored_text_matches(
    session: Session, agreement_id: str, version: int, sha256: str
) -> bool | None:
    """Whether the stored text of ``agreement_id`` ``version`` has this hash; ``None`` when that
    version is not stored. ``False`` is an agreement edited in place: the one comparison both
    the server (before it relies on a version) and ``joinedup policy check`` make."""
    row = session.get(AgreementVersion, (agreement_id, version))
    return None if row is None else row.sha256 == sha256


def compare_with_stored(
    session: Session, agreements: Iterable[Agreement]
) -> tuple[tuple[Agreement, StoredStatus], ...]:
    """Each agreement with its :class:`StoredStatus` in the database ``session`` reads.

    Reads only: nothing is stored, so an officer can run it before deploying the files.
    """
    stored_ids = set(session.scalars(select(AgreementVersion.agreement_id).distinct()))
    out = []
    for agreement in agreements:
        matches = stored_text_matches(session, agreement.id, agreement.version, agreement.sha256)
        if matches is None:
            status = StoredStatus.NEW_VERSION if agreement.id in stored_ids else StoredStatus.NEW
        else:
            status = StoredStatus.UNCHANGED if matches else StoredStatus.EDITED
        out.append((agreement, status))
    return tuple(out)


def _not_stored(session: Session, ref: AgreementRef) -> bool:
    return stored_text_matches(session, ref.id, ref.version, ref.sha256) is not True


def ensure_recorded(
    session: Session, refs: tuple[AgreementRef, ...], directory: str | Path | None = None
) -> None:
    """Store the text of each agreement version in ``refs`` unless already stored.

    In the caller's transaction, so the audit row citing a hash and the text it cites are
    committed together. Cheap after the first time: remembered per database for the process.
    """
    root = Path(directory) if directory is not None else agreements_dir()
    url = str(session.get_bind().engine.url)
    missing = [ref for ref in refs if (url, ref.id, ref.version, ref.sha256) not in _recorded]
    if not missing:
        return
    if any(_not_stored(session, ref) for ref in missing):
        # Also when the version is stored with other words: a file edited in place without a
        # new version. record_agreement_versions refuses that, so the decision fails closed
        # rather than being audited under a hash no stored text has.
        record_agreement_versions(session, root)

    # Remembered only once committed: a rolled-back request must not make the next one skip it.
    def remember(_session: Session) -> None:
        _recorded.update((url, ref.id, ref.version, ref.sha256) for ref in missing)

    event.listen(session, "after_commit", remember, once=True)
