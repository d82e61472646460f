"""Logging: one stdout handler for the web and the worker, configured once by the factory."""

from __future__ import annotations

import logging
import sys

from flask import Flask

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(app: Flask) -> None:
    logger = logging.getLogger("portal")
    logger.setLevel(app.config["LOG_LEVEL"])
    if not any(getattr(h, "_portal", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(_FORMAT))
        handler._portal = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.propagate = app.config.get("TESTING", False)
