"""What the account functions refuse, and the errors they raise for it.

Shared by users, organisations and API tokens: each error carries the HTTP status the API
answers with and, where a form is behind it, the ``field`` to fix. Who may make a change at all
is :func:`require_administrator`.
"""

from __future__ import annotations

from joinedup.errors import JoinedupError
from joinedup.services.actor import Actor, NotPermitted

# Names people type (a display name, an organisation's or a token's name): long enough for any
# real one, short enough that a pasted document is refused.
NAME_MAX = 200


def require_administrator(by: Actor | None) -> None:
    """Refuse (403) a change to accounts, organisations or tokens made ``by`` anyone but an
    administrator; ``None`` is the system itself (the demo, tests, moving accounts in bulk).

    Decided here, before anything is checked or written, so that every front end enforces it
    as the services enforce a reviewer's or an IG officer's duties.
    """
    if by is not None and by.role != "admin":
        raise NotPermitted("Only an administrator can manage accounts.")


def refuse_unprintable(field: str, text: str) -> None:
    """Raise :class:`Invalid` naming ``field`` when ``text`` holds a control character."""
    # A NUL or other control character cannot be stored by PostgreSQL and is never meant.
    if not text.strip().isprintable():
        raise Invalid(field, "Use only letters, numbers, spaces and punctuation.")


class Invalid(JoinedupError):
    """Input an account function cannot use (400); ``field`` names the form field to fix."""

    http_status = 400

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotFound(JoinedupError):
    """The thing asked for does not exist (the API answers 404)."""

    http_status = 404


class AlreadyExists(JoinedupError):
    """The username or organisation id is already in use (the API answers 409)."""

    http_status = 409

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class AlreadySo(JoinedupError):
    """The account is already switched on (or off): nothing to change, nothing audited (409)."""

    http_status = 409


class OwnAccount(JoinedupError):
    """An administrator asked to switch off their own account (409): another must do it, so
    that an account is never switched off by the one person who could not then undo it."""

    http_status = 409


class LastAdministrator(JoinedupError):
    """Switching this account off would leave the hub with no active administrator (409)."""

    http_status = 409
