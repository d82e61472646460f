"""Worker and beat entry point: ``celery -A workers.main worker`` / ``celery -A workers.main beat``."""

from typing import Any

from celery.signals import worker_process_init

from portal import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]


@worker_process_init.connect
def _fresh_connections(**_: Any) -> None:
    # Forked children must not share the parent's pooled database connections.
    from portal.extensions import db

    with flask_app.app_context():
        db.engine.dispose(close=False)
