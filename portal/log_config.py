"""Logging: one stdout handler for the web and the worker, configured once by the factory.

No secret link token reaches a log: invitation and password-reset links carry theirs in the URL path,
which access logs, error messages and the development mail log (e-mails written to the log when no SMTP
server is set) would otherwise keep for anyone who reads the logs.
"""

from __future__ import annotations

import logging
import re
import sys

from flask import Flask

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

#: The paths of ``accounts.accept_invitation`` and ``accounts.reset_password``, whose last part is a
#: token; slashes may come percent-encoded (``/sign-in?next=%2Finvitations%2F…``). A test checks that
#: every route taking a ``<token>`` is covered.
_SECRET_LINK = re.compile(r"((?:/|%2F)(?:invitations|password(?:/|%2F)reset)(?:/|%2F))[A-Za-z0-9_-]{16,}", re.I)
HIDDEN = "[hidden]"


def hide_link_tokens(text: str) -> str:
    return _SECRET_LINK.sub(rf"\1{HIDDEN}", text)


class HideLinkTokens(logging.Filter):
    """Rewrites each record's message (and traceback) with the link tokens hidden."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = hide_link_tokens(message)
        if hidden != message:
            record.msg, record.args = hidden, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = hide_link_tokens(record.exc_text)
        return True


def configure_logging(app: Flask) -> None:
    logger = logging.getLogger("portal")
    logger.setLevel(app.config["LOG_LEVEL"])
    if not any(getattr(h, "_portal", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(_FORMAT))
        # On the handler, not the logger: a logger's filters skip what its child loggers log.
        handler.addFilter(HideLinkTokens())
        handler._portal = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.propagate = app.config.get("TESTING", False)
    # The development server (``flask run``, ``make demo``) logs each request line itself.
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, HideLinkTokens) for f in werkzeug.filters):
        werkzeug.addFilter(HideLinkTokens())
