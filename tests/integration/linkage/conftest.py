"""Fixtures every linkage integration test shares."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Runs leave a frame cache and recorded scoring SQL in the data directory: keep them in
    the test's own."""
    monkeypatch.setenv("JOINEDUP_DATA_DIR", str(tmp_path))
    return tmp_path
