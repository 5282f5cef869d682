"""Jinja2 for the pages: our templates, GOV.UK Frontend's macros, and one ``render`` for them all.

Templates live in ``web/templates`` (one folder per area: ``practitioner/``, ``resident/``, …) and
extend ``base.html``. GOV.UK Frontend's Nunjucks macros are available under the
``govuk_frontend_jinja/`` prefix, e.g.
``{% from "govuk_frontend_jinja/components/button/macro.html" import govukButton %}``.

``ChainableUndefined`` is needed because the GOV.UK macros read optional ``params.x.y`` freely.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from jinja2 import (
    ChainableUndefined,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    select_autoescape,
)
from starlette.responses import HTMLResponse

from joinedup.policy.vocabulary import purpose_label

TEMPLATES = Path(__file__).parent / "templates"
SERVICE_NAME = "joinedup"
# Residents read times as the clock on their wall: UK time, summer time included. (Staff pages
# say "UTC" beside their times, as the audit trail keeps them.)
UK = ZoneInfo("Europe/London")


def uk_time(moment: datetime, pattern: str = "%-d %B %Y, %H:%M") -> str:
    """``moment`` (timezone-aware, as the store gives them) in UK time, formatted.

    >>> uk_time(datetime(2026, 6, 30, 23, 30, tzinfo=UTC))   # doctest: +SKIP
    '1 July 2026, 00:30'
    """
    return moment.astimezone(UK).strftime(pattern)


@cache
def environment() -> Environment:
    """The one Jinja environment (built on first use, then shared)."""
    env = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(TEMPLATES),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=select_autoescape(["html"]),
        undefined=ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["service_name"] = SERVICE_NAME
    env.globals["purpose_label"] = purpose_label
    env.filters["uk_time"] = uk_time
    return env


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a page with what every page needs: the caller, their navigation, the CSRF token.

    Every template receives ``caller`` (``None`` when signed out), ``nav`` (the caller's
    navigation items), ``csrf_token``, ``csp_nonce``, ``request_id`` and ``current_path``, plus
    ``context``. Pass ``errors`` (field → message) to get the GOV.UK error summary and the
    ``Error:`` prefix in the title.
    """
    from joinedup.web import navigation_for
    from joinedup.web.csrf import expected_token

    caller = getattr(request.state, "caller", None)
    values: dict[str, Any] = {
        "request": request,
        "caller": caller,
        "nav": navigation_for(caller, request.url.path),
        "csrf_token": expected_token(request),
        "csp_nonce": getattr(request.state, "csp_nonce", ""),
        "request_id": getattr(request.state, "request_id", ""),
        "current_path": request.url.path,
        "errors": {},
    }
    values.update(context or {})
    html = environment().get_template(template).render(values)
    return HTMLResponse(html, status_code=status_code)
