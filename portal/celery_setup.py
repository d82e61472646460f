"""Celery bound to the Flask app: each task runs inside a fresh application context."""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from flask import Flask

TASK_MODULES = ["workers.tasks"]


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        # A fresh context (and so a fresh database session) even when eager, so development
        # behaves like a real worker and a job never sees uncommitted rows of the request.
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask, include=TASK_MODULES)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
