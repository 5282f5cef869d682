"""The API benchmark's server: ``python -m benchmarks.api.server URL PORT [--ungoverned]
[--workers N]``.

Runs the real application under uvicorn as ``joinedup serve`` does (``--workers`` processes,
default :func:`joinedup.cli.serve_cmd.default_workers`; no access log). ``--ungoverned`` is the
baseline "same read with policy and audit switched off": it replaces, *in this benchmark process
only*, the joined view's policy decision with one that releases every item (and reads no
relationships, choices or break-glass) and its audit writes with nothing. It is not a setting of
joinedup: no environment variable or configuration of a production deployment can reach it,
because the code that does it lives here, outside the package.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from datetime import datetime
from typing import Any

import uvicorn

from joinedup.config import Settings
from joinedup.policy.request import Decision, ItemDecision, Reason


def _permit_all(_session: Any, actor: Any, person_id: str, records: Any, **kwargs: Any) -> Any:
    from joinedup.policy.request import AccessRequest
    from joinedup.services.access import holdings

    now: datetime = kwargs["now"]
    held = holdings(records, kwargs["sources"])
    request = AccessRequest(
        actor=actor.user,
        organisation=actor.organisation,
        role=actor.role,
        purpose=kwargs["purpose"],
        person_id=person_id,
        now=now,
        holdings=held,
        agreements=(),
    )
    reason = (Reason("permit", "benchmark baseline: policy switched off"),)
    items = tuple(ItemDecision(h.source, c, True, reason) for h in held for c in h.categories)
    return request, Decision(person_id=person_id, purpose=kwargs["purpose"], items=items)


def _nothing(*_args: Any, **_kwargs: Any) -> None:
    return None


def _no_inputs(_session: Any, person_ids: Any, **_kwargs: Any) -> dict[str, None]:
    return dict.fromkeys(person_ids)


def switch_off_governance() -> list[str]:
    """Patch the view's policy and audit calls out of this process; returns what was patched."""
    from joinedup.services import household, joined_view

    patched = []
    for module in (joined_view, household):
        for name, replacement in (
            ("decide_for", _permit_all),
            ("policy_inputs_for", _no_inputs),
            ("audit", _nothing),
            ("record_agreements", _nothing),
        ):
            if hasattr(module, name):
                setattr(module, name, replacement)
                patched.append(f"{module.__name__}.{name}")
    for needed in ("decide_for", "audit", "record_agreements"):
        if f"joinedup.services.joined_view.{needed}" not in patched:
            raise SystemExit(f"cannot switch governance off: joined_view.{needed} has moved")
    return patched


def _app(*, ungoverned: bool) -> Any:
    if ungoverned:
        print("patched:", ", ".join(switch_off_governance()), file=sys.stderr)
    from joinedup.api.app import create_app

    # Database, pool, concurrency and threads come from the JOINEDUP_* environment, as in
    # production; the key is fixed so that every worker shares it.
    return create_app(replace(Settings.from_env(), secret_key="benchmark, not for production"))


def governed_app() -> Any:
    """The real application (uvicorn's factory in each worker process)."""
    return _app(ungoverned=False)


def ungoverned_app() -> Any:
    """The application with the view's policy and audit switched off in this process."""
    return _app(ungoverned=True)


def main(argv: list[str] | None = None) -> None:
    from joinedup.cli.serve_cmd import default_workers

    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("port", type=int)
    parser.add_argument("--ungoverned", action="store_true")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    os.environ["JOINEDUP_DATABASE_URL"] = args.url
    factory = "ungoverned_app" if args.ungoverned else "governed_app"
    uvicorn.run(
        f"benchmarks.api.server:{factory}",
        factory=True,
        workers=args.workers or default_workers(args.url),
        host="127.0.0.1",
        port=args.port,
        access_log=False,
        log_level="warning",
        loop="auto",
        http="auto",
    )


if __name__ == "__main__":
    main()
