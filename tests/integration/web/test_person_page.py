"""The joined-up record page, read as a practitioner reads it (over HTTP, without a browser).

The tiny borough of ``tests/integration/api/practitioner_hub.py``: CLARE is known to adult
social care and council tax; ANNE to the GP, adult social care, council tax and befriending.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.integration.api.practitioner_hub import ANNE, CLARE, build_borough
from tests.integration.web.pages import parse

SignedIn = Callable[..., TestClient]


@pytest.fixture
def borough(engine: Engine) -> None:
    build_borough(engine)


def _text(html: str) -> str:
    main = next(e for e in parse(html).iter("main"))
    return " ".join("".join(main.itertext()).split())


@pytest.mark.usefixtures("borough")
def test_being_known_to_a_sealed_service_does_not_show_to_whom_it_is_sealed_from(
    signed_in: SignedIn,
) -> None:
    # A housing officer may see Clare's council tax, not her adult social care. The page
    # said "Some information is withheld" and listed "Services holding special category data",
    # which it said of no one who was known to no such service: it told that she is.
    response = signed_in("housing_officer", purpose="housing_support").get(f"/people/{CLARE}")
    assert response.status_code == 200
    page = _text(response.text)
    assert "What you can see Everything shared with you for this purpose is shown" in page
    assert "Nothing from the services that share with you is withheld" in page
    for telling in ("special category data are withheld", "Services holding", "social care ("):
        assert telling not in page
    # Said on every record, whatever is held.
    assert "does not show whether they hold anything about this person" in page


@pytest.mark.usefixtures("borough")
def test_withheld_services_that_are_not_sealed_are_still_named(signed_in: SignedIn) -> None:
    response = signed_in("housing_officer", purpose="housing_support").get(f"/people/{ANNE}")
    page = _text(response.text)
    assert "What you can see Some information is withheld (see below)" in page
    assert "Befriending: identity" in page
    assert "does not show whether they hold anything about this person" in page
