"""The HTTP API (FastAPI) and the application factory ``joinedup.api.app.create_app``.

:data:`ROUTER_MODULES` lists the modules whose ``router`` is served under ``/api/v1``. A module not
written yet is skipped, so each area adds its own ``*_routes.py`` without editing this list.
Importing this package imports neither FastAPI nor the database.
"""

from __future__ import annotations

API_PREFIX = "/api/v1"

ROUTER_MODULES: tuple[str, ...] = (
    "joinedup.api.auth_routes",  # who am I, health
    "joinedup.api.admin_routes",  # organisations, users, tokens
    "joinedup.api.resident_hold_routes",  # resident accounts waiting after a split
    "joinedup.api.practitioner_routes",
    "joinedup.api.resident_routes",
    "joinedup.api.governance_routes",
    "joinedup.api.review_routes",  # the linkage review queue, at /api/v1/review
    "joinedup.api.fhir_routes",
)
