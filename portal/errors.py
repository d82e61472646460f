"""Domain errors with a user-safe message, mapped once to HTTP responses."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from werkzeug.exceptions import HTTPException

from portal.extensions import db

logger = logging.getLogger(__name__)

MB = 1024 * 1024


class PortalError(Exception):
    http_status = 500
    code = "error"

    def __init__(self, message: Any = None) -> None:
        super().__init__(message)
        self.message = message if message is not None else _l("Something went wrong.")


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
    return render_template("errors/error.html", status=status, message=message), status, headers


_HTTP_MESSAGES = {
    400: _l("The request could not be understood."),
    403: _l("You do not have permission to see this page."),
    404: _l("The page was not found."),
    405: _l("This action is not allowed here."),
    429: _l("Too many attempts. Please wait a moment and try again."),
    500: _l("Something went wrong on our side. Nothing you entered was saved by this request."),
    503: _l("The service is temporarily unavailable. Please try again in a minute."),
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
