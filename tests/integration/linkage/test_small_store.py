"""A store too small to train on links with the shipped model, and says so.

Among a handful of records most random pairs are the same person, so the u a training run
samples says an exact birth date is common: a model trained on a dozen records put identical
records below the link threshold (a QA pass). From ``MIN_TRAINING_RECORDS`` up it trains.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from joinedup.linkage.index import MIN_TRAINING_RECORDS, link
from joinedup.linkage.model import PersonModel
from joinedup.store.db import session_scope
from joinedup.store.linkage_tables import LinkRun
from tests.integration.linkage.index_helpers import Store
from tests.integration.linkage.test_index import BASE


def test_a_handful_of_records_links_with_the_shipped_model(engine: Engine) -> None:
    assert len(BASE) < MIN_TRAINING_RECORDS
    store = Store(engine)
    store.put(*BASE)
    said: list[str] = []
    result = link(engine, progress=said.append)
    assert any("too few records to train on (6): the shipped model" in line for line in said)
    persons = store.persons()
    assert persons["1"] == persons["2"] == persons["3"]  # Amara Okafor
    assert persons["4"] == persons["5"] != persons["1"]  # Tomasz Nowak
    assert len(set(persons.values())) == 3
    with session_scope(engine) as session:
        run = session.get(LinkRun, result.run_id)
        assert run is not None and run.model_json is not None
        assert PersonModel.from_json(run.model_json).to_json() == PersonModel.default().to_json()
