"""Prior m and u values for every level of the person model, and the safety rules applied to any.

These are the values a model falls back on where training had nothing to learn from (a level no
pair reached, a field no source has) and the parameters of the shipped default model until data
are at hand. Each is a rate that holds for a UK population in round numbers: ``m`` is how often
two records of one person fall in the level, ``u`` how often two different people do.

`apply_safety_rules` is applied to every model, trained or loaded, so that no training run can
undo the household and "different person" rules described in
`joinedup.linkage.comparisons` (their values are in `joinedup.linkage.levels`).
"""

from __future__ import annotations

from joinedup.linkage.levels import (
    AGE_CONFLICT,
    CONDITIONAL_LEVELS,
    DOB_DIFFERENT,
    DOB_EXACT,
    DWELLING,
    GIVEN_DIFFERENT,
    GIVEN_DIFFERENT_TWIN,
    GIVEN_OTHER_GENERATION,
    HOUSEHOLD_FIXED_U,
    M_LOWER_BOUNDS,
    M_UPPER_BOUNDS,
    RELATIVES_BOUNDS,
    STRONGER_THAN_DIFFERS,
    TWIN_SHARE,
    U_UPPER_BOUNDS,
    UPRN_AGREES,
)

#: A tenth of a per cent of pairs that pass blocking in a borough are the same person; for all
#: pairs of a borough's records the chance is about 1 in 50,000.
PRIOR_PROBABILITY_TWO_RANDOM_RECORDS_MATCH = 2e-5

#: comparison → [(level label, m, u)], non-null levels in order.
PRIOR_LEVELS: dict[str, list[tuple[str, float, float]]] = {
    "given_name": [
        ("two generations of one name (Snr, Jr)", 0.005, 0.93),
        ("given name exact", 0.85, 0.01),
        ("given and family names swapped", 0.005, 0.00001),
        ("given names differ, same birth date and address", 0.005, 0.93),
        ("nickname or formal form", 0.04, 0.002),
        ("given name typo", 0.05, 0.005),
        ("a middle name used as the first", 0.02, 0.003),
        ("initial agrees with the name", 0.03, 0.05),
        ("given names differ", 0.005, 0.93),
    ],
    "family_name": [
        ("family name agrees, shared postcode or address", 0.85, 0.70),
        ("family name exact", 0.80, 0.003),
        ("a previous or other family name agrees", 0.05, 0.0005),
        ("family name typo", 0.08, 0.005),
        ("family names differ", 0.02, 0.99),
    ],
    "dob": [
        ("an adult's title against a child's date of birth", 0.001, 0.05),
        ("date of birth exact", 0.93, 0.00004),
        ("year agrees (one side year only)", 0.95, 0.012),
        ("day and month swapped", 0.01, 0.00003),
        ("one digit wrong or transposed", 0.04, 0.001),
        ("dates of birth differ", 0.005, 0.99),
    ],
    "location": [
        (UPRN_AGREES, 0.6, 0.00003),
        (DWELLING, 0.6, 0.00004),
        ("postcode agrees", 0.05, 0.0002),
        ("house and street agree", 0.03, 0.0002),
        ("one house, its street or postcode mistyped", 0.02, 0.00003),
        ("postcode sector agrees", 0.05, 0.01),
        ("postcode district agrees", 0.05, 0.05),
        ("elsewhere", 0.2, 0.93),
    ],
    "nhs_number": [
        ("NHS number exact", 0.995, 0.000001),
        ("one digit wrong or transposed", 0.003, 0.00001),
        ("two valid NHS numbers differ", 0.002, 0.99999),
        ("NHS numbers differ", 0.002, 0.99999),
    ],
    "sex": [
        ("sex agrees", 0.98, 0.5),
        ("sex differs", 0.02, 0.5),
    ],
    "phone": [
        ("a mobile agrees, shared address, given names differ", 0.5, 0.3),
        ("a mobile agrees", 0.5, 0.00001),
        ("landline agrees, shared address", 0.5, 0.8),
        ("a landline agrees", 0.3, 0.0001),
        ("phones differ", 0.5, 0.9999),
    ],
    "email": [
        ("an email agrees", 0.6, 0.000001),
        ("emails differ", 0.4, 0.999999),
    ],
}

#: Smallest m or u kept: a zero would make a level infinitely decisive.
FLOOR = 1e-9


def prior_parameters() -> dict[str, list[dict[str, float | str]]]:
    """The prior parameters in the model's JSON shape: comparison → levels of label, m, u."""
    return {
        name: [{"label": label, "m": m, "u": u} for label, m, u in levels]
        for name, levels in PRIOR_LEVELS.items()
    }


def apply_safety_rules(
    parameters: dict[str, list[dict[str, float | str]]],
    household_share: float = 1.0,
) -> dict[str, list[dict[str, float | str]]]:
    """Fill missing values from the priors, fix household levels and bound "differs" levels.

    Returns a new dict; the input is not changed. A level whose m or u is missing or not a
    positive number takes the prior; levels in `HOUSEHOLD_FIXED_U` take that u whatever training
    said; levels in `U_UPPER_BOUNDS`, `M_UPPER_BOUNDS` and `M_LOWER_BOUNDS` are held within
    them; finally no level may weigh less than its comparison's "differs" level.

    ``household_share`` is the share of different people at one address who are a household
    rather than a chance meeting (`joinedup.linkage.households`; 1 for a UK population). Below
    1 the household levels move towards their plain counterparts, the twins level's birthday
    share towards the chance two people share one, and the bounds set against relatives
    (`RELATIVES_BOUNDS`) loosen, in bits, in proportion.
    """
    priors = {
        (c, str(level["label"])): level
        for c, levels in prior_parameters().items()
        for level in levels
    }
    result: dict[str, list[dict[str, float | str]]] = {}
    for comparison, levels in parameters.items():
        fixed_levels = []
        for level in levels:
            label = str(level["label"])
            prior = priors.get((comparison, label))
            new: dict[str, float | str] = {"label": label}
            for key in ("m", "u"):
                value = level.get(key)
                if not isinstance(value, int | float) or value != value or value <= 0:
                    value = float(prior[key]) if prior is not None else FLOOR
                new[key] = max(float(value), FLOOR)
            if (comparison, label) in HOUSEHOLD_FIXED_U:
                new["u"] = HOUSEHOLD_FIXED_U[(comparison, label)]
            if (comparison, label) in U_UPPER_BOUNDS:
                new["u"] = min(float(new["u"]), U_UPPER_BOUNDS[(comparison, label)])
            if (comparison, label) in M_UPPER_BOUNDS:
                bound = M_UPPER_BOUNDS[(comparison, label)]
                if (comparison, label) in RELATIVES_BOUNDS:
                    bound **= household_share
                new["m"] = min(float(new["m"]), bound)
            if (comparison, label) in M_LOWER_BOUNDS:
                new["m"] = max(float(new["m"]), M_LOWER_BOUNDS[(comparison, label)])
            fixed_levels.append(new)
        result[comparison] = fixed_levels
    if household_share < 1.0:
        _mix_household_levels(result, household_share)
    _fix_conditional_levels(result)
    for comparison, levels in result.items():
        result[comparison] = _no_level_below_else(comparison, levels)
    _fix_twin_level(result, household_share)
    _fix_generation_levels(result)
    _hold_weight(result, "dob", AGE_CONFLICT, DOB_DIFFERENT, at_least=False)
    return result


def _hold_weight(
    parameters: dict[str, list[dict[str, float | str]]],
    comparison: str,
    label: str,
    other: str,
    *,
    at_least: bool,
) -> None:
    """Hold level ``label``'s weight at least (or at most) level ``other``'s. Its m (how often
    one person's records fall there) is kept; u moves.

    - An adult's title on a record facing a child's date of birth weighs at most what two
      different dates of birth weigh (at least as much against): a date is mistyped far more
      often than a child is billed as "Mr". Trained u (pairs with a titled record and a child)
      left it weaker, and a rare shared given name at one address outweighed it.
    """
    levels = {str(level["label"]): level for level in parameters.get(comparison, [])}
    if label not in levels or other not in levels:
        return
    level, reference = levels[label], levels[other]
    ratio = float(reference["m"]) / float(reference["u"])
    current = float(level["m"]) / float(level["u"])
    if (current >= ratio) if at_least else (current <= ratio):
        return
    level["u"] = max(FLOOR, float(level["m"]) / ratio)


def _fix_conditional_levels(parameters: dict[str, list[dict[str, float | str]]]) -> None:
    """Give each level in `CONDITIONAL_LEVELS` the chance one person's records agree at all.

    That chance is the sum of the two levels' trained m; one of them dominates (most of a
    person's records share an address), so the larger stands for it — which also keeps the
    rule unchanged when a model passes through it twice (saved, then loaded).
    """
    for (comparison, label), household_label in CONDITIONAL_LEVELS.items():
        levels = {str(level["label"]): level for level in parameters.get(comparison, [])}
        if label not in levels or household_label not in levels:
            continue
        agree = max(float(levels[label]["m"]), float(levels[household_label]["m"]))
        levels[label]["m"] = agree
        levels[household_label]["m"] = agree


def _mix_household_levels(
    parameters: dict[str, list[dict[str, float | str]]], household_share: float
) -> None:
    """Weigh each household level's u between its household value and its plain counterpart's
    u, by the share of different people at one address who are a household: among people who
    met at one address by chance, a surname or a phone agrees no more often than anywhere."""
    plain_of = {(c, household): plain for (c, plain), household in CONDITIONAL_LEVELS.items()}
    for (comparison, label), fixed in HOUSEHOLD_FIXED_U.items():
        levels = {str(level["label"]): level for level in parameters.get(comparison, [])}
        plain = plain_of.get((comparison, label))
        if label not in levels or plain is None or plain not in levels:
            continue
        chance = float(levels[plain]["u"])
        levels[label]["u"] = household_share * fixed + (1.0 - household_share) * chance


def _fix_twin_level(
    parameters: dict[str, list[dict[str, float | str]]], household_share: float = 1.0
) -> None:
    """Set the twins level so one date of birth at one address counts only as twins would.

    Its weight is the "given names differ" weight plus log2(u(DOB exact) / TWIN_SHARE): added to
    the full date-of-birth weight, the pair scores as if sharing a birthday at one address were
    a 2% coincidence, which for people with different given names it is.
    """
    given = {str(level["label"]): level for level in parameters.get("given_name", [])}
    dob = {str(level["label"]): level for level in parameters.get("dob", [])}
    if GIVEN_DIFFERENT_TWIN not in given or GIVEN_DIFFERENT not in given or DOB_EXACT not in dob:
        return
    differs, twin = given[GIVEN_DIFFERENT], given[GIVEN_DIFFERENT_TWIN]
    chance = float(dob[DOB_EXACT]["u"])
    share = household_share * TWIN_SHARE + (1.0 - household_share) * chance
    discount = min(1.0, chance / share)
    twin["u"] = float(differs["u"])
    twin["m"] = max(FLOOR, float(differs["m"]) * discount)


def _fix_generation_levels(parameters: dict[str, list[dict[str, float | str]]]) -> None:
    """Weigh "Snr against Jr" as two different given names: two generations are two people.

    Not trained: pairs of records that both carry a suffix are too rare in any sample for EM or
    random sampling to see, and u from random pairs would even make the level look like
    agreement (two random records almost never both carry a suffix).
    """
    given = {str(level["label"]): level for level in parameters.get("given_name", [])}
    if GIVEN_DIFFERENT not in given:
        return
    differs = given[GIVEN_DIFFERENT]
    if GIVEN_OTHER_GENERATION in given:
        given[GIVEN_OTHER_GENERATION]["m"] = float(differs["m"])
        given[GIVEN_OTHER_GENERATION]["u"] = float(differs["u"])


def _no_level_below_else(
    comparison: str, levels: list[dict[str, float | str]]
) -> list[dict[str, float | str]]:
    """Raise any level weaker than the comparison's last ("differs") level up to it.

    Any agreement, however partial — same postcode sector, the same year of birth — is at least
    as much evidence of one person as complete disagreement. EM, fed few pairs at a level, can
    drive its m towards zero and make partial agreement count more against a match than
    disagreement does; this puts the order back.
    """
    if len(levels) < 2:
        return levels
    floor_ratio = float(levels[-1]["m"]) / float(levels[-1]["u"])
    for level in levels[:-1]:
        if (comparison, str(level["label"])) in STRONGER_THAN_DIFFERS:
            continue
        if float(level["m"]) / float(level["u"]) < floor_ratio:
            level["m"] = min(1.0, floor_ratio * float(level["u"]))
    return levels
