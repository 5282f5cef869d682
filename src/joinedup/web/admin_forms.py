"""What the administrator's forms check themselves, so that every problem is shown at once.

GOV.UK asks a form to check every field and show every problem together, each by its field,
with the answers kept. :mod:`joinedup.services.accounts` stays the authority — it checks again
when the form is sent on, and only it can say that a username or an id is already taken — but it
stops at its first problem, so a form with three mistakes would take three tries. The checks
here use the service's own limits and words, so a problem reads the same whichever finds it;
``tests/integration/web/test_admin_forms.py`` fails if the two disagree about a value; the
shapes of a username and an organisation id are the service's own patterns.

Each function takes the answers as typed (already stripped) and returns ``{field: message}``
in the order the fields are on the form, empty when the page finds nothing wrong.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from joinedup.policy.vocabulary import ROLES
from joinedup.services.accounts import (
    KIND_MAX,
    NAME_MAX,
    ORGANISATION_ID,
    PERSON_ID_MAX,
    RESERVED_ORGANISATION_IDS,
    USERNAME,
    normalise_username,
)
from joinedup.services.accounts import password_problem as accounts_password_problem

# Longer than any field's limit in services.accounts: what the service would refuse anyway is
# refused here before it is copied around, so a pasted document gets a message, not a slow page.
FIELD_MAX = 1000

USERNAME_RULE = (
    "A username must be 3 to 100 characters: lower-case letters, digits and . _ @ -, "
    "starting with a letter or digit"
)
ORGANISATION_ID_RULE = (
    "An organisation id must be 2 to 63 lower-case letters, digits and hyphens, "
    "such as 'northbridge-council'"
)
PRINTABLE_RULE = "Use only letters, numbers, spaces and punctuation"


def too_long(values: Mapping[str, str]) -> dict[str, str]:
    """``{field: message}`` for each value longer than :data:`FIELD_MAX`."""
    return {
        field: f"Enter at most {FIELD_MAX} characters"
        for field, value in values.items()
        if len(value) > FIELD_MAX
    }


def _text_problem(value: str, *, empty: str | None, limit: int, over: str) -> str | None:
    """The problem with a free-text answer: missing (when ``empty`` says so), long, unprintable."""
    if not value:
        return empty
    if len(value) > FIELD_MAX:
        return f"Enter at most {FIELD_MAX} characters"
    if len(value) > limit:
        return over
    if not value.isprintable():
        return PRINTABLE_RULE
    return None


def _found(problems: Mapping[str, str | None]) -> dict[str, str]:
    return {field: message for field, message in problems.items() if message}


def user_problems(
    values: Mapping[str, str], password: str, organisation_ids: Collection[str]
) -> dict[str, str]:
    """Every problem the create-account form can see, field by field.

    ``values`` holds ``username``, ``display_name``, ``role``, ``organisation_id`` and
    ``person_id``; ``organisation_ids`` are the organisations the form offers. Example:
    ``user_problems({"username": "A B", "role": "gp", "organisation_id": "nope", ...},
    "short", {"northbridge-council"})`` names the username, the organisation and the password.
    """
    username, role = values.get("username", ""), values.get("role", "")
    organisation, person = values.get("organisation_id", ""), values.get("person_id", "")
    resident = role == "resident"

    username_problem = None
    if not username:
        username_problem = "Enter a username"
    elif len(username) > FIELD_MAX:
        username_problem = f"Enter at most {FIELD_MAX} characters"
    elif not USERNAME.match(normalise_username(username)):
        username_problem = USERNAME_RULE

    organisation_problem = None  # a resident's account has none: the page does not send it on
    if not resident:
        if len(organisation) > FIELD_MAX:
            organisation_problem = f"Enter at most {FIELD_MAX} characters"
        elif organisation and organisation not in organisation_ids:
            organisation_problem = "Select an organisation from the list"
        elif not organisation and role in ROLES:
            organisation_problem = "Select the organisation the account belongs to"

    person_problem = None  # a staff account has no person id: the page does not send it on
    if resident and not person:
        person_problem = "Enter the person id the resident's account is for"
    elif resident and (len(person) > PERSON_ID_MAX or not person.isprintable()):
        person_problem = "Enter a person id as the master person index shows it"

    password_problem = None
    if len(password) > FIELD_MAX:
        password_problem = f"Enter at most {FIELD_MAX} characters"
    elif password:
        password_problem = accounts_password_problem(password, username)

    return _found(
        {
            "username": username_problem,
            "display_name": _text_problem(
                values.get("display_name", ""),
                empty="Enter the person's name, or what the account is for",
                limit=NAME_MAX,
                over=f"A display name must be {NAME_MAX} characters or fewer",
            ),
            "role": None if role in ROLES else "Select a role",
            "organisation_id": organisation_problem,
            "person_id": person_problem,
            "password": password_problem,
        }
    )


def token_name_problem(name: str) -> str | None:
    """The problem with a token's name as typed (already stripped), or ``None``."""
    return _text_problem(
        name,
        empty="Enter a name that says what uses the token",
        limit=NAME_MAX,
        over=f"A token's name must be {NAME_MAX} characters or fewer",
    )


def organisation_problems(values: Mapping[str, str]) -> dict[str, str]:
    """Every problem the add-organisation form can see: its name, id and kind.

    ``values["id"]`` is as it will be stored (lower case). Example:
    ``organisation_problems({"id": "../x", "name": "", "kind": ""})`` names the name and the id.
    """
    identifier = values.get("id", "")
    id_problem = None
    if not identifier:
        id_problem = "Enter a short id for the organisation"
    elif len(identifier) > FIELD_MAX:
        id_problem = f"Enter at most {FIELD_MAX} characters"
    elif not ORGANISATION_ID.match(identifier):
        id_problem = ORGANISATION_ID_RULE
    elif identifier in RESERVED_ORGANISATION_IDS:
        id_problem = f"The id '{identifier}' is kept for the hub itself: choose another"
    return _found(
        {
            "name": _text_problem(
                values.get("name", ""),
                empty="Enter the organisation's name",
                limit=NAME_MAX,
                over=f"An organisation's name must be {NAME_MAX} characters or fewer",
            ),
            "id": id_problem,
            "kind": _text_problem(
                values.get("kind", ""),
                empty=None,
                limit=KIND_MAX,
                over=f"The kind of organisation must be {KIND_MAX} characters or fewer",
            ),
        }
    )
