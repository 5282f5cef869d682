"""``records_frame`` reads a data frame of rows as it reads the same rows as mappings."""

from __future__ import annotations

from datetime import date

import pandas as pd

from joinedup.linkage.frame import records_frame

ROWS = [
    {"source_id": "gp", "record_id": "1", "given_name": "Bill", "family_name": "Smith",
     "date_of_birth": date(1961, 4, 3), "phones": ["+447700900123"], "other_family_names": [],
     "postcode": "LS6 2AB", "title": "Mr", "sex": None},
    {"source_id": "council_tax", "record_id": "A7", "given_name": "J", "family_name": "SMITH",
     "date_of_birth": None, "phones": [], "other_family_names": ["Jones"], "postcode": None,
     "title": None, "sex": "male"},
    {"source_id": "charity", "record_id": "x", "given_name": None, "family_name": "Nowak",
     "date_of_birth": None, "phones": [], "other_family_names": [], "postcode": "LS6 2AB",
     "title": "Ms", "sex": None},
]  # fmt: skip


def test_a_data_frame_of_rows_gives_the_frame_the_mappings_give() -> None:
    as_mappings = records_frame(ROWS, adult_sources={"council_tax"})
    as_frame = records_frame(pd.DataFrame.from_records(ROWS), adult_sources={"council_tax"})
    pd.testing.assert_frame_equal(as_frame, as_mappings)
