"""Whether the records' addresses hold households: measured, so the household rules fit the data.

The model treats a shared address as one piece of evidence because, in a UK population, two
different people at one address are usually family: they share a surname (~70%), a landline,
sometimes a birthday (twins). Random-pair sampling cannot see such pairs, so those rates are
fixed (`levels.HOUSEHOLD_FIXED_U`, `levels.TWIN_SHARE`). But not every data set is a population
of households: in a list of individuals whose addresses were drawn independently (FEBRL, many
test sets, some registers) two different people at one address met by chance, and their
surnames and birthdays agree no more often than any two people's. There the household rules
take back evidence that nothing contradicts.

The records say which world they come from. Pairs of records at one dwelling whose given names
start with different letters *and* whose years of birth are 12 or more apart are different
people (one person's records would need two errors at once). Among them, the share with one
family name is about 0.70 in households and about the chance rate where co-residence is chance.
`household_share` turns that into the share of different people at one address who are a
household, which `priors.apply_safety_rules` uses to weigh the household levels between their
household values and their plain counterparts.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from joinedup.linkage.levels import HOUSEHOLD_SURNAME_SHARE

#: Until the records show a few dozen pairs of clearly different people at one address, the
#: model assumes households, as a UK population has: the measured share is shrunk towards
#: `HOUSEHOLD_SURNAME_SHARE` by this many pairs.
PSEUDO_PAIRS = 20

#: Years of birth at least this far apart, with different initials, are two people: a single
#: mistyped digit of a year moves it by at most 9 in its last digit.
GENERATION_GAP = 12

_READS = (
    "unique_id",
    "given_initial",
    "family_key",
    "dob_year",
    "uprn",
    "address_key",
)

# A dwelling is a UPRN or a postcode and house. Not house and street alone (the model's fallback
# for a missing postcode): across a city "12 Church Road" is many dwellings, and at a million
# records such chance meetings outnumbered households.
_SQL = f"""
WITH r AS (
    SELECT unique_id, given_initial, family_key, TRY_CAST(dob_year AS INTEGER) AS y,
           uprn, address_key
    FROM records
    WHERE given_initial IS NOT NULL AND family_key IS NOT NULL AND dob_year IS NOT NULL
),
shared AS (
    SELECT a.unique_id AS l, b.unique_id AS r FROM r a JOIN r b
        ON a.uprn = b.uprn AND a.unique_id < b.unique_id
    UNION
    SELECT a.unique_id, b.unique_id FROM r a JOIN r b
        ON a.address_key = b.address_key AND a.unique_id < b.unique_id
)
SELECT count(*), coalesce(sum(CASE WHEN a.family_key = b.family_key THEN 1 ELSE 0 END), 0)
FROM shared s JOIN r a ON a.unique_id = s.l JOIN r b ON b.unique_id = s.r
WHERE a.given_initial <> b.given_initial AND abs(a.y - b.y) >= {GENERATION_GAP}
"""


@dataclass(frozen=True)
class Coresidents:
    """Pairs of clearly different people at one dwelling, and how many share a family name."""

    pairs: int
    same_family_name: int

    def surname_share(self) -> float:
        """The share with one family name, shrunk towards a household population's."""
        prior = PSEUDO_PAIRS * HOUSEHOLD_SURNAME_SHARE
        return (self.same_family_name + prior) / (self.pairs + PSEUDO_PAIRS)

    def household_share(self, u_family_name: float) -> float:
        """The share of different people at one address who are a household, not a chance
        meeting: the surname share is ``f * 0.70 + (1 - f) * u``, with ``u`` the chance two
        people share a family name (the model's u for "family name exact")."""
        chance = min(max(u_family_name, 0.0), HOUSEHOLD_SURNAME_SHARE / 2)
        share = (self.surname_share() - chance) / (HOUSEHOLD_SURNAME_SHARE - chance)
        return min(1.0, max(0.0, share))


def measure(table: pa.Table) -> Coresidents:
    """Count clearly different people at one dwelling in a frame (a `records_frame` table)."""
    records = table.select(list(_READS))
    with duckdb.connect() as connection:
        connection.execute("SET enable_progress_bar = false")
        connection.register("records", records)
        row = connection.execute(_SQL).fetchone()
    pairs, same = row if row else (0, 0)
    return Coresidents(int(pairs), int(same))
