"""Splink's scoring SQL, built once and replayed on new tables.

Attaching a handful of records to an index runs the same prediction again and again: the same
model, the same input tables under the same names, only their rows differ. Splink builds its
SQL afresh each time — settings, comparisons and blocking rules through sqlglot, a Linker, a
DuckDB connection — which costs far more than scoring the few pairs. Yet its statements depend
only on the settings and the tables' names and columns, never on their rows.

So the first prediction of each kind (model, threshold, which tables) in a process runs Splink
on a DuckDB API that records the statements that build tables; later ones register their frames
under the same names on a fresh DuckDB connection, run those statements and read the same
result tables. The statements are also saved beside the frame caches (they hold the model's
parameters and table names, no record's values), so the next ``joinedup link`` process replays
them too; they are keyed by a digest of the model, the threshold, the tables and the code that
shapes the SQL (Splink's and DuckDB's versions, joinedup's model modules), so any change to
those records afresh. Scores are the ones Splink gives, by construction (same SQL, same engine),
and a test holds them equal to Splink's own. Only DuckDB is replayed; Spark always runs Splink.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeAlias

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from joinedup.linkage.candidates import frequencies_of

# Splink is imported only to record a script: replaying one needs DuckDB alone, and importing
# Splink (sqlglot with it) is a fifth of a cold ``joinedup link`` that attaches one record.

#: Scripts kept per process (one per model, threshold and shape of call; a run uses two).
MAX_SCRIPTS = 8

Table: TypeAlias = pa.Table | pd.DataFrame
Build = Callable[[Any, Mapping[str, Any]], Sequence[Any]]


@dataclass(frozen=True)
class Script:
    """What one Splink prediction ran: its inputs' names, statements, and result tables."""

    inputs: tuple[str, ...]
    statements: tuple[str, ...]
    outputs: tuple[str, ...]


log = logging.getLogger(__name__)

_scripts: OrderedDict[str, Script] = OrderedDict()
_lock = threading.Lock()


def _recording_api() -> Any:
    """Splink's DuckDB API, keeping each statement that creates or drops a table."""
    from splink import DuckDBAPI

    class RecordingAPI(DuckDBAPI):
        def __init__(self) -> None:
            super().__init__(connection=_connect())
            self.statements: list[str] = []

        def _execute_sql_against_backend(self, final_sql: str) -> duckdb.DuckDBPyRelation:
            result = super()._execute_sql_against_backend(final_sql)
            # Reads (column look-ups, fetching results) leave no trace for later statements.
            if final_sql.lstrip()[:6].upper() in {"CREATE", "DROP T", "DROP V"}:
                self.statements.append(final_sql)
            return result

    return RecordingAPI()


def predict(key: str, inputs: Mapping[str, Table], build: Build) -> list[pd.DataFrame]:
    """Score ``inputs`` (table name → Arrow table or pandas frame) as ``build`` would.

    ``build(api, registered)`` runs Splink on ``api`` with the inputs registered there
    (name → SplinkDataFrame) and returns the SplinkDataFrames of its results. ``key`` is a
    digest of everything the SQL depends on besides the inputs' names (`script_key`): the
    first call with a key runs ``build`` and records it, in memory and on disk (`_saved`);
    later calls, in this process or the next, replay the record. Returns one pandas frame per
    result.
    """
    with _lock:
        script = _scripts.get(key)
        if script is not None:
            _scripts.move_to_end(key)
    if script is None:
        script = _load(key)
    if script is not None and script.inputs == tuple(inputs):
        _remember(key, script)
        return _replay(script, inputs)
    api = _recording_api()
    registered = {
        name: api.register(table, dataset_display_name=name) for name, table in inputs.items()
    }
    results = build(api, registered)
    frames = [result.as_pandas_dataframe() for result in results]
    recorded = Script(tuple(inputs), tuple(api.statements), tuple(r.physical_name for r in results))
    _remember(key, recorded)
    _save(key, recorded)
    return frames


def script_key(*parts: Any) -> str:
    """A digest of ``parts`` (JSON-able) and of the code that shapes Splink's SQL: Splink's and
    DuckDB's versions and joinedup's model, comparison, blocking and frame modules. A change to
    any of them records afresh."""
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode())
    digest.update(_code_digest().encode())
    return digest.hexdigest()[:32]


@lru_cache(maxsize=1)
def _code_digest() -> str:
    # Found, not imported: the digest reads the files, and importing them would import Splink.
    from importlib.metadata import version
    from importlib.util import find_spec

    digest = hashlib.sha256(f"{version('splink')}|{duckdb.__version__}".encode())
    names = (
        "blocking",
        "comparisons",
        "engines",
        "frame",
        "levels",
        "model",
        "priors",
        "term_frequencies",
    )
    for name in names:
        spec = find_spec(f"joinedup.linkage.{name}")
        digest.update(Path(str(spec.origin if spec else name)).read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


def _remember(key: str, script: Script) -> None:
    with _lock:
        _scripts[key] = script
        _scripts.move_to_end(key)
        while len(_scripts) > MAX_SCRIPTS:
            _scripts.popitem(last=False)


def _saved(key: str) -> Path | None:
    # Beside the frame caches: the statements hold the model's parameters and table names,
    # never a record's values. Off with the cache (``JOINEDUP_LINKAGE_CACHE=off``).
    from joinedup.config import Settings
    from joinedup.linkage.frame_cache import enabled

    if not enabled():
        return None
    return Settings.from_env().data_dir / "linkage-cache" / "splink-sql" / f"{key}.json"


def _load(key: str) -> Script | None:
    path = _saved(key)
    if path is None:
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return Script(tuple(doc["inputs"]), tuple(doc["statements"]), tuple(doc["outputs"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # none yet, or unreadable: record afresh


def _save(key: str, script: Script) -> None:
    path = _saved(key)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = path.with_suffix(".partial")
        doc = {"inputs": script.inputs, "statements": script.statements, "outputs": script.outputs}
        partial.write_text(json.dumps(doc), encoding="utf-8")
        partial.replace(path)
    except OSError as exc:
        log.warning("recorded scoring SQL not saved: %s", type(exc).__name__)


def _connect() -> duckdb.DuckDBPyConnection:
    # Configured as ``engines.db_api``'s connection: bounded memory, spilling under the data
    # directory.
    from joinedup.linkage.engines import duckdb_memory_limit, spill_directory

    connection = duckdb.connect(
        config={"memory_limit": duckdb_memory_limit(), "temp_directory": str(spill_directory())}
    )
    # No progress bar on stdout, where it would break `joinedup link --json` (as engines.py).
    connection.execute("SET enable_progress_bar = false")
    return connection


def _replay(script: Script, inputs: Mapping[str, Table]) -> list[pd.DataFrame]:
    connection = _connect()
    try:
        for name, table in inputs.items():
            connection.register(name, table)
        for statement in script.statements:
            connection.sql(statement)
        return [connection.sql(f"select * from {name}").df() for name in script.outputs]
    finally:
        connection.close()


def forget() -> None:
    """Drop every recorded script (tests; a process that changes Splink's settings code)."""
    with _lock:
        _scripts.clear()


def predict_new(
    settings: Callable[[str], dict[str, Any]],
    model_key: str,
    table: pa.Table,
    new_ids: set[str],
    threshold: float | None,
    term_frequencies: Mapping[str, pd.DataFrame],
    log_level: int,
) -> list[pd.DataFrame]:
    """Pairs of ``table`` (the model frame, `engines.conform`-ed) with at least one record in
    ``new_ids``, scored on DuckDB: new × the rest (``predict_between``) and new × new
    (``predict_within``), as ``PersonModel.predict`` asks. ``settings(dialect)`` gives the
    model's Splink settings (called only to record); ``model_key`` identifies the model."""

    is_new = pc.is_in(table.column("unique_id"), value_set=pa.array(sorted(new_ids), pa.string()))
    new_count = pc.sum(is_new).as_py() or 0
    if new_count == 0:
        return []
    inputs: dict[str, Table] = {"new_records": table.filter(is_new)}
    if new_count < table.num_rows:
        inputs["index_records"] = table.filter(pc.invert(is_new))
    # A name's frequency is looked up by value, so only the values these records hold matter:
    # a handful of rows instead of every name in the index, for the same scores.
    for column in term_frequencies:
        held = pc.unique(table.column(column).drop_null())
        inputs[f"tf_{column}"] = frequencies_of(term_frequencies, column, held)
    within = new_count > 1

    def build(api: Any, registered: Mapping[str, Any]) -> list[Any]:
        from splink import Linker  # only to record: a replay needs no Splink

        new = registered["new_records"]
        # Splink's settings check parses every comparison's SQL; the frame has the model's
        # columns by construction.
        linker = Linker(
            new,
            settings(api.sql_dialect.sql_dialect_str),
            log_level=log_level,
            validate_settings=False,
        )
        for column in term_frequencies:
            linker.table_management.register_term_frequency_lookup(
                registered[f"tf_{column}"], column
            )
        inference = linker.inference
        results = []
        if "index_records" in registered:
            results.append(
                inference.predict_between(
                    new,
                    registered["index_records"],
                    threshold_match_probability=threshold,
                    warning_mode="never",
                )
            )
        if within:
            results.append(
                inference.predict_within(
                    new, threshold_match_probability=threshold, warning_mode="never"
                )
            )
        return results

    return predict(script_key(model_key, threshold, list(inputs), within), inputs, build)
