"""The web pages: server-rendered HTML (Jinja2 + GOV.UK Frontend + htmx) over ``services/``.

Two things every page author edits live here, as plain data, so they are in one place:

- :data:`ROUTER_MODULES` — the modules whose ``router`` (a FastAPI ``APIRouter``) ``create_app``
  includes. A module not written yet is skipped, so each area adds its own file and nothing else.
- :data:`NAVIGATION` — per role, the links in the header and on that role's home page. Links to
  pages not built yet simply 404 until they land.

Importing this package imports neither FastAPI nor Jinja.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ROUTER_MODULES: tuple[str, ...] = (
    "joinedup.web.app",  # sign in/out, purpose, home, accessibility statement
    "joinedup.web.password_pages",  # change your own password
    "joinedup.web.practitioner_pages",
    "joinedup.web.review_pages",
    "joinedup.web.governance_pages",
    "joinedup.web.break_glass_review_pages",
    "joinedup.web.resident_pages",
    "joinedup.web.admin",  # partner organisations and accounts
    "joinedup.web.admin_tokens",  # API tokens
    "joinedup.web.resident_hold_pages",
    "joinedup.web.admin_passwords",  # an administrator resets someone's password
)


@dataclass(frozen=True)
class NavItem:
    """A link a role's users see in the header and, with its description, on their home page."""

    text: str
    href: str
    description: str


_PRACTITIONER = (
    NavItem(
        "Find a person",
        "/people",
        "Search by name, date of birth, postcode or NHS number and see the joined-up record.",
    ),
)

NAVIGATION: dict[str, tuple[NavItem, ...]] = {
    "social_worker": _PRACTITIONER,
    "gp": _PRACTITIONER,
    "housing_officer": _PRACTITIONER,
    "charity_caseworker": _PRACTITIONER,
    "reviewer": (
        NavItem(
            "Review queue",
            "/review",
            "Decide whether pairs of records the matcher was unsure about are the same person.",
        ),
    ),
    "ig_officer": (
        NavItem("Audit search", "/governance/audit", "Who looked at what, when and why."),
        NavItem("Alerts", "/governance/alerts", "Break-glass access and declared relationships."),
        NavItem("Agreements", "/governance/agreements", "The data sharing agreements in force."),
        NavItem("Audit chain", "/governance/chain", "Whether the audit trail is intact."),
    ),
    "admin": (
        NavItem("Users", "/admin/users", "Create accounts and switch them off."),
        NavItem("Organisations", "/admin/organisations", "The partners that use this hub."),
        NavItem("API tokens", "/admin/tokens", "Issue and revoke tokens for other systems."),
        NavItem(
            "Resident accounts to check",
            "/admin/resident-holds",
            "Accounts whose resident sees nothing until you confirm their person after a split.",
        ),
    ),
    "resident": (
        NavItem("My record", "/my/record", "What each organisation holds about you."),
        NavItem("Who looked", "/my/access", "Who looked at your record, when and why."),
        NavItem("My choices", "/my/choices", "Object to or agree to each use of your data."),
        NavItem("Download", "/my/download", "Everything held about you, in one file."),
    ),
}


def navigation_for(caller: Any, current_path: str = "") -> list[dict[str, Any]]:
    """The header links for a caller (none when signed out), marking the page they are on.

    In the shape ``govukServiceNavigation`` takes: ``text``, ``href``, ``current``, ``active``.
    """
    if caller is None:
        return []
    items = NAVIGATION.get(getattr(caller, "role", ""), ())
    return [
        {
            "text": item.text,
            "href": item.href,
            "current": current_path == item.href,
            "active": current_path.startswith(item.href + "/"),
        }
        for item in items
    ]
