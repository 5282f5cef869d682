"""Files the API and the pages hand over as downloads (an audit export for a regulator)."""

from __future__ import annotations

import json

from starlette.responses import Response

from joinedup.services.audit_export import AuditExport, as_csv, as_json, filename


def export_response(export: AuditExport, format: str) -> Response:
    """``export`` as a CSV or JSON attachment, named for whose it is and when it was made.

    Not cached anywhere on the way: it holds who looked at a resident.
    """
    if format == "json":
        body = json.dumps(as_json(export), indent=2, ensure_ascii=False)
        media = "application/json"
    else:
        body, media = as_csv(export), "text/csv; charset=utf-8"
    return Response(
        body,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="{filename(export, format)}"',
            "Cache-Control": "no-store",
        },
    )
