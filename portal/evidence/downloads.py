"""Sending a stored evidence file to someone the caller has already allowed to see it."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, abort

from portal.evidence.models import Evidence
from portal.evidence.operations import KIND
from portal.storage import current_storage


def evidence_response(evidence: Evidence, *, inline: bool = False) -> Response:
    """The file as a download (never rendered by the browser unless ``inline``); 404 if it is gone."""
    storage = current_storage()
    if not storage.exists(KIND, evidence.sha256):
        abort(404)
    response = Response(storage.iter_bytes(KIND, evidence.sha256), mimetype=evidence.content_type)
    ascii_name = evidence.filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = (
        f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(evidence.filename)}"
    )
    response.headers["Content-Length"] = str(evidence.size)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
