"""The model frame, derived once per distinct value and column at a time, is exactly the frame
the row-by-row derivation gave (`reference_frame`): same columns, dtypes and values, and the
same error for the same bad input, on records Hypothesis draws from the common person schema."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.errors import JoinedupError
from joinedup.linkage.frame import _nhs_valid, _nhs_valid_each, records_frame

from .frame_equality import assert_same_frame
from .reference_frame import reference_records_frame


def _text(*examples: str) -> st.SearchStrategy[str | None]:
    # Few values, so they repeat across records as real fields do, plus blanks and noise.
    return st.one_of(
        st.none(),
        st.sampled_from(["", " ", *examples]),
        st.text(alphabet="aBzÉé '-.1 ", max_size=6),
    )


NAMES = ("Bill", "William", "J", "Zoë", "O'Neill", "Smith-Jones", "jo ann", "Łukasz", "ALI")
FIELDS = {
    "title": _text("Mr", "Mrs", "miss", "Dr.", "Master", "Rt Hon", "Lady"),
    "given_name": _text(*NAMES),
    "middle_names": _text("Ann Marie", "J", "Lee"),
    "family_name": _text("Smith", "Nowak", "O'Neill", "Ng"),
    "name_suffix": _text("Jr", "snr", "III", "OBE", "Jr. MBE"),
    "preferred_name": _text("Bill", "Liz", "Bob"),
    "other_family_names": st.lists(_text("Jones", "Ng", "Smith"), max_size=3),
    "date_of_birth": st.one_of(st.none(), st.sampled_from(["", "1961-04-03", "2020-02-29"])),
    "year_of_birth": st.one_of(st.none(), st.sampled_from([1961, 2020, 1900])),
    "sex": _text("male", "Female", "unknown", "other"),
    "nhs_number": _text("9434765919", "943 476 5919", "9434765918", "1111111111", "12345"),
    "flat": _text("Flat 3", "Apartment 15", "3b", "Studio"),
    "house_number": _text("12", "12A", "12-14"),
    "house_name": _text("Rose Cottage", "The Old Mill"),
    "street": _text("Harehills Lane", "Main St"),
    "postcode": _text("LS6 2AB", "ls62ab", "SW1A 1AA", "75001", "LS6", "ZZ99 3VZ", "zz993wz"),
    "uprn": _text("100023336956", "42"),
    "phones": st.lists(_text("+447700900123", "+441132496000", "+447700900124"), max_size=3),
    "emails": st.lists(_text("A@Example.com", "a@example.com", "b@nhs.net"), max_size=2),
}


@st.composite
def records(draw: st.DrawFn) -> list[dict]:
    # Each frame's records share which fields they carry, as one source's extract does; a
    # field no record carries is a column the frame must still fill.
    carried = draw(st.sets(st.sampled_from(sorted(FIELDS))))
    count = draw(st.integers(min_value=1, max_value=12))
    return [
        {
            "source_id": draw(st.sampled_from(["gp", "council_tax", " ct "])),
            "record_id": str(number),
            **{name: draw(FIELDS[name]) for name in sorted(carried)},
        }
        for number in range(count)
    ]


def _outcome(build, rows):
    try:
        return build(rows), None
    except JoinedupError as exc:
        return None, str(exc)


@settings(max_examples=400, deadline=None)
@given(records())
def test_frame_is_the_reference_frame(rows: list[dict]) -> None:
    frame, error = _outcome(records_frame, rows)
    expected, expected_error = _outcome(reference_records_frame, rows)
    assert error == expected_error
    if expected is not None:
        assert_same_frame(frame, expected)


@pytest.mark.parametrize(
    "rows",
    [
        [{"source_id": "gp", "record_id": "1", "date_of_birth": "03/04/1961"}],
        [{"source_id": "gp", "record_id": "1"}, {"source_id": "gp", "record_id": "1"}],
        [{"source_id": "gp", "record_id": " "}],
        [{"source_id": "gp", "record_id": 7, "given_name": ["not", "a", "name"]}],
        [{"source_id": "gp", "record_id": "1", "phones": "+447700900123", "emails": None}],
    ],
    ids=["bad date", "repeated key", "blank id", "odd types", "a string for a list"],
)
def test_odd_input_gives_what_the_reference_gives(rows: list[dict]) -> None:
    frame, error = _outcome(records_frame, rows)
    expected, expected_error = _outcome(reference_records_frame, rows)
    assert error == expected_error
    if expected is not None:
        assert_same_frame(frame, expected)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(alphabet="0123456789", min_size=9, max_size=11), st.none())))
def test_nhs_check_over_an_array_agrees_with_the_standard(numbers: list[str | None]) -> None:
    assert _nhs_valid_each(numbers) == [_nhs_valid(n) for n in numbers]
