"""The administrator's pages for resident accounts held after a split, and the resident's page.

Over the practitioner hub (the resident account is Anne's), SQLite: a link run splits Anne's
council tax and befriending records off her person; her pages say that the hub is checking
and show nothing held; the administrator finds the account on "Resident accounts to check",
confirms the person, and her pages come back.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from tests.integration.api.auth_hub import csrf_from, sign_in
from tests.integration.api.practitioner_hub import ANNE, make_practitioner_hub
from tests.integration.api.relinking import person_of, relink
from tests.integration.web.pages import error_summary, field_error, value_of


def _text(html: str) -> str:
    return " ".join(html.split())


def test_the_administrator_confirms_a_held_account_and_its_resident_sees_their_record(
    engine: Engine,
) -> None:
    hub = make_practitioner_hub(engine)
    admin = hub.client.__class__(hub.client.app, raise_server_exceptions=False)
    resident = hub.client.__class__(hub.client.app, raise_server_exceptions=False)
    sign_in(admin, "admin")
    sign_in(resident, "resident")
    assert "No resident account is waiting" in admin.get("/admin/resident-holds").text

    run = relink(
        hub.engine,
        ["gp_registrations|G1", "adult_social_care|S1"],
        ["council_tax|C1", "befriending|B1"],
    )
    other = person_of(run, "council_tax|C1")
    mine = resident.get("/my/record")
    assert mine.status_code == 403
    assert "its team is checking" in _text(mine.text)
    assert "<title>We are checking your record" in mine.text
    assert "You cannot do this" not in mine.text
    assert "Council tax" not in mine.text and "GP" not in mine.text

    listed = admin.get("/admin/resident-holds")
    assert listed.status_code == 200
    text = _text(listed.text)
    assert f"split into {ANNE} (2 records), {other} (2 records)" in text
    user_id = hub.user_ids["resident"]
    form = admin.get(f"/admin/users/{user_id}/person")
    assert value_of(form.text, "person_id") == ANNE
    assert "(kept the id)" in form.text

    blank = admin.post(
        f"/admin/users/{user_id}/person",
        data={"person_id": " ", "csrf_token": csrf_from(form.text)},
    )
    assert blank.status_code == 400
    assert error_summary(blank.text) == {
        "#person_id": "Enter the person id you checked the resident against"
    }
    unknown = admin.post(
        f"/admin/users/{user_id}/person",
        data={"person_id": "PNOSUCH000001", "csrf_token": csrf_from(form.text)},
    )
    assert unknown.status_code == 400
    assert "no person" in field_error(unknown.text, "person_id")
    assert value_of(unknown.text, "person_id") == "PNOSUCH000001"

    done = admin.post(
        f"/admin/users/{user_id}/person",
        data={"person_id": other, "csrf_token": csrf_from(form.text)},
    )
    assert done.status_code == 200  # followed the redirect back to the list
    text = _text(done.text)
    assert "Account " in text and "confirmed" in text
    assert "No resident account is waiting" in text
    assert resident.get("/my/record").status_code == 200

    # The form refuses a post without the form's CSRF token.
    forged = admin.post(f"/admin/users/{user_id}/person", data={"person_id": ANNE})
    assert forged.status_code == 403
    for client in (admin, resident):
        client.close()
    hub.client.close()
