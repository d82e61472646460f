"""Gunicorn's logs without secret link tokens: ``gunicorn --logger-class portal.gunicorn_logging.TokenHidingLogger``.

The access log writes each request line and referrer, and the error log the path of a failed request;
for an invitation or a password-reset link both hold its token.
"""

from __future__ import annotations

from typing import Any

from gunicorn import glogging  # type: ignore[import-untyped]

from portal.log_config import HideLinkTokens


class TokenHidingLogger(glogging.Logger):
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        # On the loggers, so whatever handlers a log configuration adds get hidden tokens too.
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, HideLinkTokens) for f in log.filters):
                log.addFilter(HideLinkTokens())
