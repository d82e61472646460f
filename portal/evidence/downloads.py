"""Sending a stored evidence file to someone the caller has already allowed to see it."""

from __future__ import annotations

from flask import Response, abort, request

from portal.attachments import attachment
from portal.evidence.models import Evidence
from portal.evidence.operations import KIND
from portal.storage import current_storage

#: Types a browser shows without running anything, previewed in the review page when asked (``?inline=1``).
PREVIEWABLE = frozenset({"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"})


def evidence_response(evidence: Evidence) -> Response:
    """The file as a download, never rendered by the browser as a page; 404 if it is gone.

    A PDF or an image asked for with ``?inline=1`` is shown instead (in a frame of the portal's pages only);
    every other type stays a download whatever is asked.
    """
    storage = current_storage()
    if not storage.exists(KIND, evidence.sha256):
        abort(404)
    return attachment(
        storage.iter_bytes(KIND, evidence.sha256),
        mimetype=evidence.content_type,
        filename=evidence.filename,
        size=evidence.size,
        inline=request.args.get("inline") == "1" and evidence.content_type in PREVIEWABLE,
    )
