"""JSON lists and objects written as text by hand are the text the JSON encoder would store."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from joinedup.linkage.explain import _weights_json
from joinedup.linkage.persons import _counts_json, _ids_json
from joinedup.store.bulk import JsonText
from joinedup.store.db import _json_dumps

ids = st.lists(st.text(min_size=0, max_size=14), max_size=4).map(tuple)
plain_ids = st.lists(st.from_regex(r"P[0-9A-Z]{12}", fullmatch=True), min_size=1, max_size=4)


@given(st.one_of(ids, plain_ids.map(tuple)))
def test_person_ids_json_is_the_encoders(person_ids):
    written = _ids_json(person_ids)
    if isinstance(written, JsonText):
        assert str(written) == _json_dumps(list(person_ids))
    else:
        assert written == list(person_ids)


@given(st.lists(st.one_of(st.integers(), st.booleans()), max_size=4).map(tuple))
def test_record_counts_json_is_the_encoders(counts):
    written = _counts_json(counts)
    if isinstance(written, JsonText):
        assert str(written) == _json_dumps(list(counts))
    else:
        assert written == list(counts)


names = st.one_of(st.sampled_from(["given_name", "dob", "nhs_number"]), st.text(max_size=6))
values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-50, max_value=50).map(lambda v: round(v, 3)),
    st.integers(-3, 3),
)


@given(st.one_of(st.none(), st.dictionaries(names, values, max_size=8)))
def test_field_weights_json_is_the_encoders(weights):
    written = _weights_json(weights)
    if isinstance(written, JsonText):
        assert str(written) == _json_dumps(weights)
    else:
        assert written is weights
