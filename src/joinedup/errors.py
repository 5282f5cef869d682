"""The one family of errors a user sees: shown as a message, never as a traceback."""


class JoinedupError(Exception):
    """A problem the user can act on (bad input, bad mapping, missing file).

    The CLI prints ``str(error)`` and exits non-zero; the API maps it to a 4xx.
    """

    exit_code = 2
