"""User-facing ingest errors: a bad mapping, an unreadable file, an undecodable encoding.

Both are :class:`joinedup.errors.JoinedupError`, so the CLI shows them as one message without a
traceback and nothing of the batch is kept. A *row* that cannot be trusted is never an error: it
is quarantined with its reasons and ingest carries on.
"""

from __future__ import annotations

from collections.abc import Sequence

from joinedup.errors import JoinedupError


class MappingError(JoinedupError):
    """A source mapping that cannot be used; ``problems`` lists every problem found.

    ``str(error)`` is one line per problem, each prefixed with the mapping's file name
    (``council_tax.yaml: person.date_of_birth: expected a field name or {field, format}``).
    """

    def __init__(self, origin: str, problems: Sequence[str]) -> None:
        self.origin = origin
        self.problems = tuple(problems)
        super().__init__("\n".join(f"{origin}: {problem}" for problem in self.problems))


class SourceFileError(JoinedupError):
    """An extract that cannot be read as the mapping says (missing, wrong encoding, no header)."""


class MassEndRefused(JoinedupError):
    """A full extract that would end too much of its source to be trusted (see
    :data:`joinedup.ingest.pipeline.MASS_END_SHARE`); nothing of the batch is kept."""


class SourceConflict(JoinedupError):
    """A mapping that would move an existing source to another organisation or category."""
