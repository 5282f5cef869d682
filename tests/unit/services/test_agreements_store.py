"""Where agreements come from at run time: the directory, the cache, and errors."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from joinedup.policy import AccessRequest, AgreementError, Holding, Relationship, decide
from joinedup.services import agreements_store
from joinedup.services.agreements_store import SHIPPED, agreements_dir, current_agreements

EXAMPLE = SHIPPED / "northbridge-befriending.yaml"


def test_the_shipped_examples_are_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JOINEDUP_AGREEMENTS_DIR", raising=False)
    assert agreements_dir() == SHIPPED
    ids = {a.id for a in current_agreements()}
    assert ids == {
        "northbridge-befriending",
        "northbridge-befriending-own-use",
        "northbridge-council-services",
        "northbridge-health-and-care",
    }


def test_the_environment_names_the_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(EXAMPLE, tmp_path / "one.yaml")
    monkeypatch.setenv("JOINEDUP_AGREEMENTS_DIR", str(tmp_path))
    assert [a.id for a in current_agreements()] == ["northbridge-befriending"]


def test_loaded_once_then_served_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(EXAMPLE, tmp_path / "one.yaml")
    calls: list[Path] = []
    real = agreements_store.load_agreements

    def counting(directory: Path) -> object:
        calls.append(directory)
        return real(directory)

    monkeypatch.setattr(agreements_store, "load_agreements", counting)
    monkeypatch.setattr(agreements_store, "_by_stat", {})
    monkeypatch.setattr(agreements_store, "_by_hash", {})
    first = current_agreements(tmp_path)
    assert current_agreements(tmp_path) is first
    assert len(calls) == 1
    # The same bytes under a new modification time are not parsed again (cached by hash).
    os.utime(tmp_path / "one.yaml", ns=(1, 1))
    assert current_agreements(tmp_path) is first
    assert len(calls) == 1


def test_a_changed_file_is_read_again_without_a_restart(tmp_path: Path) -> None:
    target = tmp_path / "one.yaml"
    shutil.copy(EXAMPLE, target)
    before = current_agreements(tmp_path)
    text = EXAMPLE.read_text(encoding="utf-8").replace("version: 1", "version: 9", 1)
    target.write_text(text, encoding="utf-8")
    os.utime(target, ns=(2, 2))
    after = current_agreements(tmp_path)
    assert [a.version for a in before] != [a.version for a in after]
    assert [a.version for a in after] == [9]


def test_an_unreadable_directory_shares_nothing(tmp_path: Path) -> None:
    with pytest.raises(AgreementError, match="not a directory"):
        current_agreements(tmp_path / "missing")
    (tmp_path / "bad.yaml").write_text("id: x\n", encoding="utf-8")
    with pytest.raises(AgreementError):
        current_agreements(tmp_path)


def test_a_changed_file_changes_the_next_decision(tmp_path: Path) -> None:
    # decide() remembers answers per agreements tuple: the tuple a changed file makes is a new
    # one, so the next request is decided on the new words, not from what was remembered.
    target = tmp_path / "one.yaml"
    shutil.copy(EXAMPLE, target)
    request = AccessRequest(
        actor="sw",
        organisation="northbridge-council",
        role="social_worker",
        purpose="safeguarding",
        person_id="p1",
        now=datetime(2026, 6, 1, 10, tzinfo=UTC),
        holdings=(Holding("befriending", "northbridge-befriending", ("charity.befriending",)),),
        agreements=current_agreements(tmp_path),
        relationships=(
            Relationship(
                "northbridge-council",
                "case",
                datetime(2026, 5, 1, tzinfo=UTC),
                datetime(2026, 7, 1, tzinfo=UTC),
            ),
        ),
    )
    assert decide(request).allows("befriending", "charity.befriending")
    assert decide(request).allows("befriending", "charity.befriending")  # remembered
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "purposes: [safeguarding]", "purposes: [direct_care]"
    )
    target.write_text(text.replace("version: 1", "version: 2", 1), encoding="utf-8")
    os.utime(target, ns=(3, 3))
    changed = replace(request, agreements=current_agreements(tmp_path))
    assert not decide(changed).allows("befriending", "charity.befriending")
