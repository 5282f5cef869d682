"""Which pairs of records the model scores (blocking), and which it trains on.

A pair is scored when any rule holds. Every rule joins on at least two fields, or on one that is
close to unique (NHS number, full date of birth with a name), so a block stays small even where
one surname is a tenth of the population: ``SMITH`` alone would put 10% of all records in one
block, ``SMITH`` + date of birth a handful. Together the rules still reach a person's records
through any one changed field: a married name (given name + date of birth), a move (names + date
of birth), a typo in a name (date of birth + postcode sector, or postcode + initial), a missing
date of birth (names + postcode district), a mistyped postcode (date of birth or full name +
house number), no given name at all or an NHS number with one digit wrong (the dwelling with the
surname or half the number).
"""

from __future__ import annotations

#: Rules for prediction, as SQL over ``l.`` and ``r.``; valid in DuckDB and Spark SQL.
#:
#: Broadest first. Splink keeps a pair once by adding to each rule "and no earlier rule holds",
#: evaluated on every candidate the rule joins, so a broad rule late in the list pays for every
#: rule before it millions of times. The same pairs come out in any order; at a million records
#: this order took blocking from 23 to 15 CPU seconds. The rules without a date of birth or an
#: identifier are the broad ones in any population: a common name in a district, an initial in
#: a postcode.
PREDICTION_RULES: tuple[str, ...] = (
    # A missing date of birth: the names within a district.
    "l.given_key = r.given_key AND l.family_key = r.family_key "
    "AND l.postcode_district = r.postcode_district",
    # A mistyped name at one postcode.
    "l.postcode = r.postcode AND l.given_initial = r.given_initial",
    # A record with no given name nor initial (a council-tax "Mr Smith") has nothing else to
    # join on: its surname at its dwelling. Not every surname at a dwelling — that is every
    # pair in a family, 1.2M of them in a million records, to reach these few.
    "l.address_key = r.address_key AND l.nameless_family = r.family_key",
    "l.address_key = r.address_key AND l.family_key = r.nameless_family",
    # An NHS number with one digit wrong at one dwelling, where the names were recorded
    # differently too: nothing else joins the two records.
    "l.address_key = r.address_key AND l.nhs_head = r.nhs_head",
    "l.address_key = r.address_key AND l.nhs_tail = r.nhs_tail",
    # A move: the names and the year of birth.
    "l.given_key = r.given_key AND l.family_key = r.family_key AND l.dob_year = r.dob_year",
    "l.house_key = r.house_key AND l.street_key = r.street_key "
    "AND l.given_initial = r.given_initial",
    "l.given_key = r.given_key AND l.family_key = r.family_key AND l.house_key = r.house_key",
    "l.given_key = r.family_key AND l.family_key = r.given_key",
    "l.dob = r.dob AND l.postcode_sector = r.postcode_sector",
    # A married name: the given name and the date of birth.
    "l.dob = r.dob AND l.given_key = r.given_key",
    # A mistyped or missing postcode: the house number still places the record.
    "l.dob = r.dob AND l.house_key = r.house_key",
    "l.dob = r.dob AND l.given_initial = r.given_initial "
    "AND l.postcode_district = r.postcode_district",
    "l.dob = r.dob AND l.family_key = r.family_key",
    # An overseas or partial postcode has no sector: the whole postcode stands in for it.
    "l.dob = r.dob AND l.postcode = r.postcode",
    # A personal mobile or email outlasts a move and a new surname, and a council-tax row has
    # nothing else that does (no date of birth).
    "l.mobile_key = r.mobile_key",
    "l.nhs_number = r.nhs_number",
    "l.email_key = r.email_key",
    # Names swapped, and one of them mistyped: the other still agrees, and so does the birth date.
    "l.given_key = r.family_key AND l.dob = r.dob",
    "l.family_key = r.given_key AND l.dob = r.dob",
)

#: Blocks for EM training: (alias column, the fields it joins, the comparisons it may train, a
#: column that only the blocked comparisons use). Within one date of birth, names and location
#: say who is who; within one full name, date of birth and location do.
#:
#: Splink leaves out of a training session every comparison whose levels mention a column the
#: block joins on — and the household-aware levels mention date of birth and address in the
#: name comparison, which would leave names untrained. So a block joins on an alias column, and
#: names the marker column in an always-true condition, which makes Splink leave out exactly the
#: blocked comparisons (a blocked comparison left in would show every pair agreeing and drive
#: EM to call every pair a match).
TRAINING_BLOCKS: tuple[tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "train_dob",
        ("dob",),
        ("given_name", "family_name", "location", "nhs_number", "sex", "phone", "email"),
        ("dob_year",),
    ),
    (
        "train_name",
        ("given_key", "family_key"),
        ("dob", "location", "nhs_number", "sex", "phone", "email"),
        ("given_initial", "family_all"),
    ),
)


def training_rule(alias: str, markers: tuple[str, ...]) -> str:
    """The SQL of an EM training block: equal alias column, plus always-true marker terms."""
    terms = [f"l.{alias} = r.{alias}"]
    terms += [f"(l.{m} IS NULL OR l.{m} IS NOT NULL)" for m in markers]
    return " AND ".join(terms)


#: Rules that almost only join records of one person: they estimate how many pairs match.
DETERMINISTIC_RULES: tuple[str, ...] = (
    "l.nhs_number = r.nhs_number AND l.dob = r.dob",
    "l.given_key = r.given_key AND l.family_key = r.family_key AND l.dob = r.dob",
)

#: The share of true matches the deterministic rules are assumed to find.
DETERMINISTIC_RECALL = 0.7
