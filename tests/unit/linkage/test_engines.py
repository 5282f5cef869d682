"""The DuckDB connection linkage runs on: bounded memory, spilling under the data directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from joinedup.linkage import engines


def _setting(api: object, name: str) -> str:
    connection = api._con  # type: ignore[attr-defined]
    return str(connection.execute(f"SELECT current_setting('{name}')").fetchall()[0][0])


def test_duckdb_memory_is_bounded_and_spills_under_the_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JOINEDUP_DUCKDB_MEMORY_LIMIT", raising=False)
    monkeypatch.delenv("JOINEDUP_DUCKDB_TEMP_DIR", raising=False)
    monkeypatch.setenv("JOINEDUP_DATA_DIR", str(tmp_path))
    api = engines.db_api("duckdb")
    assert _setting(api, "temp_directory") == str(tmp_path / "linkage-spill")
    default = _setting(api, "memory_limit")

    monkeypatch.setenv("JOINEDUP_DUCKDB_MEMORY_LIMIT", "1GB")
    monkeypatch.setenv("JOINEDUP_DUCKDB_TEMP_DIR", str(tmp_path / "spill"))
    api = engines.db_api("duckdb")
    assert _setting(api, "memory_limit") in {"1.0 GiB", "953.6 MiB"}
    assert _setting(api, "temp_directory") == str(tmp_path / "spill")
    assert default != _setting(api, "memory_limit")
