"""The person model's levels by name, the SQL they share and the bounds on their weights.

Plain data, without Splink: what a saved model's parameters are checked and completed against
(`priors`, `model`) when no Splink settings need building — an attach that replays recorded
SQL. The comparisons themselves are built in `joinedup.linkage.comparisons`, which explains
the household rules these values serve.
"""

from __future__ import annotations

#: SQL: the two records are at the same dwelling (same UPRN, same postcode and house, or same
#: house and street where a postcode is missing or mistyped).
SHARED_ADDRESS = (
    "(uprn_l = uprn_r OR address_key_l = address_key_r "
    "OR (house_key_l = house_key_r AND street_key_l = street_key_r))"
)
#: SQL: the two records do not share an NHS number. Twins never do: an NHS number is issued to
#: one person, so the twins level must not take back a date of birth from a pair that has one.
NO_SHARED_NHS_NUMBER = (
    "(nhs_number_l IS NULL OR nhs_number_r IS NULL OR nhs_number_l <> nhs_number_r)"
)
#: SQL: the two records share at least a full postcode (a street's worth of households).
SHARED_POSTCODE = f"({SHARED_ADDRESS} OR postcode_l = postcode_r)"

# Level labels the model refers to when it fixes or bounds parameters. Labels are stable: they
# key the parameters in a saved model.
GIVEN_DIFFERENT = "given names differ"
GIVEN_OTHER_GENERATION = "two generations of one name (Snr, Jr)"
FAMILY_AT_SHARED_LOCATION = "family name agrees, shared postcode or address"
GIVEN_DIFFERENT_TWIN = "given names differ, same birth date and address"
DOB_EXACT = "date of birth exact"
DOB_DIFFERENT = "dates of birth differ"
NHS_DIFFERENT = "NHS numbers differ"
NHS_EXACT = "NHS number exact"
NHS_VALID_DIFFERENT = "two valid NHS numbers differ"
GIVEN_INITIAL = "initial agrees with the name"
LOCATION_DIFFERENT = "elsewhere"
FAMILY_DIFFERENT = "family names differ"
PHONE_DIFFERENT = "phones differ"
EMAIL_DIFFERENT = "emails differ"
LANDLINE_AT_SHARED_ADDRESS = "landline agrees, shared address"
LANDLINE = "a landline agrees"
MOBILE = "a mobile agrees"
MOBILE_HOUSEHOLD = "a mobile agrees, shared address, given names differ"
FAMILY_EXACT = "family name exact"
UPRN_AGREES = "UPRN agrees"
DWELLING = "postcode and house agree"
DWELLING_MISTYPED = "one house, its street or postcode mistyped"
AGE_CONFLICT = "an adult's title against a child's date of birth"

#: Below this age a person holds no tenancy, pays no council tax (liability starts at 18) and
#: is not a "Mrs" (no one under 18 may marry in England and Wales since 2023): a record that
#: carries an adult's title, or comes from a source of adults, and no date of birth is not a
#: child's. At 16 a council-tax "Mrs O Atkinson" joined her 16-year-old daughter's records.
ADULT_AGE = 18

#: The chance that two *different* people at one address share a date of birth: about 1.5% of
#: maternities are multiple births (ONS), so among pairs of people in one household it is a few
#: per cent at most — 2% is generous. Two records at one address with one date of birth and
#: different given names are therefore most likely twins, and the "given names differ" level
#: for that case takes back all but this much of the date of birth's weight (see
#: `joinedup.linkage.priors.apply_safety_rules`).
TWIN_SHARE = 0.02

#: How often two different people of one household share a family name: most pairs of people
#: at one address are family. `joinedup.linkage.households` measures it in the data at hand.
HOUSEHOLD_SURNAME_SHARE = 0.70

#: u values fixed for household-shared levels (the chance that two *different* people who share
#: an address agree on this field) where the records hold households; `priors` moves them
#: towards their plain counterparts as far as the data show chance co-residence instead
#: (`joinedup.linkage.households`). Why each number holds for any UK population:
#: - most pairs of people at one postcode or address are family, so their surnames agree more
#:   often than not — 70% leaves surname agreement there worth about half a bit;
#: - a landline rings in the whole household: most pairs at one address share it.
#: - a mobile is one person's, but a child's GP, school or social care record usually carries a
#:   parent's mobile as its contact number, and a dependent adult's a carer's: among differently
#:   named people at one address whose records both hold a mobile, about a third share it (in a
#:   family of two parents and two children whose records carry the mother's mobile, three of
#:   the six pairs). Without this, twins whose records both carry their mother's mobile merged.
HOUSEHOLD_FIXED_U: dict[tuple[str, str], float] = {
    ("family_name", FAMILY_AT_SHARED_LOCATION): HOUSEHOLD_SURNAME_SHARE,
    ("phone", LANDLINE_AT_SHARED_ADDRESS): 0.80,
    ("phone", MOBILE_HOUSEHOLD): 0.30,
}

#: Upper bounds on m for the "differs" levels of identifying fields. EM, run on blocks that are
#: rich in family members (same surname, same date of birth), tends to take relatives for
#: matches with a typo and so overstates how often one person's records disagree completely.
#: After the nickname, initial, middle-name, typo and swap levels, a whole different given name
#: or date of birth on two records of one person is an entry error that careful UK sources make
#: in well under 1% of records; two NHS numbers that both pass the Modulus 11 check and differ
#: in more than one digit are rarer still. A number that fails the check (a typo, or a national
#: id that is not an NHS number at all) is left to training: how noisy it is depends on the
#: source.
M_UPPER_BOUNDS: dict[tuple[str, str], float] = {
    ("given_name", GIVEN_DIFFERENT): 0.005,
    ("dob", AGE_CONFLICT): 0.002,
    ("dob", DOB_DIFFERENT): 0.005,
    ("nhs_number", NHS_VALID_DIFFERENT): 0.002,
}

#: The bounds above that exist because EM mistakes relatives for one person: twins (one birth
#: date, two given names) and a father and son of one name (two birth dates) fill the blocks EM
#: trains on. They hold in full in a population of households; where the records show that
#: different people at one address are not family (`linkage.households`: a list of individuals,
#: as FEBRL is), no relatives crowd those blocks and EM's m is this data's own rate of entry
#: errors, which a noisy source may put at several per cent. So the bound's strength in bits
#: scales with the household share *f*: the bound applied is ``bound ** f`` (0.005 at *f* = 1,
#: 0.007 at 0.95, 0.69 at 0.07 — no bound). A number that both pass Modulus 11 and differ is
#: rare for a reason that has nothing to do with relatives, and keeps its bound.
RELATIVES_BOUNDS: frozenset[tuple[str, str]] = frozenset(
    {("given_name", GIVEN_DIFFERENT), ("dob", DOB_DIFFERENT)}
)


#: Upper bounds on u for identifier agreement. An NHS number is issued to one person, so two
#: different people share one only through an error. Splink estimates u from random pairs, and
#: in a data set holding several records per person some random pairs are the same person —
#: enough, in a few thousand records, to make an NHS number look a thousand times less decisive
#: than it is.
U_UPPER_BOUNDS: dict[tuple[str, str], float] = {
    ("nhs_number", NHS_EXACT): 1e-6,
}


#: Lower bounds on m for "differs" levels of fields that change in a person's life. EM trains on
#: blocks where a person's records mostly agree, and can learn that they *never* differ — which
#: would make every move, marriage or new phone number decisive evidence against. About one in
#: ten people in England moves home each year and sources' records are years apart; surnames
#: change at marriage; people hold several phone numbers and email addresses.
M_LOWER_BOUNDS: dict[tuple[str, str], float] = {
    ("location", LOCATION_DIFFERENT): 0.05,
    ("family_name", FAMILY_DIFFERENT): 0.02,
    ("phone", PHONE_DIFFERENT): 0.10,
    ("email", EMAIL_DIFFERENT): 0.20,
}


#: Levels that are evidence *against* one person, more than the comparison's "differs" level can
#: be: the safety rule that no level weighs less than "differs" does not apply to them.
STRONGER_THAN_DIFFERS = frozenset({("nhs_number", NHS_VALID_DIFFERENT), ("dob", AGE_CONFLICT)})

#: Levels that hold only *away* from a shared address, with their household twin. Splink's m of
#: such a level is the chance that one person's two records agree on the field *and* live
#: apart, but the `location` comparison already weighs living apart. So the level takes the
#: chance that one person's records agree at all (see `priors.apply_safety_rules`), or a mover's
#: unchanged surname would count for nothing on top of the move. A mobile's household twin holds
#: only where the given names differ too, which the `given_name` comparison already weighs.
CONDITIONAL_LEVELS: dict[tuple[str, str], str] = {
    ("family_name", FAMILY_EXACT): FAMILY_AT_SHARED_LOCATION,
    ("phone", LANDLINE): LANDLINE_AT_SHARED_ADDRESS,
    ("phone", MOBILE): MOBILE_HOUSEHOLD,
}


#: The comparisons, in the order their evidence is shown (the ``mw_…`` columns' suffixes).
COMPARISON_NAMES = (
    "given_name",
    "family_name",
    "dob",
    "location",
    "nhs_number",
    "sex",
    "phone",
    "email",
)
