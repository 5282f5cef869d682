"""Where the Northbridge data sharing agreements live (the demo's, not a default for any hub)."""

from __future__ import annotations

from joinedup.services.agreements_store import SHIPPED

DEMO_AGREEMENTS_DIR = SHIPPED
