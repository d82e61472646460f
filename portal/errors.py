"""Domain errors with a user-safe message, mapped once to HTTP responses."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from werkzeug.exceptions import HTTPException

from portal.extensions import db
from portal.safe_redirect import is_local_path

logger = logging.getLogger(__name__)

MB = 1024 * 1024


class PortalError(Exception):
    http_status = 500
    code = "error"

    def __init__(self, message: Any = None) -> None:
        super().__init__(message)
        # Without a message of its own, the error says what its status says (a 404: "the page was not found").
        default = _HTTP_MESSAGES.get(self.http_status, _l("Something went wrong."))
        self.message = message if message is not None else default


class UserInputError(PortalError):
    http_status = 400
    code = "invalid"


class PermissionDenied(PortalError):
    http_status = 403
    code = "forbidden"


class NotFound(PortalError):
    http_status = 404
    code = "not_found"


class Conflict(PortalError):
    http_status = 409
    code = "conflict"


class TooManyRequests(PortalError):
    """Over a rate limit; ``retry_after`` is the number of seconds until the next attempt is allowed."""

    http_status = 429
    code = "too_many_requests"

    def __init__(self, message: Any = None, *, retry_after: int) -> None:
        super().__init__(message if message is not None else _HTTP_MESSAGES[429])
        self.retry_after = max(1, retry_after)


def too_large(max_bytes: int | None) -> LazyString:
    """The message for an upload over ``max_bytes``, naming the limit in megabytes ("20", "2.5", "0.004").

    The pages and the API word every upload limit through here: the request limit (the 413 below), the
    evidence files' and the offline workbook's own limits.
    """
    if not max_bytes:
        return _l("The file is too large.")
    megabytes = f"{max_bytes / MB:,.3f}".rstrip("0").rstrip(".")
    return _l("The file is too large (limit: %(mb)s MB).", mb=megabytes)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _render(status: int, code: str, message: Any, *, retry_after: int | None = None) -> Any:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    if _wants_json():
        return jsonify({"error": {"code": code, "message": str(message)}}), status, headers
    page = render_template(
        "errors/error.html",
        status=status,
        title=_HTTP_TITLES.get(status, _HTTP_TITLES[500] if status >= 500 else _DEFAULT_TITLE),
        # The plain "page not found" would only repeat the heading; a message of its own is shown.
        message=None if status == 404 and message is _HTTP_MESSAGES[404] else message,
        hint=_HTTP_HINTS.get(status),
        back=_previous_page(),
    )
    return page, status, headers


def _previous_page() -> str | None:
    """The page the person came from on this site (path and query), for a "back" link; None otherwise."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or referrer.path == request.path:
        return None
    target = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return target if is_local_path(target) else None


_HTTP_MESSAGES = {
    400: _l("The request could not be understood."),
    403: _l("You do not have permission to see this page."),
    404: _l("The page was not found."),
    405: _l("This action is not allowed here."),
    429: _l("Too many attempts. Please wait a moment and try again."),
    500: _l("Something went wrong on our side. Nothing you entered was saved by this request."),
    503: _l("The service is temporarily unavailable. Please try again in a minute."),
}

#: The heading of an error page: what happened, in words.
_HTTP_TITLES = {
    400: _l("The request could not be carried out"),
    403: _l("Not allowed"),
    404: _l("Page not found"),
    409: _l("Changed in the meantime"),
    413: _l("The file could not be uploaded"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
    503: _l("Temporarily unavailable"),
}
_DEFAULT_TITLE = _l("The request could not be carried out")

#: What the person can do next, where there is more to say than the message.
_HTTP_HINTS = {
    404: _l(
        "The address may be mistyped or incomplete, or the page may have been removed. If you work for "
        "several organisations, switch to the one the link is for."
    ),
    413: _l(
        "Nothing was uploaded or saved. Please go back and choose a smaller file, for example a PDF instead of "
        "scanned images, or split the document into parts."
    ),
    500: _l(
        "The error has been recorded. Please go back and try again; if it happens again, tell your "
        "administrator what you were doing and when."
    ),
}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(PortalError)
    def handle_portal_error(error: PortalError) -> Any:
        db.session.rollback()
        retry_after = error.retry_after if isinstance(error, TooManyRequests) else None
        return _render(error.http_status, error.code, error.message, retry_after=retry_after)

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException) -> Any:
        status = error.code or 500
        if status == 413:  # over MAX_CONTENT_LENGTH, or over a limit a view set on its request
            message = too_large(request.max_content_length)
        else:
            message = _HTTP_MESSAGES.get(status, error.description)
        if status == 400 and error.description and "CSRF" in error.description:
            message = _l("The form has expired or was sent from elsewhere. Please reload the page and try again.")
        return _render(status, (error.name or "error").lower().replace(" ", "_"), message)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> Any:
        if _is_database_down(error):
            logger.warning("Database unavailable: %s", str(error))  # the text only: keep no connection alive
            _without_database()
            return _render(503, "unavailable", _HTTP_MESSAGES[503], retry_after=30)
        # Roll back first: the error page must not run on a session left mid-transaction.
        db.session.rollback()
        logger.exception("Unhandled error on %s %s", request.method, request.path)
        return _render(500, "internal_error", _HTTP_MESSAGES[500])


def _is_database_down(error: Exception) -> bool:
    """A lost or refused database connection (a restart, a network cut), not a bug in a query."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    return isinstance(error, OperationalError | InterfaceError) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    )


def _without_database() -> None:
    """Let the error page render with no database: an anonymous visitor, no membership, no open session."""
    from flask import g

    from portal.extensions import login_manager

    try:
        db.session.rollback()
    except Exception:  # the connection is gone; the pool replaces it on the next checkout
        db.session.close()
    g._login_user = login_manager.anonymous_user()
    g.membership = None
