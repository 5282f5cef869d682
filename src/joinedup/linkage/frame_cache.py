"""A cache of the index's model frame, so an incremental run does not rebuild it from scratch.

An incremental run scores new records against every record of the index, so it needs the whole
model frame (``frame.records_frame``). Reading a large store and deriving the frame is the
slowest part of attaching a handful of records, and almost all of it is the same as last time.
So each successful run leaves the frame it used, with the version of each record, in an Arrow
file under ``JOINEDUP_DATA_DIR/linkage-cache/``; the next run loads it, drops records that
changed or ended, and derives only the new and changed ones.

The cache is only a copy: it is used only when it was written by the last successful run
against the same database, and is rebuilt from the store otherwise. It holds the derived matching
fields (name keys, dates of birth, postcodes, phones, e-mails), so it is written owner-only
(0600) beside the database's own data; set ``JOINEDUP_LINKAGE_CACHE=off`` to never write one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
from sqlalchemy.engine import Engine

from joinedup.linkage.engines import arrow_schema, to_arrow
from joinedup.linkage.frame import FRAME_COLUMNS

log = logging.getLogger(__name__)

VERSION_COLUMN = "record_version"
_FORMAT = "joinedup-frame-cache/1"


def enabled() -> bool:
    """Whether runs may write and read the cache (``JOINEDUP_LINKAGE_CACHE`` not ``off``)."""
    return os.environ.get("JOINEDUP_LINKAGE_CACHE", "").strip().lower() not in {"off", "0", "no"}


def _directory(engine: Engine) -> Path:
    from joinedup.config import Settings

    # One cache per database, named by a digest of its URL (never the URL, which may hold a
    # password).
    url = engine.url.render_as_string(hide_password=False)
    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    return Settings.from_env().data_dir / "linkage-cache" / digest


def load(engine: Engine, run_id: int) -> tuple[pd.DataFrame, dict[str, int]] | None:
    """The frame and record versions the run ``run_id`` left, or ``None`` if there is no such
    cache (never written, written by another run, disabled, or unreadable)."""
    if not enabled():
        return None
    directory = _directory(engine)
    try:
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
        if meta.get("format") != _FORMAT or meta.get("run_id") != run_id:
            return None
        table = feather.read_table(directory / "frame.arrow")
    except (OSError, ValueError, pa.ArrowException):
        return None
    frame = table.to_pandas()
    # List columns come back as arrays, or null where records_frame had an empty list; the
    # model reads both the same way (engines.to_arrow), and converting a million of them back
    # would cost more than the rest of the load.
    versions = dict(zip(frame["unique_id"], frame.pop(VERSION_COLUMN).tolist(), strict=True))
    return frame, versions


def _as_table(frame: pd.DataFrame) -> pa.Table:
    # pyarrow's own conversion is several times faster than the model's value-by-value one;
    # fall back to that for a frame it cannot take (a stray non-string value).
    try:
        return pa.Table.from_pandas(
            frame[list(FRAME_COLUMNS)], schema=arrow_schema(), preserve_index=False
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return to_arrow(frame)


def save(engine: Engine, run_id: int, frame: pd.DataFrame, versions: dict[str, int]) -> None:
    """Leave ``frame`` (with each record's version) for the run after ``run_id``.

    Written to a temporary name and renamed, so a reader sees the old cache or the new one,
    never half of one. A failure to write is logged and the cache removed: it only costs time.
    """
    if not enabled():
        return
    directory = _directory(engine)
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        (directory / "meta.json").unlink(missing_ok=True)
        table = _as_table(frame).append_column(
            VERSION_COLUMN, pa.array([versions[key] for key in frame["unique_id"]], pa.int64())
        )
        partial = directory / "frame.arrow.partial"
        with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
            feather.write_feather(table, out, compression="uncompressed")
        partial.replace(directory / "frame.arrow")
        meta = {"format": _FORMAT, "run_id": run_id, "records": len(frame)}
        (directory / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    except (OSError, pa.ArrowException) as exc:
        log.warning("linkage frame cache not written: %s", type(exc).__name__)
        (directory / "meta.json").unlink(missing_ok=True)
