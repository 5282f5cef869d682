"""Who may do what an information governance officer does, and the service's not-found error."""

from __future__ import annotations

from joinedup.services.actor import Actor, NotPermitted, ServiceError

IG_ROLES: frozenset[str] = frozenset({"ig_officer"})


class NotFound(ServiceError):
    """No alert or agreement with that id (404)."""

    http_status = 404


def require_ig_officer(actor: Actor) -> None:
    """Refuse (403) anyone but an information governance officer."""
    if actor.role not in IG_ROLES:
        raise NotPermitted("Only an information governance officer can do this.")
