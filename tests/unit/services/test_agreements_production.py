"""A production hub never falls back to the shipped example agreements."""

from __future__ import annotations

import pytest

from joinedup.policy.agreements import AgreementError
from joinedup.services.agreements_store import SHIPPED, agreements_dir


def test_unset_directory_in_production_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JOINEDUP_AGREEMENTS_DIR", raising=False)
    monkeypatch.setenv("JOINEDUP_ENV", "production")
    with pytest.raises(AgreementError, match="JOINEDUP_AGREEMENTS_DIR is not set"):
        agreements_dir()


def test_unset_directory_elsewhere_uses_the_examples(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JOINEDUP_AGREEMENTS_DIR", raising=False)
    monkeypatch.delenv("JOINEDUP_ENV", raising=False)
    assert agreements_dir() == SHIPPED


def test_configured_directory_wins_in_production(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv("JOINEDUP_AGREEMENTS_DIR", str(tmp_path))
    monkeypatch.setenv("JOINEDUP_ENV", "production")
    assert str(agreements_dir()) == str(tmp_path)
