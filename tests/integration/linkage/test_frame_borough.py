"""On a demo borough read back from the store, the model frame is exactly the frame the
row-by-row derivation gave (tests/unit/linkage/reference_frame.py)."""

from __future__ import annotations

from pathlib import Path

from joinedup.linkage.frame import records_frame
from tests.unit.linkage.frame_equality import assert_same_frame
from tests.unit.linkage.reference_frame import reference_records_frame


def _borough_rows(tmp: Path) -> list[dict]:
    from joinedup.demo.generate import generate_borough
    from joinedup.demo.load import load_borough
    from joinedup.store.db import make_engine, session_scope, upgrade
    from joinedup.store.records import LINKAGE_COLUMNS, iter_current

    manifest = generate_borough(tmp / "borough", people=400, seed=13)
    engine = make_engine(f"sqlite:///{tmp / 'hub.sqlite'}")
    upgrade(engine)
    for _ in load_borough(engine, manifest):
        pass
    with session_scope(engine) as session:
        rows = [dict(row) for row in iter_current(session, columns=LINKAGE_COLUMNS)]
    engine.dispose()
    return rows


def test_borough_frame_is_the_reference_frame(tmp_path: Path) -> None:
    rows = _borough_rows(tmp_path)
    assert_same_frame(records_frame(rows), reference_records_frame(rows))
    # A run derives the store a chunk at a time: a chunk's frame is the same rows' frame.
    assert_same_frame(records_frame(rows[:97]), reference_records_frame(rows[:97]))
