"""Thin Celery tasks: load by id, call an operation, commit. Names are ``<feature>.<verb>``."""

from __future__ import annotations

import logging

from celery import shared_task
from sqlalchemy.exc import OperationalError

from portal.extensions import db
from portal.mail.operations import current_sender, send_next_due_message

logger = logging.getLogger(__name__)

OUTBOX_BATCH = 100


@shared_task(name="mail.send_outbox", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def send_outbox() -> int:
    """Send every due message, committing after each so none is sent twice."""
    sender = current_sender()
    sent = 0
    for _ in range(OUTBOX_BATCH):
        message = send_next_due_message(sender)
        db.session.commit()
        if message is None:
            break
        sent += message.sent_at is not None
    return sent
