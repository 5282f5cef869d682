"""Hypothesis: whatever bytes arrive as a CSV or JSON Lines file, ingest never crashes, the
reconciliation adds up, and ingesting the same file again (as a full extract) stores nothing
new, ends nothing — and standardises nothing it stored (the raw digest skips it)."""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from joinedup.errors import JoinedupError
from joinedup.ingest.mapping import parse_mapping
from joinedup.ingest.pipeline import ingest_file
from joinedup.ingest.prepare import Preparer
from joinedup.ingest.rows import SourceRow
from joinedup.store import batches
from joinedup.store.db import session_scope

EXAMPLES = int(os.environ.get("JOINEDUP_HYPOTHESIS_EXAMPLES", "25"))
_counter = itertools.count()

PERSON = {"full_name": "name", "date_of_birth": "dob", "nhs_number": "nhs", "postcode": "pc"}
CELL = st.text(alphabet=st.sampled_from(list('ab ,;"\n\r\t|£é0123456789/-')), max_size=12)
CSV_TEXT = st.lists(st.lists(CELL, min_size=0, max_size=6), max_size=15).map(
    lambda rows: "id,name,dob,nhs,pc\n" + "\n".join(",".join(r) for r in rows)
)
ANY_BYTES = st.binary(max_size=400).map(lambda b: b"id,name,dob,nhs,pc\n" + b)
# Text-like bytes, where random bytes would mostly be refused as binary: quotes that may never
# close, every kind of line end, UTF-8 and Windows-1252 letters (and a UTF-8 letter cut
# short), Ctrl-Z and the odd NUL.
TEXT_PIECES = [b'"', b",", b"\n", b"\r", b"\r\n", b" ", b"a", b"7", b"01/02/1970"]
TEXT_PIECES += [b"\xc3\xab", b"\xe9", b"\x92", b"\xc3", b"\x1a", b"\x00"]
TEXT_BYTES = st.lists(st.sampled_from(TEXT_PIECES), max_size=150).map(
    lambda pieces: b"id,name,dob,nhs,pc\n" + b"".join(pieces)
)
JSON_LINES = st.lists(
    st.one_of(
        st.binary(max_size=40),
        st.builds(
            lambda i, n, d: f'{{"id": {i}, "p": {{"name": "{n}", "dob": "{d}"}}}}'.encode(),
            st.integers(-3, 30),
            st.text(alphabet="abcXYZ é", max_size=8),
            st.text(alphabet="0123456789/", max_size=10),
        ),
        # A lone surrogate escape, which json accepts and no database can store.
        st.just(b'{"id": 99, "p": {"name": "K\\ud800"}}'),
    ),
    max_size=15,
).map(lambda lines: b"\n".join(lines))
# PowerShell's JSON Lines: UTF-16 with a byte-order mark.
UTF16_LINES = st.lists(
    st.builds(
        lambda i, n: f'{{"id": {i}, "p": {{"name": "{n}", "dob": "01/02/1970"}}}}',
        st.integers(0, 9),
        st.text(alphabet="abcXYZ é😀", max_size=8),
    ),
    max_size=10,
).map(lambda lines: "\r\n".join(lines).encode("utf-16"))


def _check(
    engine: Engine, tmp_path: Path, fmt: str, content: bytes, parallel: bool | None = None
) -> None:
    """Ingest twice; each run either fails cleanly or adds up, and the second stores nothing.

    ``parallel=True`` reads the first time through a second process and the second time in
    this one, so the two paths must also agree with each other.
    """
    n = next(_counter)
    person = PERSON if fmt == "csv" else {"full_name": "p.name", "date_of_birth": "p.dob"}
    mapping = parse_mapping(
        {
            "source": f"prop_{n}",
            "organisation": "prop-org",
            "format": fmt,
            "record_id": "id",
            "person": person,
        }
    )
    path = tmp_path / f"f{n}.{fmt}"
    path.write_bytes(content)
    try:
        first = ingest_file(engine, mapping, path, parallel=parallel)
    except JoinedupError:
        with session_scope(engine) as session:
            assert all(b.status == "failed" for b in batches.list_batches(session, mapping.source))
        return
    # Reconciliation checks itself on construction; check the stored batch agrees.
    with session_scope(engine) as session:
        batch = batches.get_batch(session, first.batch_id)
        assert batch is not None and batch.counts() == first.counts()
    standardised: list[int] = []
    finish = Preparer.finish

    def counted(self: Preparer, row: SourceRow, *args: Any) -> Any:
        standardised.append(row.line)
        return finish(self, row, *args)

    with mock.patch.object(Preparer, "finish", counted):
        # As a full extract: the same file holds every record it stored, so none ends.
        again = None if parallel is None else False
        second = ingest_file(engine, mapping, path, parallel=again, full=True)
    assert second.read == first.read
    assert second.ended == 0 and second.kept_quarantined <= second.quarantined
    assert (second.stored, second.updated) == (0, 0)
    assert second.unchanged == first.stored + first.updated
    assert second.counts() == {**first.counts(), "stored": 0, "unchanged": first.stored}
    # The same bytes: every kept row is skipped unstandardised, whichever process stored it;
    # only rows quarantined for what they hold (no version to compare with) are read again.
    assert len(standardised) <= first.quarantined


PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY
@given(content=CSV_TEXT)
def test_csv_like_text(engine: Engine, tmp_path: Path, content: str) -> None:
    _check(engine, tmp_path, "csv", content.encode("utf-8"))


@PROPERTY
@given(content=ANY_BYTES)
def test_any_bytes_as_csv(engine: Engine, tmp_path: Path, content: bytes) -> None:
    _check(engine, tmp_path, "csv", content)


@PROPERTY
@given(content=JSON_LINES)
def test_json_lines(engine: Engine, tmp_path: Path, content: bytes) -> None:
    _check(engine, tmp_path, "jsonl", content)


@PROPERTY
@given(content=TEXT_BYTES)
def test_text_like_bytes_as_csv(engine: Engine, tmp_path: Path, content: bytes) -> None:
    _check(engine, tmp_path, "csv", content)


@PROPERTY
@given(content=UTF16_LINES)
def test_utf16_json_lines(engine: Engine, tmp_path: Path, content: bytes) -> None:
    _check(engine, tmp_path, "jsonl", content)


# A second interpreter per example: fewer examples, the same properties.
SECOND_PROCESS = settings(PROPERTY, max_examples=max(3, EXAMPLES // 5))


@SECOND_PROCESS
@given(content=ANY_BYTES)
def test_any_bytes_as_csv_through_a_second_process(
    engine: Engine, tmp_path: Path, content: bytes
) -> None:
    _check(engine, tmp_path, "csv", content, parallel=True)


@SECOND_PROCESS
@given(content=JSON_LINES)
def test_json_lines_through_a_second_process(
    engine: Engine, tmp_path: Path, content: bytes
) -> None:
    _check(engine, tmp_path, "jsonl", content, parallel=True)


@pytest.mark.parametrize("content", [b"", b"\xff\xfe\x00", b"id\r\r\r", b"id,name\n\x00\x00"])
def test_edge_files(engine: Engine, tmp_path: Path, content: bytes) -> None:
    _check(engine, tmp_path, "csv", content)
