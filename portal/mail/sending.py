"""Delivering one message: over SMTP when ``PORTAL_SMTP_URL`` is set, to the log otherwise."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from portal.mail.models import OutboxMessage

logger = logging.getLogger(__name__)


class Sender(Protocol):
    def send(self, message: OutboxMessage) -> None: ...


class LogSender:
    """Development: the message goes to the log, its link tokens hidden (see log_config); a development
    install shows the links to operators on the 送信メール (outbox) page."""

    def send(self, message: OutboxMessage) -> None:
        logger.info("E-mail to %s\nSubject: %s\n\n%s", message.recipient, message.subject, message.body)


class SmtpSender:
    def __init__(self, url: str, mail_from: str, timeout: float = 20.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError("PORTAL_SMTP_URL must start with smtp:// or smtps://")
        query = parse_qs(parts.query)
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if parts.scheme == "smtps" else 25)
        self.use_ssl = parts.scheme == "smtps"
        self.starttls = query.get("starttls", ["0"])[0] in ("1", "true", "yes")
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.mail_from = mail_from
        self.timeout = timeout

    def send(self, message: OutboxMessage) -> None:
        email = EmailMessage()
        email["From"] = self.mail_from
        email["To"] = message.recipient
        email["Subject"] = message.subject
        # Lets a receiving server drop a duplicate if a retry follows a lost acknowledgement.
        email["Message-ID"] = f"<outbox-{message.id}@{self.mail_from.split('@')[-1]}>"
        email.set_content(message.body)
        smtp_class = smtplib.SMTP_SSL if self.use_ssl else smtplib.SMTP
        with smtp_class(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(email)


def sender_for(smtp_url: str | None, mail_from: str) -> Sender:
    return SmtpSender(smtp_url, mail_from) if smtp_url else LogSender()
