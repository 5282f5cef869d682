"""``joinedup policy check DIR`` against the agreement versions a hub has stored.

On SQLite and PostgreSQL. Each agreement is new, unchanged, a new version, or edited without a
new version — the last is what pauses sharing at serve time (``AgreementsUnversioned``), so the
check exits 1 naming the file, and the server's own comparison agrees. Without a database the
check is what it always was; a configured SQLite file that is missing is refused, not created.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from joinedup.audit.governance import GovernanceError, record_agreement_versions
from joinedup.cli import _register, app
from joinedup.errors import JoinedupError
from joinedup.policy import load_agreements
from joinedup.policy.model import Agreement
from joinedup.policy.request import AgreementRef
from joinedup.services.agreements_store import ensure_recorded
from joinedup.store.db import session_scope
from tests.unit.policy.builders import CARE_YAML

OTHER_YAML = CARE_YAML.replace("id: care", "id: other").replace("title: Care", "title: Other")


def _check(directory: Path, *args: str) -> tuple[int, str, str]:
    _register()
    result = CliRunner().invoke(app, ["policy", "check", str(directory), *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def _line(output: str, ref: str) -> str:
    [line] = [line for line in output.splitlines() if line.startswith(ref + " ")]
    return line


@pytest.fixture
def agreements(tmp_path: Path, engine: Engine) -> Path:
    """``care`` v1 as stored in the hub's database, and ``other`` never used."""
    directory = tmp_path / "agreements"
    directory.mkdir()
    (directory / "care.yaml").write_text(CARE_YAML, encoding="utf-8")
    with session_scope(engine) as session:
        record_agreement_versions(session, directory)
    (directory / "other.yaml").write_text(OTHER_YAML, encoding="utf-8")
    return directory


def test_each_agreement_is_new_unchanged_or_a_new_version(agreements: Path, db_url: str) -> None:
    (agreements / "care.v2.yaml").write_text(
        CARE_YAML.replace("version: 1", "version: 2").replace("title: Care", "title: Care 2"),
        encoding="utf-8",
    )
    code, out, _ = _check(agreements, "--database-url", db_url)
    assert code == 0, out
    assert "compared with the agreement versions stored in" in out
    assert _line(out, "care@1").endswith("  unchanged")
    assert _line(out, "care@2").endswith("  new version")
    assert _line(out, "other@1").endswith("  new")
    assert "sha256:" in _line(out, "care@1")


def test_an_agreement_edited_without_a_new_version_fails_naming_the_file(
    agreements: Path, db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    edited = agreements / "care.yaml"
    edited.write_text(CARE_YAML.replace("title: Care", "title: Care (edited)"), encoding="utf-8")
    # Found through the environment, as every other command finds the database.
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", db_url)
    code, out, err = _check(agreements)
    assert code == 1
    assert _line(out, "care@1").endswith("EDITED WITHOUT A NEW VERSION")
    assert _line(out, "other@1").endswith("  new")
    assert f"{edited}: care@1 is stored with different content" in err
    assert "sharing under it would pause" in err
    # The server makes the same comparison and refuses to rely on the edited text.
    care: Agreement = next(a for a in load_agreements(agreements) if a.id == "care")
    with pytest.raises(GovernanceError, match="bump the version"), session_scope(engine) as s:
        ensure_recorded(s, (AgreementRef(care.id, care.version, care.sha256),), agreements)


def test_without_a_database_the_check_is_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "agreements"
    directory.mkdir()
    (directory / "care.yaml").write_text(CARE_YAML, encoding="utf-8")
    monkeypatch.delenv("JOINEDUP_DATABASE_URL", raising=False)
    monkeypatch.delenv("JOINEDUP_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)  # no ./data/joinedup.db here
    code, out, _ = _check(directory)
    assert code == 0
    assert "compared with" not in out
    assert _line(out, "care@1").split()[-1].startswith("sha256:")  # no status column
    assert not (tmp_path / "data").exists()


def test_a_configured_database_that_does_not_exist_is_refused_not_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "agreements"
    directory.mkdir()
    (directory / "care.yaml").write_text(CARE_YAML, encoding="utf-8")
    monkeypatch.delenv("JOINEDUP_DATABASE_URL", raising=False)
    monkeypatch.setenv("JOINEDUP_DATA_DIR", str(tmp_path / "typo"))
    with pytest.raises(JoinedupError, match=r"no database at .*policy check never creates one"):
        _check(directory)
    assert not (tmp_path / "typo").exists()
    missing = tmp_path / "missing.db"
    with pytest.raises(JoinedupError, match="no database at"):
        _check(directory, "--database-url", f"sqlite:///{missing}")
    assert not missing.exists()
