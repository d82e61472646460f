"""Stored files sent to the browser: a download, under a name that is safe in a header.

Evidence and exports come from uploaders or hold names people typed; as an attachment with ``nosniff``
the browser saves them and never renders them in the portal's origin (an ``<img>`` still shows a photo).
The one exception is ``inline``, which evidence uses for a PDF or an image the reviewer previews in the page:
its type was sniffed from the content on upload, and it is shown under a policy that runs nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote

from flask import Response

from portal.text_input import without_invisible

_NOT_PLAIN_ASCII = re.compile(r'[^\x20-\x7e]|["\\]')


#: What an inline file may do: nothing but be shown, and only inside the portal's own pages.
INLINE_CSP = "default-src 'none'; img-src 'self'; frame-ancestors 'self'"


def attachment(
    chunks: Iterable[bytes], *, mimetype: str, filename: str, size: int | None = None, inline: bool = False
) -> Response:
    """A response that downloads ``chunks`` as ``filename``: an ASCII fallback for old clients and the
    exact name in RFC 6266's ``filename*`` (UTF-8), with line breaks and invisible characters removed."""
    name = without_invisible(filename).strip() or "download"
    fallback = _NOT_PLAIN_ASCII.sub("_", name)
    response = Response(chunks, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f"{'inline' if inline else 'attachment'}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    if inline:
        response.headers["Content-Security-Policy"] = INLINE_CSP
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
    if size is not None:
        response.headers["Content-Length"] = str(size)
    return response
