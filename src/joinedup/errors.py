"""The one family of errors a user sees: shown as a message, never as a traceback."""


class JoinedupError(Exception):
    """A problem the user can act on (bad input, bad mapping, missing file).

    The CLI prints ``str(error)`` and exits non-zero; the API maps it to a 4xx.
    """

    exit_code = 2


class RecordedRefusal(JoinedupError):
    """A refusal whose record must stand: the unit of work holds what was written to record it
    (an audit event of a refused attempt), and ``store.db.session_scope`` commits that before
    the error goes on to the user. Raise it only after writing nothing but that record."""
