"""Delivering one message: over SMTP when ``PORTAL_SMTP_URL`` is set, to the log otherwise."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email import errors as email_errors
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from portal.mail.models import OutboxMessage

logger = logging.getLogger(__name__)


class Sender(Protocol):
    def send(self, message: OutboxMessage) -> None: ...


class Undeliverable(Exception):
    """This message can never be sent (it cannot be built, or the mail server refused it for good)."""


#: Reply codes meaning the server will never take this message for this recipient (RFC 5321 §4.2.1);
#: 5xx about the sender or our credentials are left to retry, since an operator can fix those.
_PERMANENT = range(550, 560)


def build_email(message: OutboxMessage, mail_from: str) -> EmailMessage:
    """The message as sent, or ``Undeliverable`` when a stored value cannot be a header (a line break in
    a subject or address queued before values were checked)."""
    email = EmailMessage()
    try:
        email["From"] = mail_from
        email["To"] = message.recipient
        email["Subject"] = message.subject
        # Lets a receiving server drop a duplicate if a retry follows a lost acknowledgement.
        email["Message-ID"] = f"<outbox-{message.id}@{mail_from.split('@')[-1]}>"
        email.set_content(message.body)
        if len(email["To"].addresses) != 1:
            raise ValueError("the recipient is not one e-mail address")
    except (ValueError, TypeError, IndexError, email_errors.MessageError) as error:
        raise Undeliverable(f"cannot be built: {error}") from None
    return email


class LogSender:
    """Development: the message goes to the log, its link tokens hidden (see log_config); a development
    install shows the links to operators on the 送信メール (outbox) page."""

    def send(self, message: OutboxMessage) -> None:
        build_email(message, "portal@localhost")  # what SMTP could not send fails here too
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
        email = build_email(message, self.mail_from)
        smtp_class = smtplib.SMTP_SSL if self.use_ssl else smtplib.SMTP
        with smtp_class(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password or "")
            try:
                smtp.send_message(email)
            except smtplib.SMTPRecipientsRefused as error:
                codes = [code for code, _ in error.recipients.values()]
                if all(code in _PERMANENT for code in codes):
                    raise Undeliverable(f"refused by the mail server: {error.recipients}") from None
                raise
            except smtplib.SMTPDataError as error:
                if error.smtp_code in _PERMANENT:
                    raise Undeliverable(f"refused by the mail server: {error.smtp_code} {error.smtp_error!r}") from None
                raise


def sender_for(smtp_url: str | None, mail_from: str) -> Sender:
    return SmtpSender(smtp_url, mail_from) if smtp_url else LogSender()
