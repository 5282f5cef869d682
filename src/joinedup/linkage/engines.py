"""Where the model's SQL runs: DuckDB in process by default, Spark where one machine is not enough.

Backend differences live here and nowhere else. PySpark is imported only when ``engine="spark"``
is asked for, so ``import joinedup`` never starts a JVM. Frames cross into an engine as Arrow
tables with an explicit schema: a column that is null throughout (a source without phones) must
still be a list of strings, not whatever type an engine would guess.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from joinedup.errors import JoinedupError
from joinedup.linkage.frame import FRAME_COLUMNS, LIST_COLUMNS

Engine = Literal["duckdb", "spark"]
ENGINES: tuple[str, ...] = ("duckdb", "spark")


def check_engine(engine: str) -> Engine:
    """Return ``engine`` if it is one joinedup can run on, else raise `JoinedupError`."""
    if engine not in ENGINES:
        raise JoinedupError(
            f"unknown linkage engine {engine!r}; choose one of {', '.join(ENGINES)}"
        )
    return engine  # type: ignore[return-value]


def arrow_schema(extra: tuple[str, ...] = ()) -> pa.Schema:
    """The Arrow schema of the model's input frame: strings, and lists of strings.

    ``extra`` names further string columns (the training frame's block columns).
    """
    return pa.schema(
        [
            pa.field(name, pa.list_(pa.string()) if name in LIST_COLUMNS else pa.string())
            for name in (*FRAME_COLUMNS, *extra)
        ]
    )


def to_arrow(df: pd.DataFrame, extra: tuple[str, ...] = ()) -> pa.Table:
    """The input frame as an Arrow table with `arrow_schema`; empty lists become nulls.

    Splink treats a null as "not known" (no evidence) but an empty list as a value that agrees
    with nothing, so a record without phones must carry null, not ``[]``.
    """
    missing = [name for name in FRAME_COLUMNS if name not in df.columns]
    if missing:
        raise JoinedupError(
            "the linkage frame lacks columns "
            + ", ".join(missing)
            + "; build it with records_frame"
        )
    schema = arrow_schema(extra)
    try:
        return _to_arrow_fast(df, schema)
    except (pa.ArrowException, TypeError, ValueError):
        pass  # a stray non-string value: convert value by value below
    arrays = []
    for name in (*FRAME_COLUMNS, *extra):
        values = df[name].tolist()
        if name in LIST_COLUMNS:
            values = [list(v) if v is not None and len(v) else None for v in values]
        else:
            values = [
                None if v is None or (isinstance(v, float) and v != v) else str(v) for v in values
            ]
        arrays.append(values)
    return pa.Table.from_arrays(
        [pa.array(values, type=field.type) for values, field in zip(arrays, schema, strict=True)],
        schema=schema,
    )


def conform(table: pa.Table) -> pa.Table:
    """An Arrow frame (the frame cache's, say) as `to_arrow` would give it: the model's
    columns in order with `arrow_schema`, empty lists as nulls."""
    schema = arrow_schema()
    return _empty_lists_as_nulls(table.select(schema.names).cast(schema), schema)


def _to_arrow_fast(df: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    # pyarrow converts a whole column at once, many times faster than value by value — it
    # matters when one new record is scored against an index of a million.
    table = pa.Table.from_pandas(df[schema.names], schema=schema, preserve_index=False)
    return _empty_lists_as_nulls(table, schema)


def _empty_lists_as_nulls(table: pa.Table, schema: pa.Schema) -> pa.Table:
    columns = []
    for name, column in zip(schema.names, table.columns, strict=True):
        if name in LIST_COLUMNS:
            empty = pc.equal(pc.list_value_length(column), 0)
            column = pc.if_else(empty, pa.scalar(None, column.type), column)
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=schema)


def db_api(engine: str = "duckdb") -> Any:
    """A fresh Splink database API for ``engine`` (DuckDB: a new in-memory connection)."""
    check_engine(engine)
    if engine == "spark":
        from splink import SparkAPI

        # A new session per API shares the context (and its JVM) but not the temporary views, so
        # a second run in the same process can register its "records" table again.
        return SparkAPI(spark_session=spark_session().newSession())
    import duckdb
    from splink import DuckDBAPI

    # DuckDB creates the spill directory itself but not its parents; with PostgreSQL as the store
    # nothing else creates the data directory, and a query that must spill would then fail.
    spill = spill_directory()
    spill.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect(
        config={"memory_limit": duckdb_memory_limit(), "temp_directory": str(spill)}
    )
    # DuckDB draws a progress bar on stdout, terminal or not, for any query over two seconds:
    # it would land in the middle of `joinedup link --json`. (A session setting, not a config.)
    connection.execute("SET enable_progress_bar = false")
    return DuckDBAPI(connection=connection)


def duckdb_memory_limit() -> str:
    """How much memory DuckDB may hold before it spills to disk (``JOINEDUP_DUCKDB_MEMORY_LIMIT``).

    DuckDB's own default is 80% of the machine, which leaves the Python side of a large full run
    — the scored pairs, clustering — too little, and the process is killed instead of spilling.
    """
    return os.environ.get("JOINEDUP_DUCKDB_MEMORY_LIMIT", "50%")


def spill_directory() -> Path:
    """Where DuckDB spills what does not fit (``JOINEDUP_DUCKDB_TEMP_DIR``; default under the
    data directory, never the current directory, which DuckDB would otherwise use)."""
    from joinedup.config import Settings

    configured = os.environ.get("JOINEDUP_DUCKDB_TEMP_DIR")
    return Path(configured) if configured else Settings.from_env().data_dir / "linkage-spill"


def register(api: Any, df: pd.DataFrame | pa.Table, name: str, extra: tuple[str, ...] = ()) -> Any:
    """Register a frame with a Splink database API under a display name (a SplinkDataFrame)."""
    table = df if isinstance(df, pa.Table) else to_arrow(df, extra)
    if type(api).__name__ == "SparkAPI":
        spark = api.spark
        spark_df = spark.createDataFrame(table)
        return api.register(spark_df, dataset_display_name=name)
    return api.register(table, dataset_display_name=name)


def register_term_frequency_tables(
    linker: Any, api: Any, tables: Mapping[str, pd.DataFrame]
) -> None:
    """Register ready name-frequency tables (column → frame of value, ``tf_<column>``) with a
    linker, so scoring part of the index uses the frequencies of the whole of it."""
    for column, table in tables.items():
        frame = api.spark.createDataFrame(table) if type(api).__name__ == "SparkAPI" else table
        sdf = api.register(frame, dataset_display_name=f"tf_{column}")
        linker.table_management.register_term_frequency_lookup(sdf, column)


@lru_cache(maxsize=1)
def spark_session() -> Any:
    """A local Spark session for Splink (``local[2]``), created once per process.

    Uses Splink's similarity-function jar, four shuffle partitions (right for two cores) and a
    temporary checkpoint directory, which Splink's Spark backend requires. No web UI and no
    progress bars on the console; the driver logs at ``JOINEDUP_SPARK_LOG_LEVEL`` (errors only by
    default) from its first line, and the JVM's start-up notices are left out
    (:mod:`joinedup.linkage.spark_console`).
    """
    try:
        from pyspark import SparkConf, SparkContext
        from pyspark.sql import SparkSession
        from splink.backends.spark import similarity_jar_location
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise JoinedupError(
            "engine 'spark' needs PySpark: install joinedup with the 'spark' extra"
        ) from exc
    from joinedup.linkage import spark_console

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    level = spark_console.configure_log4j()
    master = os.environ.get("JOINEDUP_SPARK_MASTER", "local[2]")
    conf = (
        SparkConf()
        .setMaster(master)
        .setAppName("joinedup-linkage")
        .set("spark.jars", similarity_jar_location())
        .set("spark.sql.shuffle.partitions", "4")
        .set("spark.default.parallelism", "4")
        .set("spark.ui.enabled", "false")
        # The [Stage 3:=====>] bars on the terminal say nothing a person running a link can use.
        .set("spark.ui.showConsoleProgress", "false")
        .set("spark.driver.memory", os.environ.get("JOINEDUP_SPARK_DRIVER_MEMORY", "2g"))
    )
    gateway = spark_console.launch_gateway(conf)
    if gateway is not None:
        SparkContext(conf=conf, gateway=gateway)
        session = SparkSession.builder.getOrCreate()
    else:
        session = SparkSession.builder.config(conf=conf).getOrCreate()
    if level is not None:
        # joinedup's file said so from the JVM's first line; this also holds for a context
        # that was running before this one.
        session.sparkContext.setLogLevel(level)
    session.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="joinedup-spark-"))
    return session
