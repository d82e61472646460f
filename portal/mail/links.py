"""Addresses of the portal's pages for e-mails, built from its URL map and the configured base URL."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from flask import current_app


def link_to(endpoint: str, *, anchor: str | None = None, **values: Any) -> str:
    """The full address of ``endpoint`` under ``BASE_URL`` (PORTAL_BASE_URL), as ``url_for(..., _external=True)``.

    The same inside a request, a Celery job or a command: the URL map is bound to the configured base
    URL, never to the request, so a forged Host header cannot put another site's address in an
    e-mail, and a job (which has no request) builds the same link a page would.
    """
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    link = adapter.build(endpoint, values, force_external=True)
    return f"{link}#{quote(anchor)}" if anchor else link
