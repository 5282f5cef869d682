"""The API benchmark's server: ``python -m benchmarks.api.server URL PORT [--ungoverned]``.

Runs the real application under uvicorn (one worker, no access log). ``--ungoverned`` is the
baseline "same read with policy and audit switched off": it replaces, *in this benchmark process
only*, the joined view's policy decision with one that releases every item (and reads no
relationships, choices or break-glass) and its audit writes with nothing. It is not a setting of
joinedup: no environment variable or configuration of a production deployment can reach it,
because the code that does it lives here, outside the package.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

import uvicorn

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


def switch_off_governance() -> list[str]:
    """Patch the view's policy and audit calls out of this process; returns what was patched."""
    from joinedup.services import household, joined_view

    patched = []
    for module in (joined_view, household):
        for name, replacement in (
            ("decide_for", _permit_all),
            ("audit_decision", _nothing),
            ("audit", _nothing),
            ("ensure_recorded", _nothing),
        ):
            if hasattr(module, name):
                setattr(module, name, replacement)
                patched.append(f"{module.__name__}.{name}")
    if "joinedup.services.joined_view.decide_for" not in patched:
        raise SystemExit("cannot switch governance off: joined_view.decide_for has moved")
    return patched


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("port", type=int)
    parser.add_argument("--ungoverned", action="store_true")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="cap the worker threads that run sync routes and dependencies (default: anyio's 40)",
    )
    args = parser.parse_args(argv)
    if args.ungoverned:
        print("patched:", ", ".join(switch_off_governance()), file=sys.stderr)
    from joinedup.api.app import create_app
    from joinedup.config import Settings
    from joinedup.store.db import make_engine

    settings = Settings.from_env()
    settings = Settings(settings.data_dir, args.url, secret_key="benchmark, not for production")
    app = create_app(settings, make_engine(args.url))
    if args.threads:
        threads = args.threads

        async def cap_threads() -> None:
            # Sync dependencies that hold a pooled connection release it on a worker thread:
            # with more threads than connections, all threads can be waiting for a connection
            # that only a thread could give back (see docs/benchmarks.md).
            import anyio.to_thread

            anyio.to_thread.current_default_thread_limiter().total_tokens = threads

        app.router.on_startup.append(cap_threads)
    uvicorn.run(app, host="127.0.0.1", port=args.port, access_log=False, log_level="warning")


if __name__ == "__main__":
    main()
