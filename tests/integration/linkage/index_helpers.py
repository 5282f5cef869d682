"""Helpers for the master person index tests: a stub scorer and a store that acts like ingest."""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

import pandas as pd
import pyarrow as pa
from sqlalchemy.engine import Engine

from joinedup.linkage.persons import current_membership
from joinedup.linkage.thresholds import (
    REVIEW_LOWER,
    UNAMBIGUOUS_PROBABILITY,
    probability_to_weight,
)
from joinedup.store import batches, records, sources
from joinedup.store.db import session_scope

SOURCE = "gp"
UNCERTAIN = (REVIEW_LOWER + UNAMBIGUOUS_PROBABILITY) / 2


class StubScorer:
    """Scores pairs by exact agreement: all of given, family, birth date → 0.99999 (links);
    given and family but a birth date missing → `UNCERTAIN` (in the review band, below where an
    unambiguous pair links on its own); anything else unscored."""

    #: The pairs it scores; an incremental run selects the index records they can reach.
    blocking_rules = ("l.given_key = r.given_key AND l.family_key = r.family_key",)

    def __init__(self) -> None:
        self.calls: list[int] = []

    def predict(
        self,
        df: pd.DataFrame | pa.Table,
        *,
        new_ids: set[str] | None = None,
        engine: str = "duckdb",
        term_frequencies: Any = None,
    ) -> pd.DataFrame:
        if isinstance(df, pa.Table):
            df = df.to_pandas()
        self.calls.append(len(df) if new_ids is None else len(new_ids))
        rows = df.to_dict("records")
        out = []
        for a, b in itertools.combinations(rows, 2):
            if (
                new_ids is not None
                and a["unique_id"] not in new_ids
                and b["unique_id"] not in new_ids
            ):
                continue
            if not a["given_key"] or a["given_key"] != b["given_key"]:
                continue
            if a["family_key"] != b["family_key"]:
                continue
            if a["dob"] and b["dob"]:
                if a["dob"] != b["dob"]:
                    continue
                probability, mw_dob = 0.99999, 9.0
            else:
                probability, mw_dob = UNCERTAIN, 0.0
            left, right = sorted((a["unique_id"], b["unique_id"]))
            weight = 16.6 if probability > 0.99 else probability_to_weight(UNCERTAIN)
            out.append(
                {
                    "unique_id_l": left,
                    "unique_id_r": right,
                    "match_weight": weight,
                    "match_probability": probability,
                    "mw_name": weight - mw_dob,
                    "mw_dob": mw_dob,
                }
            )
        columns = ["unique_id_l", "unique_id_r", "match_weight", "match_probability"]
        return pd.DataFrame(out, columns=[*columns, "mw_name", "mw_dob"])

    def to_json(self) -> str:
        return '{"format": "stub"}'


class Store:
    """Puts records into the store the way ingest does: new versions in a batch, ends old ones."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.versions: dict[str, int] = {}
        with session_scope(engine) as session:
            sources.ensure_organisation(session, "org", "Test organisation")
            sources.ensure_source(
                session,
                source_id=SOURCE,
                organisation_id="org",
                name="GP system",
                format="csv",
                category=None,
                mapping_text="",
                mapping_sha256="0" * 64,
            )

    def put(self, *people: dict[str, Any]) -> None:
        """Store each person dict (``record_id`` plus person fields) as a new or next version."""
        with session_scope(self.engine) as session:
            batch = batches.start_batch(
                session, source_id=SOURCE, file_name="x.csv", file_sha256="0" * 64, full=False
            )
            current = records.current_versions(session, SOURCE)
            ended = [current[p["record_id"]].id for p in people if p["record_id"] in current]
            records.end_versions(session, ended, records.utcnow(), batch_id=batch.id)
            rows = []
            for person in people:
                version = self.versions.get(person["record_id"], 0) + 1
                self.versions[person["record_id"]] = version
                digest = hashlib.sha256(repr(sorted(person.items())).encode()).hexdigest()
                rows.append(
                    {
                        **person,
                        "source_id": SOURCE,
                        "version": version,
                        "batch_id": batch.id,
                        "content_hash": digest,
                        "raw": {},
                    }
                )
            records.insert_versions(session, rows)

    def end(self, *record_ids: str) -> None:
        """End records (a full extract no longer holds them)."""
        with session_scope(self.engine) as session:
            batch = batches.start_batch(
                session, source_id=SOURCE, file_name="x.csv", file_sha256="0" * 64, full=True
            )
            current = records.current_versions(session, SOURCE)
            records.end_versions(
                session, [current[r].id for r in record_ids], records.utcnow(), batch_id=batch.id
            )

    def persons(self) -> dict[str, str]:
        """record id → person id, for every record in the index now."""
        with session_scope(self.engine) as session:
            return {
                key.split("|", 1)[1]: linked.person_id
                for key, linked in current_membership(session).items()
            }


def person(record_id: str, given: str, family: str, dob: str | None = None) -> dict[str, Any]:
    return {
        "record_id": record_id,
        "given_name": given,
        "family_name": family,
        "date_of_birth": dob,
    }


def key(record_id: str) -> str:
    return f"{SOURCE}|{record_id}"


def amara_twice_and_tomasz(engine: Engine) -> Store:
    """A store of four records: Amara Okafor twice with her date of birth and once without,
    and Tomasz Nowak — what the link command's tests run on."""
    store = Store(engine)
    store.put(
        person("1", "Amara", "Okafor", "1980-01-02"),
        person("2", "Amara", "Okafor", "1980-01-02"),
        person("3", "Tomasz", "Nowak", "1975-05-06"),
        person("4", "Amara", "Okafor"),
    )
    return store
