"""Where an ingest is, for a progress bar: the phase, the rows so far, and how far through."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class IngestProgress:
    """Where an ingest is: ``phase`` (``scan`` or ``store``), rows so far, ``done`` of ``total``.

    ``done`` and ``total`` are bytes for text formats and rows for xlsx or a FHIR Bundle.
    """

    phase: str
    rows: int
    done: int
    total: int


ProgressCallback = Callable[[IngestProgress], None]
