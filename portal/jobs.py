"""Enqueue background jobs by name, after the caller has committed.

The portal never imports ``workers``: tasks are looked up by their registered name, so the
dependency runs one way (workers → portal) and eager mode in development runs the same code.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app

logger = logging.getLogger(__name__)


def enqueue(task_name: str, *args: Any) -> None:
    """Queue ``task_name`` with JSON-serialisable ``args`` (ids, never ORM objects)."""
    celery = current_app.extensions["celery"]
    celery.loader.import_default_modules()
    task = celery.tasks[task_name]
    task.apply_async(args=args)
    logger.debug("Enqueued %s%r", task_name, args)


def enqueue_job(task_name: str, *args: Any) -> None:
    """Enqueue a job whose row is already committed; a broker outage leaves it queued, never lost."""
    try:
        enqueue(task_name, *args)
    except Exception:
        logger.warning("Could not enqueue %s%r; it stays queued", task_name, args, exc_info=True)
