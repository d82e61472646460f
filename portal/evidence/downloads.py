"""Sending a stored evidence file to someone the caller has already allowed to see it."""

from __future__ import annotations

from flask import Response, abort

from portal.attachments import attachment
from portal.evidence.models import Evidence
from portal.evidence.operations import KIND
from portal.storage import current_storage


def evidence_response(evidence: Evidence) -> Response:
    """The file as a download, never rendered by the browser as a page; 404 if it is gone."""
    storage = current_storage()
    if not storage.exists(KIND, evidence.sha256):
        abort(404)
    return attachment(
        storage.iter_bytes(KIND, evidence.sha256),
        mimetype=evidence.content_type,
        filename=evidence.filename,
        size=evidence.size,
    )
