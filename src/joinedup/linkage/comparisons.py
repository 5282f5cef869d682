"""The comparisons of the person model: which pieces of evidence it weighs, and at what levels.

Each comparison is one column of evidence in Splink's Fellegi–Sunter model, and the model adds
their match weights as if they were independent. People who live together are the reason that
is wrong for person data: a household shares its postcode, address, usually its surname and
often a landline, so summing those as independent evidence merges twins, fathers and sons, and
siblings. Here the household is ONE piece of evidence — the `location` comparison — and the
levels of the other comparisons that a household shares ("surname agrees *at a shared
address*", "landline agrees *at a shared address*", "given names differ *with one date of birth
at one address*" — twins) are separate levels whose weight is fixed from what holds for any UK
population, not trained, because a random sample of pairs almost never contains two people at
one address and so cannot estimate them.

Comparisons are built from Splink's level library so that the same definitions produce DuckDB
and Spark SQL.
"""

from __future__ import annotations

from datetime import date

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator
from splink.internals.dialects import SplinkDialect

from joinedup.linkage.levels import (
    ADULT_AGE,
    AGE_CONFLICT,
    DOB_DIFFERENT,
    DOB_EXACT,
    DWELLING,
    DWELLING_MISTYPED,
    EMAIL_DIFFERENT,
    FAMILY_AT_SHARED_LOCATION,
    FAMILY_DIFFERENT,
    FAMILY_EXACT,
    GIVEN_DIFFERENT,
    GIVEN_DIFFERENT_TWIN,
    GIVEN_INITIAL,
    GIVEN_OTHER_GENERATION,
    LANDLINE,
    LANDLINE_AT_SHARED_ADDRESS,
    LOCATION_DIFFERENT,
    MOBILE,
    MOBILE_HOUSEHOLD,
    NHS_DIFFERENT,
    NHS_EXACT,
    NHS_VALID_DIFFERENT,
    NO_SHARED_NHS_NUMBER,
    PHONE_DIFFERENT,
    SHARED_ADDRESS,
    SHARED_POSTCODE,
    UPRN_AGREES,
)


def _one_edit(sql_dialect: SplinkDialect, a: str, b: str) -> str:
    """SQL: ``a`` and ``b`` differ by at most one edit or one swap of neighbours (Damerau–
    Levenshtein distance ≤ 1).

    DuckDB's ``damerau_levenshtein`` costs about 1.5 µs a pair and its ``levenshtein`` about
    0.2 µs, and most scored pairs are different people whose names, dates and numbers differ by
    much more. One edit is one Levenshtein edit and a swap is two, so a distance ≤ 1 implies a
    Levenshtein distance ≤ 2: testing that first gives the same answer for a fifth of the cost.
    """
    levenshtein = sql_dialect.levenshtein_function_name
    damerau = sql_dialect.damerau_levenshtein_function_name
    return f"({levenshtein}({a}, {b}) <= 2 AND {damerau}({a}, {b}) <= 1)"


class _Typo(ComparisonLevelCreator):
    """``column`` differs by at most one edit or one swap of neighbours (see `_one_edit`)."""

    def __init__(self, column: str) -> None:
        self.column = column

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        return _one_edit(sql_dialect, f"{self.column}_l", f"{self.column}_r")

    def create_label_for_charts(self) -> str:
        return f"{self.column} within one edit"


class _CloseAcross(ComparisonLevelCreator):
    """One record's column equal to, or a typo of, the *other* column of the other record.

    Splink's typo levels compare a column with itself; a swapped name is a given name written
    in the family-name field, often with a slip of the keyboard on the way (GREEN THOMAS,
    GRTEEN THOMAS). The thresholds are the given-name typo level's.
    """

    def __init__(self, column_l: str, column_r: str) -> None:
        self.column_l, self.column_r = column_l, column_r

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        a, b = f"{self.column_l}_l", f"{self.column_r}_r"
        jaro_winkler = sql_dialect.jaro_winkler_function_name
        return f"({a} = {b} OR {jaro_winkler}({a}, {b}) >= 0.9 OR {_one_edit(sql_dialect, a, b)})"

    def create_label_for_charts(self) -> str:
        return f"{self.column_l} close to the other's {self.column_r}"


def _close_given_names() -> ComparisonLevelCreator:
    """A nickname or formal form of the name, or a typo of it."""
    return cll.Or(
        cll.ArrayIntersectLevel("given_group", 1),
        cll.JaroWinklerLevel("given_key", 0.9),
        _Typo("given_key"),
    )


def _given_names_related() -> ComparisonLevelCreator:
    """The given names are one name: exact, swapped with the family name, a nickname, a typo or
    a middle name used as the first (the `given_name` comparison's agreeing levels where both
    records hold a whole given name)."""
    return cll.Or(
        cll.ExactMatchLevel("given_key"),
        cll.And(_CloseAcross("given_key", "family_key"), _CloseAcross("family_key", "given_key")),
        _close_given_names(),
        cll.ArrayIntersectLevel("forenames", 1),
    )


def _given_names_differ() -> ComparisonLevelCreator:
    """Both records hold a given name and they are not one name, or are two generations of it."""
    return cll.And(
        cll.CustomLevel("given_key_l IS NOT NULL AND given_key_r IS NOT NULL"),
        cll.Or(cll.CustomLevel("generation_l <> generation_r"), cll.Not(_given_names_related())),
    )


def _given_name() -> ComparisonCreator:
    return cl.CustomComparison(
        output_column_name="given_name",
        comparison_description="given names: generation, exact, swapped, nickname, typo, middle, "
        "initial",
        comparison_levels=[
            cll.NullLevel("given_initial"),
            # A father and son of one name are two people, as two different names would be.
            cll.CustomLevel("generation_l <> generation_r").configure(
                label_for_charts=GIVEN_OTHER_GENERATION
            ),
            cll.ExactMatchLevel("given_key", term_frequency_adjustments=True).configure(
                label_for_charts="given name exact"
            ),
            cll.And(
                _CloseAcross("given_key", "family_key"), _CloseAcross("family_key", "given_key")
            ).configure(label_for_charts="given and family names swapped"),
            cll.And(
                cll.ExactMatchLevel("dob"),
                _shared_address(),
                cll.CustomLevel(NO_SHARED_NHS_NUMBER),
                # Twins share a family name; two records whose given *and* family names both
                # differ are not a pair of twins, whatever else they share.
                cll.Or(
                    cll.CustomLevel("family_key_l IS NULL OR family_key_r IS NULL"),
                    cll.JaroWinklerLevel("family_key", 0.9),
                    _Typo("family_key"),
                    cll.ArrayIntersectLevel("family_all", 1),
                ),
                # Boy and girl twins are often given one name's two forms (Daniel and
                # Danielle, Paul and Paula, Alexander and Alexandra): close names of different
                # sexes are twins too, where one person's records would need two errors.
                cll.Or(cll.CustomLevel("sex_l <> sex_r"), cll.Not(_close_given_names())),
            ).configure(label_for_charts=GIVEN_DIFFERENT_TWIN),
            cll.ArrayIntersectLevel("given_group", 1).configure(
                label_for_charts="nickname or formal form"
            ),
            cll.Or(cll.JaroWinklerLevel("given_key", 0.9), _Typo("given_key")).configure(
                label_for_charts="given name typo"
            ),
            cll.ArrayIntersectLevel("forenames", 1).configure(
                label_for_charts="a middle name used as the first"
            ),
            cll.And(
                cll.Or(
                    cll.CustomLevel("given_key_l IS NULL"), cll.CustomLevel("given_key_r IS NULL")
                ),
                cll.ExactMatchLevel("given_initial"),
            ).configure(label_for_charts=GIVEN_INITIAL),
            cll.ElseLevel().configure(label_for_charts=GIVEN_DIFFERENT),
        ],
    )


def _family_name() -> ComparisonCreator:
    return cl.CustomComparison(
        output_column_name="family_name",
        comparison_description="family names: exact, previous or other, typo",
        comparison_levels=[
            cll.NullLevel("family_key"),
            cll.And(cll.ExactMatchLevel("family_key"), _shared_postcode()).configure(
                label_for_charts=FAMILY_AT_SHARED_LOCATION
            ),
            cll.ExactMatchLevel("family_key", term_frequency_adjustments=True).configure(
                label_for_charts=FAMILY_EXACT
            ),
            cll.ArrayIntersectLevel("family_all", 1).configure(
                label_for_charts="a previous or other family name agrees"
            ),
            cll.Or(
                cll.JaroWinklerLevel("family_key", 0.9),
                _Typo("family_key"),
            ).configure(label_for_charts="family name typo"),
            cll.ElseLevel().configure(label_for_charts=FAMILY_DIFFERENT),
        ],
    )


def _dob() -> ComparisonCreator:
    swapped = (
        "substr(dob_l, 1, 4) = substr(dob_r, 1, 4) "
        "AND substr(dob_l, 6, 2) = substr(dob_r, 9, 2) "
        "AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)"
    )
    # Years compare as four-digit strings, the same in DuckDB and Spark SQL.
    child_after = f"'{date.today().year - ADULT_AGE}'"
    age_conflict = (
        f"(adult_l = 'Y' AND dob_year_l IS NULL AND dob_year_r > {child_after}) "
        f"OR (adult_r = 'Y' AND dob_year_r IS NULL AND dob_year_l > {child_after})"
    )
    return cl.CustomComparison(
        output_column_name="dob",
        comparison_description="date of birth: exact, swapped day/month, one typo, year only",
        comparison_levels=[
            # Before the null level: it is the one thing a record without a date of birth says
            # about age.
            cll.CustomLevel(age_conflict).configure(label_for_charts=AGE_CONFLICT),
            cll.NullLevel("dob_year"),
            cll.ExactMatchLevel("dob").configure(label_for_charts=DOB_EXACT),
            cll.And(
                cll.Or(cll.CustomLevel("dob_l IS NULL"), cll.CustomLevel("dob_r IS NULL")),
                cll.ExactMatchLevel("dob_year"),
            ).configure(label_for_charts="year agrees (one side year only)"),
            cll.CustomLevel(swapped).configure(label_for_charts="day and month swapped"),
            _Typo("dob").configure(label_for_charts="one digit wrong or transposed"),
            cll.ElseLevel().configure(label_for_charts=DOB_DIFFERENT),
        ],
    )


def _mistyped_dwelling() -> ComparisonLevelCreator:
    """One house number, and a street or postcode one slip of the keyboard from the other's.

    Reached only when neither the postcode and house nor the house and street agree exactly.
    Neither street nor postcode may say otherwise (28 High Street and 28 Low Street are two
    houses, whatever their postcodes), and at least one of them must be on both records.
    """
    return cll.And(
        cll.ExactMatchLevel("house_key"),
        cll.Or(
            cll.CustomLevel("street_key_l IS NULL OR street_key_r IS NULL"),
            cll.JaroWinklerLevel("street_key", 0.9),
        ),
        cll.Or(cll.CustomLevel("postcode_l IS NULL OR postcode_r IS NULL"), _Typo("postcode")),
        cll.CustomLevel(
            "(street_key_l IS NOT NULL AND street_key_r IS NOT NULL) "
            "OR (postcode_l IS NOT NULL AND postcode_r IS NOT NULL)"
        ),
    )


def _shared_address() -> ComparisonLevelCreator:
    """The two records are at one dwelling, a slip in its street or postcode included: what a
    household shares counts once there as at the exact address (a father and son of one name
    are no likelier one person because one record's postcode was mistyped)."""
    return cll.Or(cll.CustomLevel(SHARED_ADDRESS), _mistyped_dwelling())


def _shared_postcode() -> ComparisonLevelCreator:
    return cll.Or(cll.CustomLevel(SHARED_POSTCODE), _mistyped_dwelling())


def _location() -> ComparisonCreator:
    any_location_l = "COALESCE(uprn_l, postcode_l, street_key_l) IS NULL"
    any_location_r = "COALESCE(uprn_r, postcode_r, street_key_r) IS NULL"
    return cl.CustomComparison(
        output_column_name="location",
        comparison_description="where they live, as one piece of evidence",
        comparison_levels=[
            cll.Or(cll.CustomLevel(any_location_l), cll.CustomLevel(any_location_r)).configure(
                is_null_level=True, label_for_charts="location missing"
            ),
            cll.ExactMatchLevel("uprn").configure(label_for_charts=UPRN_AGREES),
            cll.ExactMatchLevel("address_key").configure(label_for_charts=DWELLING),
            cll.ExactMatchLevel("postcode").configure(label_for_charts="postcode agrees"),
            cll.And(cll.ExactMatchLevel("house_key"), cll.ExactMatchLevel("street_key")).configure(
                label_for_charts="house and street agree"
            ),
            _mistyped_dwelling().configure(label_for_charts=DWELLING_MISTYPED),
            cll.ExactMatchLevel("postcode_sector").configure(
                label_for_charts="postcode sector agrees"
            ),
            cll.ExactMatchLevel("postcode_district").configure(
                label_for_charts="postcode district agrees"
            ),
            cll.ElseLevel().configure(label_for_charts=LOCATION_DIFFERENT),
        ],
    )


def _nhs_number() -> ComparisonCreator:
    return cl.CustomComparison(
        output_column_name="nhs_number",
        comparison_description="NHS number: exact, one digit wrong",
        comparison_levels=[
            cll.NullLevel("nhs_number"),
            cll.ExactMatchLevel("nhs_number").configure(label_for_charts=NHS_EXACT),
            _Typo("nhs_number").configure(label_for_charts="one digit wrong or transposed"),
            cll.CustomLevel("nhs_valid_l = 'Y' AND nhs_valid_r = 'Y'").configure(
                label_for_charts=NHS_VALID_DIFFERENT
            ),
            cll.ElseLevel().configure(label_for_charts=NHS_DIFFERENT),
        ],
    )


def _sex() -> ComparisonCreator:
    return cl.CustomComparison(
        output_column_name="sex",
        comparison_description="administrative sex",
        comparison_levels=[
            cll.NullLevel("sex"),
            cll.ExactMatchLevel("sex").configure(label_for_charts="sex agrees"),
            cll.ElseLevel().configure(label_for_charts="sex differs"),
        ],
    )


def _phone() -> ComparisonCreator:
    missing_l = "COALESCE(mobiles_l, landlines_l) IS NULL"
    missing_r = "COALESCE(mobiles_r, landlines_r) IS NULL"
    return cl.CustomComparison(
        output_column_name="phone",
        comparison_description="phone numbers: a shared mobile, a shared landline",
        comparison_levels=[
            cll.Or(cll.CustomLevel(missing_l), cll.CustomLevel(missing_r)).configure(
                is_null_level=True, label_for_charts="no phone"
            ),
            cll.And(
                cll.ArrayIntersectLevel("mobiles", 1),
                _shared_address(),
                _given_names_differ(),
            ).configure(label_for_charts=MOBILE_HOUSEHOLD),
            cll.ArrayIntersectLevel("mobiles", 1).configure(label_for_charts=MOBILE),
            cll.And(cll.ArrayIntersectLevel("landlines", 1), _shared_address()).configure(
                label_for_charts=LANDLINE_AT_SHARED_ADDRESS
            ),
            cll.ArrayIntersectLevel("landlines", 1).configure(label_for_charts=LANDLINE),
            cll.ElseLevel().configure(label_for_charts=PHONE_DIFFERENT),
        ],
    )


def _email() -> ComparisonCreator:
    return cl.CustomComparison(
        output_column_name="email",
        comparison_description="email addresses",
        comparison_levels=[
            cll.NullLevel("emails"),
            cll.ArrayIntersectLevel("emails", 1).configure(label_for_charts="an email agrees"),
            cll.ElseLevel().configure(label_for_charts=EMAIL_DIFFERENT),
        ],
    )


def person_comparisons() -> list[ComparisonCreator]:
    """The comparisons of the default person model, in the order their evidence is shown.

    Names: ``given_name``, ``family_name``, ``dob``, ``location``, ``nhs_number``, ``sex``,
    ``phone``, ``email`` — these are the suffixes of the ``mw_…`` columns of a prediction.
    """
    return [
        _given_name(),
        _family_name(),
        _dob(),
        _location(),
        _nhs_number(),
        _sex(),
        _phone(),
        _email(),
    ]
