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


def test_a_query_too_big_for_memory_spills_when_the_data_directory_does_not_exist_yet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With PostgreSQL as the store nothing else creates the data directory; at a million records
    # EM training on the name block needed to spill, DuckDB could not create its spill directory,
    # and the block was skipped with only a warning.
    data_dir = tmp_path / "not-yet" / "data"
    monkeypatch.delenv("JOINEDUP_DUCKDB_TEMP_DIR", raising=False)
    monkeypatch.setenv("JOINEDUP_DATA_DIR", str(data_dir))
    monkeypatch.setenv("JOINEDUP_DUCKDB_MEMORY_LIMIT", "40MB")
    api = engines.db_api("duckdb")
    connection = api._con
    connection.execute("SET threads = 1; SET preserve_insertion_order = false")
    rows = connection.execute(
        "SELECT count(*) FROM (SELECT i, md5(i::VARCHAR) AS h FROM range(2000000) t(i) ORDER BY h)"
    ).fetchall()
    assert rows == [(2_000_000,)]
    assert (data_dir / "linkage-spill").is_dir()


def test_duckdb_draws_no_progress_bar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # DuckDB prints its bar on stdout even when that is a pipe, inside `joinedup link --json`.
    monkeypatch.setenv("JOINEDUP_DATA_DIR", str(tmp_path))
    assert _setting(engines.db_api("duckdb"), "enable_progress_bar") == "False"


def test_the_replay_connection_draws_no_progress_bar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The attach path scores on a connection of its own (linkage.replay): the same rule.
    from joinedup.linkage import replay

    monkeypatch.setenv("JOINEDUP_DATA_DIR", str(tmp_path))
    connection = replay._connect()
    try:
        setting = connection.execute("SELECT current_setting('enable_progress_bar')").fetchone()
        assert setting is not None and str(setting[0]) == "False"
    finally:
        connection.close()
