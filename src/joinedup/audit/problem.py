"""One finding of :func:`joinedup.audit.verify.verify`, shared by the modules that look for them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the trail, at event ``seq``."""

    seq: int
    kind: str
    message: str

    def __str__(self) -> str:
        return f"event {self.seq}: {self.kind}: {self.message}"
