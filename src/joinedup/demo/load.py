"""Ingest a generated borough into the hub, source by source, through the ordinary pipeline.

The demo uses exactly what a data engineer would: each source's mapping file and extract go
through ``joinedup.ingest.pipeline.ingest_file``. What this adds is the check a demo owes its
audience — that every source reconciled as the generator intended: every ground-truth record
stored, and only the planted junk rows quarantined or skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from joinedup.demo.generate import Manifest, SourceManifest

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from joinedup.ingest.reconcile import Reconciliation

# Junk kinds the pipeline skips (blank lines) rather than quarantines.
_SKIPPED_JUNK = frozenset({"blank"})


@dataclass(frozen=True)
class SourceLoad:
    """One source's ingest beside what the generator planted in it."""

    source: SourceManifest
    result: Reconciliation

    @property
    def kept(self) -> int:
        r = self.result
        return r.stored + r.updated + r.unchanged

    @property
    def expected_quarantined(self) -> int:
        return sum(n for kind, n in self.source.junk.items() if kind not in _SKIPPED_JUNK)

    @property
    def expected_skipped(self) -> int:
        return sum(n for kind, n in self.source.junk.items() if kind in _SKIPPED_JUNK)

    @property
    def as_planted(self) -> bool:
        """Every record kept, every junk row quarantined or skipped, nothing else lost."""
        r = self.result
        return (
            self.kept == self.source.records
            and r.quarantined == self.expected_quarantined
            and r.skipped == self.expected_skipped
        )


def load_borough(
    engine: Engine,
    manifest: Manifest,
    *,
    on_source: Callable[[SourceManifest], None] | None = None,
) -> Iterator[SourceLoad]:
    """Ingest every source of ``manifest`` into ``engine``, yielding each reconciliation in turn.

    ``on_source`` is told which source is about to start (for a progress line). Errors from the
    pipeline (a bad mapping, an unreadable file) propagate as ``JoinedupError``.
    """
    from joinedup.ingest.pipeline import ingest_file

    for source in manifest.sources.values():
        if on_source is not None:
            on_source(source)
        result = ingest_file(engine, manifest.path(source.mapping), manifest.path(source.file))
        yield SourceLoad(source, result)
