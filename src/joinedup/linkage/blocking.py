"""Which pairs of records the model scores (blocking), and which it trains on.

A pair is scored when any rule holds. Every rule joins on at least two fields, or on one that is
close to unique (NHS number, full date of birth with a name), so a block stays small even where
one surname is a tenth of the population: ``SMITH`` alone would put 10% of all records in one
block, ``SMITH`` + date of birth a handful. Together the rules still reach a person's records
through any one changed field: a married name (given name + date of birth), a move (names + date
of birth), a typo in a name (date of birth + postcode sector, or postcode + initial), a missing
date of birth (names + postcode district).
"""

from __future__ import annotations

#: Rules for prediction, as SQL over ``l.`` and ``r.``; valid in DuckDB and Spark SQL.
PREDICTION_RULES: tuple[str, ...] = (
    "l.nhs_number = r.nhs_number",
    "l.dob = r.dob AND l.family_key = r.family_key",
    "l.dob = r.dob AND l.given_key = r.given_key",
    "l.dob = r.dob AND l.postcode_sector = r.postcode_sector",
    "l.dob = r.dob AND l.given_initial = r.given_initial "
    "AND l.postcode_district = r.postcode_district",
    "l.given_key = r.given_key AND l.family_key = r.family_key "
    "AND l.postcode_district = r.postcode_district",
    "l.given_key = r.given_key AND l.family_key = r.family_key AND l.dob_year = r.dob_year",
    "l.postcode = r.postcode AND l.given_initial = r.given_initial",
    "l.house_key = r.house_key AND l.street_key = r.street_key "
    "AND l.given_initial = r.given_initial",
    "l.given_key = r.family_key AND l.family_key = r.given_key",
)

#: Blocks for EM training: each trains every comparison but the ones it joins on. Date of birth
#: trains names and location; names + year train date of birth and location.
TRAINING_RULES: tuple[str, ...] = (
    "l.dob = r.dob",
    "l.given_key = r.given_key AND l.family_key = r.family_key",
)

#: Rules that almost only join records of one person: they estimate how many pairs match.
DETERMINISTIC_RULES: tuple[str, ...] = (
    "l.nhs_number = r.nhs_number AND l.dob = r.dob",
    "l.given_key = r.given_key AND l.family_key = r.family_key AND l.dob = r.dob",
)

#: The share of true matches the deterministic rules are assumed to find.
DETERMINISTIC_RECALL = 0.7
