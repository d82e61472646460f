"""Gunicorn's settings file for the web service: ``gunicorn --config python:portal.gunicorn_config …``."""

from __future__ import annotations

import gc
from typing import Any


def freeze_start_up() -> None:
    """Leave what start-up built (the app, its modules, SQLAlchemy's metadata, the questionnaires) out of every
    later full garbage collection.

    A full collection scans every tracked object; with the tens of thousands the app keeps for its whole life in
    that scan, the one that falls every few page requests added about 100 ms to a page's p95 (bench/reuse.py,
    the answering page with 150 suggestions: 211 ms before, 110 ms after). Frozen objects are never collected,
    and what start-up built lives as long as the process anyway.
    """
    gc.collect()
    gc.freeze()


def post_worker_init(worker: Any) -> None:
    """Gunicorn calls this in each worker once the worker has loaded the app."""
    freeze_start_up()
