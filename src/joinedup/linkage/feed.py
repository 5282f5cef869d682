"""The change feed: which record versions the master person index has not caught up with.

Each version in ``source_records`` carries ``linked_run``: NULL from ingest, set by the link run
that takes the version into the index, and set back to NULL by the run that takes it out once
it has ended. So the index lags the store exactly on

- *pending* versions — current, ``linked_run`` NULL: new since the last run, or a record's new
  version;
- *ended* versions — no longer current, ``linked_run`` set: the index still holds them.

Both are partial indexes (migration ``0005``) that hold only those rows, so finding what changed
is an indexed read of a few rows however large the store. A watermark on ids would be cheaper
still but is not safe: PostgreSQL commits ids out of order, so a smaller id can appear after a
run has passed it.

A run marks exactly the versions it took in or out, by id, in its own transaction: a version
ingested while it ran stays pending for the next run, and a failed run leaves no mark.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

# Ids per statement: under SQLite's historic limit of 999 bound parameters.
_CHUNK = 900
# Ids per statement where the list is one parameter: a few MB of text or array at most.
_LIST_CHUNK = 200_000

# The predicates must read exactly as the partial indexes' (``store.tables``): SQLite uses a
# partial index only when a query's WHERE spells out the index's own terms.
_PENDING = "SELECT id FROM source_records WHERE valid_to IS NULL AND linked_run IS NULL"
_ENDED = "SELECT id FROM source_records WHERE valid_to IS NOT NULL AND linked_run IS NOT NULL"


@dataclass(frozen=True)
class Feed:
    """Version ids (``source_records.id``) pending and ended, as sorted int64 arrays."""

    pending: np.ndarray
    ended: np.ndarray


def read(session: Session) -> Feed:
    """The versions the index lags on, read from the two partial indexes."""
    return Feed(_ids(session, _PENDING), _ids(session, _ENDED))


def _ids(session: Session, query: str) -> np.ndarray:
    rows = session.connection().execute(text(query)).all()
    return np.sort(np.array([row[0] for row in rows], dtype=np.int64))


def mark_linked(session: Session, run_id: int, ids: Iterable[int]) -> None:
    """Record that run ``run_id`` took these versions into the index."""
    _update(session, "linked_run = :run", "linked_run IS NULL", ids, {"run": run_id})


def mark_unlinked(session: Session, ids: Iterable[int]) -> None:
    """Record that these ended versions have left the index."""
    _update(session, "linked_run = NULL", "valid_to IS NOT NULL AND linked_run IS NOT NULL", ids)


def _update(
    session: Session,
    assignment: str,
    condition: str,
    ids: Iterable[int],
    params: dict[str, Any] | None = None,
) -> None:
    # A first run marks every record: a statement per 900 ids made ~1,100 of them at a million
    # records. Both backends take a whole list as one parameter instead: PostgreSQL as an array,
    # SQLite as JSON text it unpacks with json_each (built in since 3.38). Others get chunks.
    connection = session.connection()
    ordered = sorted({int(i) for i in ids})
    dialect = connection.dialect.name
    update = f"UPDATE source_records SET {assignment} WHERE {condition} AND id "
    if dialect == "postgresql":
        statement = text(update + "= ANY(CAST(:ids AS BIGINT[]))")
        pack: Callable[[list[int]], Any] = list
        size = _LIST_CHUNK
    elif dialect == "sqlite" and sqlite3.sqlite_version_info >= (3, 38):
        statement = text(update + "IN (SELECT value FROM json_each(:ids))")
        pack, size = json.dumps, _LIST_CHUNK
    else:
        statement = text(update + "IN :ids").bindparams(bindparam("ids", expanding=True))
        pack, size = list, _CHUNK
    for start in range(0, len(ordered), size):
        connection.execute(
            statement, {**(params or {}), "ids": pack(ordered[start : start + size])}
        )
