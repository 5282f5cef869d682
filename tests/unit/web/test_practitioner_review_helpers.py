"""The pure helpers of the practitioner and reviewer pages, as tables (and Hypothesis).

- ``evidence_bars`` turns per-field match weights into bars on a 0–200 scale with zero at 100;
- ``percent`` never rounds a doubt away;
- ``search_errors`` puts each of ``parse_query``'s problems against its form field;
- ``when`` and ``category_label`` write dates and categories as a page should.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.services.actor import ServiceError
from joinedup.services.search import parse_query
from joinedup.web.practitioner_pages import category_label, search_errors, when
from joinedup.web.review_pages import evidence_bars, largest_weight, percent


@pytest.mark.parametrize(
    ("weights", "scale", "expected"),
    [
        pytest.param({}, None, [], id="no evidence"),
        pytest.param(None, None, [], id="none at all"),
        pytest.param(
            {"dob": 8.0, "sex": -2.0},
            None,
            [("dob", 8.0, 100.0, 100.0), ("sex", -2.0, 75.0, 25.0)],
            id="the strongest fills its side",
        ),
        pytest.param(
            {"dob": 8.0}, 16.0, [("dob", 8.0, 100.0, 50.0)], id="a shared scale halves it"
        ),
        pytest.param(
            {"nhs_number": 30.0}, 10.0, [("nhs_number", 30.0, 100.0, 100.0)], id="clipped"
        ),
        pytest.param(
            {"email": 1.0, "given_name": 1.0, "dob": 1.0},
            None,
            [
                ("given_name", 1.0, 100.0, 100.0),
                ("dob", 1.0, 100.0, 100.0),
                ("email", 1.0, 100.0, 100.0),
            ],
            id="reading order, not the order given",
        ),
        pytest.param(
            {"zodiac": 1.0, "dob": 2.0},
            None,
            [("dob", 2.0, 100.0, 100.0), ("zodiac", 1.0, 100.0, 50.0)],
            id="unknown fields after known ones",
        ),
        pytest.param(
            {"dob": float("nan"), "sex": float("inf"), "phone": 0.0},
            None,
            [("phone", 0.0, 100.0, 0.0)],
            id="not-finite weights left out; zero is a bar of no length",
        ),
    ],
)
def test_evidence_bars(
    weights: dict[str, float] | None,
    scale: float | None,
    expected: list[tuple[str, float, float, float]],
) -> None:
    bars = evidence_bars(weights, scale)
    assert [(b.field, b.weight, b.x, b.width) for b in bars] == expected


@given(
    st.dictionaries(
        st.sampled_from(["given_name", "family_name", "dob", "location", "phone", "other"]),
        st.floats(min_value=-60, max_value=60, allow_nan=False),
    ),
    st.one_of(st.none(), st.floats(min_value=0.5, max_value=50)),
)
def test_every_bar_stays_on_its_side_of_zero_and_inside_the_chart(
    weights: dict[str, float], scale: float | None
) -> None:
    for bar in evidence_bars(weights, scale):
        assert bar.x >= 0 and bar.x + bar.width <= 200 + 1e-9
        if bar.weight > 0:
            assert bar.x == 100 and bar.direction == "for"
        elif bar.weight < 0:
            assert math.isclose(bar.x + bar.width, 100, abs_tol=0.02)
            assert bar.direction == "against"


def test_largest_weight_is_shared_across_records() -> None:
    assert largest_weight({"dob": 3.0}, {"sex": -7.5}, None, {}) == 7.5
    assert largest_weight(None, {}) == 1.0
    assert largest_weight({"dob": float("nan")}) == 1.0


@pytest.mark.parametrize(
    ("probability", "text"),
    [
        (None, "not scored"),
        (float("nan"), "not scored"),
        (0.0, "0.0%"),
        (0.55, "55.0%"),
        (0.123456, "12.3%"),
        (0.9991, "99.91%"),
        (0.9995, "99.95%"),
        (0.99998, "99.998%"),
        (0.9999999, "more than 99.99%"),
        (1.0, "100.0%"),
    ],
)
def test_percent(probability: float | None, text: str) -> None:
    assert percent(probability) == text


@given(st.floats(min_value=0, max_value=1, exclude_max=True))
def test_a_probability_below_one_is_never_shown_as_certain(probability: float) -> None:
    assert percent(probability) != "100.0%"


@pytest.mark.parametrize(
    ("message", "errors"),
    [
        (
            "date_of_birth: day 31 does not exist in February; postcode: postcode has 2 "
            "characters; a UK postcode has 5 to 7",
            {
                "date_of_birth": "Day 31 does not exist in February",
                "postcode": "Postcode has 2 characters; a UK postcode has 5 to 7",
            },
        ),
        ("nhs_number: NHS number has 3 digits", {"nhs_number": "NHS number has 3 digits"}),
        (
            "Search by NHS number, by full name, or by two of: name, date of birth, postcode.",
            {
                "name": "Search by NHS number, by full name, or by two of: name, date of birth, "
                "postcode"
            },
        ),
        ("", {}),
    ],
)
def test_search_errors(message: str, errors: dict[str, str]) -> None:
    assert search_errors(message) == errors


@pytest.mark.parametrize(
    ("kwargs", "fields"),
    [
        ({"name": "Anne", "postcode": "XX"}, {"postcode"}),
        ({"date_of_birth": "31/2/1950", "nhs_number": "123", "postcode": "NB1 2AB"},
         {"date_of_birth", "nhs_number"}),
        ({"name": "Walker"}, {"name"}),
    ],
)  # fmt: skip
def test_every_problem_parse_query_finds_lands_on_a_field(
    kwargs: dict[str, str], fields: set[str]
) -> None:
    with pytest.raises(ServiceError) as caught:
        parse_query(**kwargs)
    assert set(search_errors(str(caught.value))) == fields


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("2024-02-01", "1 February 2024"),
        ("1950-03-04", "4 March 1950"),
        ("2026-11-23T18:59:22.070975+00:00", "23 November 2026 at 6:59pm"),
        ("2026-11-23T00:05:00+00:00", "23 November 2026 at 12:05am"),
        ("2026-11-23T12:00:00", "23 November 2026 at 12:00pm"),
        # UK time: British Summer Time from the last Sunday in March to the last in October.
        ("2026-07-01T13:30:00+00:00", "1 July 2026 at 2:30pm"),
        ("2026-07-01T13:30:00", "1 July 2026 at 2:30pm"),
        ("2026-03-29T00:59:00+00:00", "29 March 2026 at 12:59am"),
        ("2026-03-29T01:00:00+00:00", "29 March 2026 at 2:00am"),
        ("2026-10-25T00:30:00+00:00", "25 October 2026 at 1:30am"),
        ("2026-10-25T01:30:00+00:00", "25 October 2026 at 1:30am"),
        ("2026-06-30T23:30:00+00:00", "1 July 2026 at 12:30am"),
        ("2026-07-01T15:00:00+02:00", "1 July 2026 at 2:00pm"),
        ("not a date", "not a date"),
        ("", ""),
        (None, ""),
    ],
)
def test_when(value: str | None, text: str) -> None:
    assert when(value) == text


@pytest.mark.parametrize(
    ("category", "text"),
    [
        ("finance.council_tax", "Council tax (finance)"),
        ("health.gp_registration", "GP registration (health)"),
        ("social_care.adult", "Adult (social care)"),
        ("identity.core", "Identity: names, date of birth, addresses and contacts"),
        ("housing", "Housing"),
        (None, "Information"),
    ],
)
def test_category_label(category: str | None, text: str) -> None:
    assert category_label(category) == text


@pytest.mark.parametrize(
    ("weights", "start", "total"),
    [
        pytest.param({"dob": 7.2, "given_name": 4.0}, -5.1, 6.1, id="a start below zero"),
        pytest.param({"nhs_number": 12.5, "sex": -1.25}, -14.0, -2.75, id="a total below zero"),
        pytest.param({"dob": 3.0}, 0.0, 3.0, id="a start of zero is still said"),
    ],
)
def test_the_chart_starts_at_the_prior_so_its_bars_add_up_to_the_total(
    weights: dict[str, float], start: float, total: float
) -> None:
    bars = evidence_bars(weights, None, start=start)
    assert bars[0].field == "start"
    assert bars[0].label == "Starting point: two records picked at random"
    assert bars[0].weight == start
    assert [b.field for b in bars[1:]] == [b.field for b in evidence_bars(weights)]
    assert math.isclose(sum(b.weight for b in bars), total, abs_tol=0.01)
    # Every bar, the start too, is drawn on one scale: the largest of them fills its side.
    assert max(b.width for b in bars) == 100.0


@pytest.mark.parametrize("start", [None, float("nan"), float("-inf")])
def test_no_start_bar_without_a_finite_start(start: float | None) -> None:
    assert [b.field for b in evidence_bars({"dob": 2.0}, None, start=start)] == ["dob"]
    assert evidence_bars({}, None, start=-5.0) == []  # a start with no fields is no chart
