"""The person model on small frames: the hard cases a hub must get right, with the shipped model."""

from __future__ import annotations

import json
from datetime import date

import pytest

from joinedup.errors import JoinedupError
from joinedup.linkage.cluster import cluster
from joinedup.linkage.frame import records_frame
from joinedup.linkage.levels import COMPARISON_NAMES
from joinedup.linkage.model import PersonModel
from joinedup.linkage.thresholds import MATCH_PROBABILITY, UNAMBIGUOUS_PROBABILITY

HOME = {
    "family_name": "Smith",
    "postcode": "LS6 2AB",
    "house_number": "12",
    "street": "Hyde Park Road",
}


MUM = "+447700900123"


def rec(source: str, record: str, **fields):
    return {"source_id": source, "record_id": record, **fields}


@pytest.fixture(scope="module")
def model() -> PersonModel:
    return PersonModel.default()


def persons(model: PersonModel, records: list[dict]) -> dict[str, str]:
    frame = records_frame(records)
    pairs = model.predict(frame)
    return cluster(pairs, threshold=MATCH_PROBABILITY, ids=frame["unique_id"])


CASES = [
    (
        "twins at one address stay apart",
        [
            rec(
                "gp",
                "1",
                given_name="James",
                date_of_birth="2010-05-01",
                sex="male",
                nhs_number="9434765870",
                **HOME,
            ),
            rec(
                "gp",
                "2",
                given_name="John",
                date_of_birth="2010-05-01",
                sex="male",
                nhs_number="9434765889",
                **HOME,
            ),
            rec("school", "1", given_name="John", date_of_birth="2010-05-01", sex="male", **HOME),
        ],
        [{"gp|1"}, {"gp|2", "school|1"}],
    ),
    (
        "a father and son of one name at one address stay apart",
        [
            rec("gp", "1", given_name="William", date_of_birth="1961-04-03", sex="male", **HOME),
            rec("gp", "2", given_name="William", date_of_birth="1988-07-21", sex="male", **HOME),
            rec("hb", "7", given_name="William", date_of_birth="1988-07-21", **HOME),
        ],
        [{"gp|1"}, {"gp|2", "hb|7"}],
    ),
    (
        "siblings stay apart",
        [
            rec("gp", "1", given_name="Amelia", date_of_birth="2012-01-09", sex="female", **HOME),
            rec("gp", "2", given_name="Olivia", date_of_birth="2015-03-30", sex="female", **HOME),
        ],
        [{"gp|1"}, {"gp|2"}],
    ),
    (
        "a nickname and a surname typo still link",
        [
            rec("gp", "1", given_name="William", date_of_birth="1961-04-03", sex="male", **HOME),
            rec(
                "ct",
                "9",
                given_name="Bill",
                family_name="Smyth",
                date_of_birth="1961-04-03",
                postcode="LS6 2AB",
                house_number="12",
            ),
        ],
        [{"gp|1", "ct|9"}],
    ),
    (
        "a married name links on date of birth, given name and NHS number after a move",
        [
            rec(
                "gp",
                "5",
                given_name="Mary",
                family_name="Jones",
                date_of_birth="1970-02-05",
                postcode="LS1 1AA",
                nhs_number="4010232137",
                sex="female",
            ),
            rec(
                "asc",
                "5",
                given_name="Mary",
                family_name="Brown",
                other_family_names=["Jones"],
                date_of_birth="1970-02-05",
                postcode="LS9 9ZZ",
                nhs_number="4010232137",
            ),
        ],
        [{"gp|5", "asc|5"}],
    ),
    (
        "two John Smiths of different ages in different places stay apart",
        [
            rec(
                "gp",
                "1",
                given_name="John",
                family_name="Smith",
                date_of_birth="1950-01-01",
                postcode="LS6 2AB",
            ),
            rec(
                "gp",
                "2",
                given_name="John",
                family_name="Smith",
                date_of_birth="1990-06-15",
                postcode="LS9 1XY",
            ),
        ],
        [{"gp|1"}, {"gp|2"}],
    ),
    (
        # An initial, a title and an address join the one person of that initial the sources
        # hold there (about 0.85 with flats told apart); a second candidate, a Snr or Jr, or an
        # adult's title against a child's date of birth is what keeps such a row apart.
        "a council tax initial joins the only J at that address",
        [
            rec("gp", "1", given_name="Jakub", date_of_birth="1975-04-06", sex="male", **HOME),
            rec("gp", "2", given_name="Anna", date_of_birth="1977-09-01", sex="female", **HOME),
            rec("ct", "1", title="Mr", given_name="J", **HOME),
        ],
        [{"ct|1", "gp|1"}, {"gp|2"}],
    ),
    (
        "a council tax initial shared by father and son joins neither",
        [
            rec("gp", "1", given_name="John", date_of_birth="1961-04-03", sex="male", **HOME),
            rec("gp", "2", given_name="James", date_of_birth="1990-07-21", sex="male", **HOME),
            rec("ct", "1", title="Mr", given_name="J", **HOME),
        ],
        [{"ct|1"}, {"gp|1"}, {"gp|2"}],
    ),
    (
        "Mr J Smith on the council tax is not the four-year-old at that address",
        [
            rec("gp", "1", given_name="Jakub", date_of_birth="2022-04-06", sex="male", **HOME),
            rec("ct", "1", title="Mr", given_name="J", **HOME),
        ],
        [{"ct|1"}, {"gp|1"}],
    ),
    (
        # The council tax row of John Smith Snr and the son's GP record agree on the whole name
        # and the address, and the son is the only John the sources hold there.
        "Snr and Jr of one name stay apart, even when only one of them is in a second source",
        [
            rec(
                "gp",
                "1",
                given_name="John",
                name_suffix="Jr",
                date_of_birth="1990-07-21",
                sex="male",
                **HOME,
            ),
            rec("ct", "1", title="Mr", given_name="John", name_suffix="Snr", **HOME),
        ],
        [{"ct|1"}, {"gp|1"}],
    ),
    (
        # Only the son is in a second source, but "Jr" says a father of that name exists.
        "a council tax row is not joined to Jr on the name and address alone",
        [
            rec(
                "gp",
                "1",
                given_name="Derek",
                name_suffix="Jr",
                date_of_birth="1981-11-11",
                sex="male",
                **HOME,
            ),
            rec("ct", "1", title="Mr", given_name="Derek", **HOME),
        ],
        [{"ct|1"}, {"gp|1"}],
    ),
    (
        "Mr Chinedu Smith on the council tax is not the nine-year-old Chinedu at that address",
        [
            rec("gp", "1", given_name="Chinedu", date_of_birth="2017-11-01", sex="male", **HOME),
            rec("ct", "1", title="Mr", given_name="Chinedu", **HOME),
        ],
        [{"ct|1"}, {"gp|1"}],
    ),
    (
        "one NHS number is one person, even with a replaced given name at one address",
        [
            rec(
                "gp",
                "1",
                given_name="Amelia",
                date_of_birth="2012-01-09",
                nhs_number="9434765870",
                **HOME,
            ),
            rec(
                "asc",
                "1",
                given_name="Millie",
                date_of_birth="2012-01-09",
                nhs_number="9434765870",
                **HOME,
            ),
        ],
        [{"gp|1", "asc|1"}],
    ),
    (
        "twins whose records carry their mother's mobile stay apart",
        [
            rec("gp", "1", given_name="James", date_of_birth="2010-05-01", phones=[MUM], **HOME),
            rec("gp", "2", given_name="John", date_of_birth="2010-05-01", phones=[MUM], **HOME),
            rec("sc", "2", given_name="John", date_of_birth="2010-05-01", phones=[MUM], **HOME),
        ],
        [{"gp|1"}, {"gp|2", "sc|2"}],
    ),
    (
        "siblings whose records carry their mother's mobile stay apart",
        [
            rec("gp", "1", given_name="Amelia", date_of_birth="2012-01-09", phones=[MUM], **HOME),
            rec("gp", "2", given_name="Olivia", date_of_birth="2015-03-30", phones=[MUM], **HOME),
        ],
        [{"gp|1"}, {"gp|2"}],
    ),
    (
        "a boy and a girl twin given one name's two forms stay apart",
        [
            rec("gp", "1", given_name="Daniel", date_of_birth="2012-03-04", sex="male", **HOME),
            rec("gp", "2", given_name="Danielle", date_of_birth="2012-03-04", sex="female", **HOME),
            rec("sc", "1", given_name="Alexander", date_of_birth="2014-05-06", sex="male", **HOME),
            rec(
                "sc", "2", given_name="Alexandra", date_of_birth="2014-05-06", sex="female", **HOME
            ),
        ],
        [{"gp|1"}, {"gp|2"}, {"sc|1"}, {"sc|2"}],
    ),
    (
        "a father and son of one name stay apart when one record's postcode is mistyped",
        [
            rec("gp", "1", given_name="John", date_of_birth="1961-04-03", sex="male", **HOME),
            rec(
                "gp",
                "2",
                given_name="John",
                date_of_birth="1990-07-21",
                sex="male",
                **{**HOME, "postcode": "LS6 2AD"},
            ),
        ],
        [{"gp|1"}, {"gp|2"}],
    ),
    (
        "one person's nickname at one birth date and address still joins",
        [
            rec("gp", "1", given_name="Robert", date_of_birth="1961-04-03", sex="male", **HOME),
            rec("sc", "1", given_name="Bob", date_of_birth="1961-04-03", sex="male", **HOME),
        ],
        [{"gp|1", "sc|1"}],
    ),
    (
        "one person's mobile still joins a nickname at home and a move",
        [
            rec("gp", "1", given_name="Robert", date_of_birth="1961-04-03", phones=[MUM], **HOME),
            rec("ct", "1", given_name="Bob", phones=[MUM], **HOME),
            rec(
                "hb", "1", given_name="Robert", family_name="Smith", postcode="M1 1AA", phones=[MUM]
            ),
        ],
        [{"ct|1", "gp|1", "hb|1"}],
    ),
]


def groups(assignment: dict[str, str]) -> list[set[str]]:
    out: dict[str, set[str]] = {}
    for record, rep in assignment.items():
        out.setdefault(rep, set()).add(record)
    return sorted(out.values(), key=lambda g: sorted(g))


@pytest.mark.parametrize(("description", "records", "expected"), CASES, ids=[c[0] for c in CASES])
def test_hard_cases(model, description, records, expected):
    assert groups(persons(model, records)) == sorted(expected, key=lambda g: sorted(g))


def test_prediction_columns_explain_each_comparison(model):
    frame = records_frame(CASES[0][1])
    pairs = model.predict(frame)
    for name in COMPARISON_NAMES:
        assert f"mw_{name}" in pairs.columns
    assert (pairs["unique_id_l"] < pairs["unique_id_r"]).all()
    row = pairs.iloc[0]
    # The match weight is the prior plus the per-comparison weights.
    total = sum(row[f"mw_{n}"] for n in COMPARISON_NAMES)
    assert row["match_weight"] == pytest.approx(
        total + _prior_weight(model.probability_two_random_records_match), abs=1e-6
    )


def _prior_weight(probability: float) -> float:
    import math

    return math.log2(probability / (1 - probability))


def test_new_ids_scores_only_pairs_with_a_new_record(model):
    records = CASES[0][1] + CASES[4][1]
    frame = records_frame(records)
    pairs = model.predict(frame, new_ids={"school|1", "asc|5"})
    assert len(pairs)
    new = {"school|1", "asc|5"}
    assert all(
        a in new or b in new for a, b in zip(pairs.unique_id_l, pairs.unique_id_r, strict=True)
    )
    full = model.predict(frame)
    expected = full[full.unique_id_l.isin(new) | full.unique_id_r.isin(new)]
    assert set(zip(pairs.unique_id_l, pairs.unique_id_r, strict=True)) == set(
        zip(expected.unique_id_l, expected.unique_id_r, strict=True)
    )


def test_json_round_trip_gives_the_same_model_and_scores(model):
    again = PersonModel.from_json(model.to_json())
    assert again == model
    frame = records_frame(CASES[3][1])
    assert (
        model.predict(frame)["match_weight"].tolist()
        == again.predict(frame)["match_weight"].tolist()
    )


def test_safety_rules_hold_whatever_a_saved_model_says(model):
    doc = json.loads(model.to_json())
    for level in doc["parameters"]["dob"]:
        if level["label"] == "dates of birth differ":
            level["m"] = 0.5  # an EM run that took relatives for typos
    loaded = PersonModel.from_json(json.dumps(doc))
    differs = next(lv for lv in loaded.parameters["dob"] if lv["label"] == "dates of birth differ")
    assert differs["m"] <= 0.005


@pytest.mark.parametrize(
    "text", ["not json", "{}", json.dumps({"format": "joinedup-person-model/1"})]
)
def test_bad_model_json_is_a_user_error(text):
    with pytest.raises(JoinedupError):
        PersonModel.from_json(text)


RECORD_ERRORS = [
    ("no source id", [{"record_id": "1"}]),
    ("duplicate keys", [rec("gp", "1"), rec("gp", "1")]),
    ("a date that is not ISO", [rec("gp", "1", date_of_birth="03/04/1961")]),
]


@pytest.mark.parametrize(
    ("description", "records"), RECORD_ERRORS, ids=[e[0] for e in RECORD_ERRORS]
)
def test_records_frame_rejects_bad_input(description, records):
    with pytest.raises(JoinedupError):
        records_frame(records)


def test_records_frame_derives_matching_columns():
    frame = records_frame(
        [
            rec(
                "ct",
                "1",
                title="Mr",
                given_name="J",
                family_name="O'Neill",
                postcode="LS6 2AB",
                house_number="12a",
                phones=["+447700900123", "+441132000000"],
            )
        ]
    ).iloc[0]
    assert frame["unique_id"] == "ct|1"
    assert frame["given_key"] is None and frame["given_initial"] == "J"
    assert frame["family_key"] == "ONEILL"
    assert frame["sex"] == "male"  # from the title
    assert (frame["postcode_sector"], frame["postcode_district"]) == ("LS6 2", "LS6")
    assert frame["address_key"] == "LS6 2AB|12A"
    assert list(frame["mobiles"]) == ["+447700900123"]
    assert list(frame["landlines"]) == ["+441132000000"]


@pytest.mark.parametrize(
    ("suffix", "expected"),
    [("Jr", "JR"), ("Jnr", "JR"), ("Snr", "SNR"), ("III", "III"), ("OBE", None), (None, None)],
)
def test_a_generational_suffix_is_kept_and_other_suffixes_are_not(suffix, expected):
    frame = records_frame([rec("gp", "1", given_name="John", name_suffix=suffix)])
    assert frame.loc[0, "generation"] == expected


@pytest.mark.parametrize(
    ("left", "right", "one_dwelling"),
    [
        ({"flat": "Flat 15"}, {"flat": "Flat 23"}, False),
        ({"flat": "Flat 15"}, {"flat": "Apartment 15"}, True),
        ({"flat": "flat 3b"}, {"flat": "Flat 3B"}, True),
        ({}, {}, True),
    ],
)
def test_flats_of_one_block_are_different_dwellings(left, right, one_dwelling):
    block = {"house_number": "56", "street": "Cliff Gardens", "postcode": "LS6 2AB"}
    frame = records_frame([rec("a", "1", **block, **left), rec("b", "1", **block, **right)])
    assert (frame.loc[0, "address_key"] == frame.loc[1, "address_key"]) is one_dwelling


@pytest.mark.parametrize(
    ("postcode", "derived"),
    [
        ("ZZ99 3VZ", (None, None, None, None)),
        ("zz993wz", (None, None, None, None)),
        ("ZZ99 6AZ", (None, None, None, None)),
        ("LS6 2AB", ("LS6 2AB", "LS6 2", "LS6", "LS6 2AB|12")),
    ],
)
def test_a_pseudo_postcode_derives_no_location(postcode, derived):
    # An NHS pseudo-postcode (ZZ99 3VZ: no fixed abode) is no place: no postcode, sector,
    # district or address key is derived from it, whatever else the record holds.
    frame = records_frame([rec("gp", "1", postcode=postcode, house_number="12")])
    columns = ["postcode", "postcode_sector", "postcode_district", "address_key"]
    assert tuple(frame.loc[0, columns]) == derived


def test_two_records_of_no_fixed_abode_do_not_share_a_location(model):
    person = {"given_name": "Ann", "family_name": "Lee", "date_of_birth": "1970-01-02"}

    def location_weight(place):
        frame = records_frame([rec("a", "1", **person, **place), rec("b", "1", **person, **place)])
        pairs = model.predict(frame)
        assert len(pairs) == 1
        return pairs["mw_location"].iloc[0]

    # Two homeless people's records: "location missing", no evidence either way.
    assert location_weight({"postcode": "ZZ99 3VZ"}) == 0.0
    # A real postcode shared is evidence, as it always was.
    assert location_weight({"postcode": "LS6 2AB"}) > 0.0


def test_a_source_with_few_fields_still_scores(model):
    frame = records_frame(
        [
            rec("ct", "1", given_name="Ann", family_name="Lee", postcode="LS6 2AB"),
            rec("hb", "2", given_name="Ann", family_name="Lee", postcode="LS6 1QQ"),
        ]
    )
    pairs = model.predict(frame)
    # Name and district alone are not enough to link automatically, but the pair is scored.
    assert len(pairs) == 1 and 0.0 < pairs["match_probability"].iloc[0] < MATCH_PROBABILITY


@pytest.mark.parametrize(
    ("title", "expected"),
    [("Mr", "Y"), ("mrs.", "Y"), ("Dr", "Y"), ("Miss", None), ("Master", None), (None, None)],
)
def test_an_adult_title_is_marked_for_the_age_check(title, expected):
    frame = records_frame([rec("ct", "1", title=title, given_name="J", family_name="Nowak")])
    assert frame.loc[0, "adult"] == expected


@pytest.mark.parametrize(
    ("source", "title", "expected"),
    [("ct", None, "Y"), ("ct", "Miss", "Y"), ("gp", None, None), ("gp", "Mr", "Y")],
)
def test_a_source_of_adults_marks_every_record_for_the_age_check(source, title, expected):
    frame = records_frame(
        [rec(source, "1", title=title, given_name="J", family_name="Nowak")],
        adult_sources={"ct"},
    )
    assert frame.loc[0, "adult"] == expected


def test_a_payer_without_a_title_is_not_the_child_of_that_name_at_the_address():
    # "J Nowak" on the council tax: no title, no date of birth; the four-year-old Jakub's GP
    # record at the same house. A council tax payer is 18 or over.
    place = {"family_name": "Nowak", "postcode": "LS6 2AB", "house_number": "12"}
    payer = rec("ct", "1", given_name="J", **place)
    child = rec("gp", "1", given_name="Jakub", date_of_birth=f"{date.today().year - 4}-05-01",
                sex="male", **place)  # fmt: skip
    model = PersonModel.default()
    plain = model.predict(records_frame([payer, child]))
    adults = model.predict(records_frame([payer, child], adult_sources={"ct"}))
    assert len(adults) == 1
    assert adults["match_weight"].iloc[0] < plain["match_weight"].iloc[0] - 5
    assert adults["match_probability"].iloc[0] < 0.5


@pytest.mark.parametrize(
    ("number", "expected"), [("9434765870", "Y"), ("9434765871", None), ("1234567", None)]
)
def test_only_a_number_passing_modulus_11_counts_as_a_valid_nhs_number(number, expected):
    frame = records_frame([rec("gp", "1", nhs_number=number)])
    assert frame.loc[0, "nhs_valid"] == expected


@pytest.mark.parametrize(
    ("description", "left", "right"),
    [
        (
            "one birth date at one house number, the postcode mistyped and the names swapped",
            {"given_name": "Thomas", "family_name": "Green", "postcode": "LS6 2AB"},
            {"given_name": "Grteen", "family_name": "Thomas", "postcode": "LS16 2AB"},
        ),
        (
            "one full name at one house number, the postcode mistyped and no birth date",
            {"given_name": "Thomas", "family_name": "Green", "postcode": "LS6 2AB"},
            {"given_name": "Thomas", "family_name": "Green", "postcode": "LS2 6AB"},
        ),
    ],
)
def test_a_mistyped_postcode_does_not_hide_a_pair_from_scoring(model, description, left, right):
    # The house number still places both records: they must at least be scored.
    left = {**left, "house_number": "10", "street": "Dumas Street", "date_of_birth": "1934-02-04"}
    right = {**right, "house_number": "10", "street": "Dumas Streat"}
    if "Grteen" in right["given_name"]:
        right["date_of_birth"] = "1934-02-04"
    frame = records_frame([rec("a", "1", **left), rec("b", "1", **right)])
    pairs = model.predict(frame)
    assert set(zip(pairs.unique_id_l, pairs.unique_id_r, strict=True)) == {("a|1", "b|1")}


@pytest.mark.parametrize(
    ("description", "left", "right"),
    [
        (
            "a council-tax 'Mr Smith' with no given name, and the GP record at that house",
            {"title": "Mr", "family_name": "Smith"},
            {"given_name": "Ezekiel", "family_name": "Smith", "date_of_birth": "1950-03-04"},
        ),
        (
            "an NHS number with one digit wrong, and both names recorded differently",
            {"given_name": "Jon", "family_name": "Smyth", "nhs_number": "9434765919"},
            {"given_name": "Xavier", "family_name": "Clarke", "nhs_number": "9434765911"},
        ),
    ],
)
def test_records_at_one_dwelling_are_scored_when_nothing_else_joins_them(
    model, description, left, right
):
    # Neither pair shares an initial, a birth date or a full name: only the dwelling, with a
    # surname or half an NHS number, places them side by side. Scoring is not linking: the
    # model still weighs what differs.
    place = {"postcode": "LS6 2AB", "house_number": "14"}
    frame = records_frame([rec("a", "1", **left, **place), rec("b", "1", **right, **place)])
    pairs = model.predict(frame)
    assert set(zip(pairs.unique_id_l, pairs.unique_id_r, strict=True)) == {("a|1", "b|1")}


def test_a_familys_members_are_not_all_compared_for_sharing_a_surname_and_a_home(model):
    # Every pair in every family would be 1.2M more pairs in a million records, all apart.
    place = {"postcode": "LS6 2AB", "house_number": "14", "family_name": "Smith"}
    frame = records_frame(
        [rec("a", "1", given_name="Ann", **place), rec("b", "1", given_name="Bob", **place)]
    )
    assert model.predict(frame).empty


def test_half_an_nhs_number_at_another_dwelling_is_not_a_candidate(model):
    left = {"given_name": "Jon", "family_name": "Smyth", "nhs_number": "9434765919"}
    right = {"given_name": "Xavier", "family_name": "Clarke", "nhs_number": "9434765911"}
    frame = records_frame(
        [
            rec("a", "1", **left, postcode="LS6 2AB", house_number="14"),
            rec("b", "1", **right, postcode="M1 1AA", house_number="3"),
        ]
    )
    assert model.predict(frame).empty


@pytest.mark.parametrize(
    ("description", "shared"),
    [
        ("a mobile", {"phones": ["+447700900123"]}),
        ("an email", {"emails": ["j.smith@example.org"]}),
    ],
)
def test_a_mobile_or_email_reaches_a_mover_with_no_birth_date(model, description, shared):
    # A council-tax row after a move shares only an initial, a surname and a contact detail
    # with the GP record at the old address; that contact detail is what says who he is.
    frame = records_frame(
        [
            rec("gp", "1", given_name="John", date_of_birth="1970-01-02", **HOME, **shared),
            rec(
                "ct",
                "1",
                title="Mr",
                given_name="J",
                family_name="Smith",
                postcode="LS9 9ZZ",
                house_number="3",
                **shared,
            ),
        ]
    )
    pairs = model.predict(frame)
    assert set(zip(pairs.unique_id_l, pairs.unique_id_r, strict=True)) == {("ct|1", "gp|1")}
    # Strong enough to join the only candidate; an initial alone would be left to review.
    assert pairs["match_probability"].iloc[0] >= UNAMBIGUOUS_PROBABILITY


def test_names_swapped_and_mistyped_still_count_as_swapped(model):
    # "Grenwood Thomas": the names in each other's fields, one letter lost on the way.
    home = {k: v for k, v in HOME.items() if k != "family_name"}
    records = [
        rec(
            "gp",
            "1",
            given_name="Thomas",
            family_name="Greenwood",
            date_of_birth="1934-02-04",
            **home,
        ),
        rec(
            "asc",
            "1",
            given_name="Grenwood",
            family_name="Thomas",
            date_of_birth="1934-02-04",
            **home,
        ),
    ]
    pairs = model.predict(records_frame(records))
    levels = model.level_weights()
    swapped = levels[levels["level"] == "given and family names swapped"]["match_weight"]
    assert len(pairs) == 1
    assert pairs["mw_given_name"].iloc[0] == pytest.approx(float(swapped.iloc[0]), abs=1e-6)


def test_names_in_other_scripts_are_evidence(model):
    # A name written in Cyrillic, Arabic or Chinese is a name: the same one agrees, a different
    # one differs (the key once kept only A-Z, so every such name compared as missing).
    home = {"date_of_birth": "2015-08-08", "postcode": "LS6 2AB", "house_number": "12"}

    def given_weight(first, second):
        frame = records_frame(
            [
                rec("a", "1", given_name=first, family_name="李", **home),
                rec("b", "1", given_name=second, family_name="李", **home),
            ]
        )
        pairs = model.predict(frame)
        assert len(pairs) == 1
        return pairs["mw_given_name"].iloc[0], pairs["match_probability"].iloc[0]

    same, _ = given_weight("Иван", "Иван")
    assert same > 0.0
    differ, twins = given_weight("明", "华")  # twins: one birthday, one home, two names
    assert differ < 0.0 and twins < MATCH_PROBABILITY
    assert records_frame([rec("a", "1", given_name="محمد")]).loc[0, "given_key"] == "محمد"


@pytest.mark.parametrize(
    ("left", "right"),
    [("Mc Donald", "McDonald"), ("O' Brien", "O'Brien"), ("Van der Berg", "Vanderberg")],
)
def test_a_family_name_prefix_written_apart_or_together_is_one_name(left, right):
    frame = records_frame([rec("a", "1", family_name=left), rec("b", "1", family_name=right)])
    assert frame["family_key"].iloc[0] == frame["family_key"].iloc[1]


def _location_and_surname(model: PersonModel, left: dict, right: dict) -> tuple[float, float]:
    person = {"given_name": "Anika", "family_name": "Spicer", "date_of_birth": "1986-10-12"}
    frame = records_frame([rec("a", "1", **person, **left), rec("b", "1", **person, **right)])
    pairs = model.predict(frame)
    assert len(pairs) == 1
    return float(pairs.loc[0, "mw_location"]), float(pairs.loc[0, "mw_family_name"])


@pytest.mark.parametrize(
    ("description", "right", "one_house"),
    [
        ("the postcode one key off", {"postcode": "LS6 2AD"}, True),
        (
            "the street mistyped and no postcode",
            {"street": "Hyde Prak Road", "postcode": None},
            True,
        ),
        (
            "the street and postcode each a slip off",
            {"street": "Hyde Park Raod", "postcode": "LS6 2BA"},
            True,
        ),
        (
            "another street, the postcode one key off",
            {"street": "Kelso Road", "postcode": "LS6 2AD"},
            False,
        ),
        (
            "another street, the postcode far off",
            {"street": "Kelso Road", "postcode": "LS16 9ZZ"},
            False,
        ),
    ],
)
def test_one_house_with_its_street_or_postcode_mistyped(model, description, right, one_house):
    home = {"postcode": "LS6 2AB", "house_number": "12", "street": "Hyde Park Road"}
    exact_location, household_surname = _location_and_surname(model, home, home)
    location, surname = _location_and_surname(model, home, {**home, **right})
    if one_house:
        # Where someone lives, slightly less sure than the exact address; and a surname there
        # is the household's, as at the exact address.
        assert 0 < location < exact_location, description
        assert surname == household_surname, description
    else:
        assert location <= 0 or surname != household_surname, description
