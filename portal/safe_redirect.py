"""Redirect targets taken from the request must stay on this site."""

from __future__ import annotations

from urllib.parse import urlsplit


def is_local_path(target: str | None) -> bool:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
