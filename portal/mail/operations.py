"""Queueing e-mails in the outbox and draining it with retries."""

from __future__ import annotations

import functools
import logging
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from jinja2 import Environment, Template

from portal.db import utcnow
from portal.extensions import db
from portal.mail.models import SUBJECT_LENGTH, OutboxMessage
from portal.mail.sending import Sender, Undeliverable, sender_for
from portal.text_input import one_line

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


def queue_email(recipient: str, template: str, *, locale: str = "ja", **context: Any) -> OutboxMessage:
    """Render ``mail/<template>.txt`` in the recipient's language and add it to the outbox.

    The template's first line is the subject. Nothing is sent here: the message is a row in the
    caller's transaction, so it exists exactly when the change that caused it is committed.
    """
    with force_locale(locale):
        subject, body = _render(f"mail/{template}.txt", context)
    message = OutboxMessage(recipient=recipient, subject=subject, body=body)
    db.session.add(message)
    return message


def _render(name: str, context: dict[str, Any]) -> tuple[str, str]:
    """The subject and body of a mail template.

    The subject line is rendered on its own, so a value stored with a line break (before names were
    checked) stays in the subject, on one line, rather than cutting it short or reaching a header.
    """
    subject_template, body_template = _compiled(current_app.jinja_env, name)
    current_app.update_template_context(context)
    subject = one_line(subject_template.render(context))
    return subject[:SUBJECT_LENGTH], body_template.render(context).strip() + "\n"


@functools.lru_cache(maxsize=64)
def _compiled(environment: Environment, name: str) -> tuple[Template, Template]:
    """The subject line and the body of template ``name``, read and compiled once per application."""
    assert environment.loader is not None
    source, _, _ = environment.loader.get_source(environment, name)
    subject_line, _, body = source.partition("\n")
    # Plain text: a template without a file name would otherwise be HTML-escaped ("A&amp;B").
    plain = environment.overlay(autoescape=False)
    return plain.from_string(subject_line), plain.from_string(body)


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off: 1, 2, 4 … minutes, at most six hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def send_next_due_message(sender: Sender, *, now: datetime | None = None) -> OutboxMessage | None:
    """Try the oldest due message once, record the outcome, flush, and return it (None: nothing due).

    The row is locked with SKIP LOCKED on PostgreSQL so two workers never pick the same message;
    the caller commits after each message, so a sent message is marked sent before the next one.
    """
    now = now or utcnow()
    message = db.session.scalars(
        sa.select(OutboxMessage)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if message is None:
        return None
    message.attempts += 1
    try:
        sender.send(message)
    except Undeliverable as error:
        # Trying again would fail the same way: given up at once, the reason shown on the outbox page.
        message.failed_at = now
        message.last_error = _reason(error)
        logger.error("E-mail %s to %s cannot be delivered: %s", message.id, message.recipient, error)
    except Exception as error:  # any other delivery failure is retried later, never lost
        message.last_error = _reason(error)
        if message.attempts >= MAX_ATTEMPTS:
            message.failed_at = now
            logger.error("Giving up on e-mail %s to %s: %s", message.id, message.recipient, error)
        else:
            message.next_attempt_at = now + retry_delay(message.attempts)
            logger.warning("E-mail %s failed (attempt %s): %s", message.id, message.attempts, error)
    else:
        message.sent_at = now
        message.last_error = None
        logger.info("E-mail %s sent to %s", message.id, message.recipient)
    db.session.flush()
    return message


def _reason(error: Exception) -> str:
    # NUL cannot be stored in PostgreSQL text: the row could then never be marked, and would be tried forever.
    return f"{type(error).__name__}: {error}".replace("\x00", "")[:2000]


def current_sender() -> Sender:
    return sender_for(current_app.config["SMTP_URL"], current_app.config["MAIL_FROM"])
