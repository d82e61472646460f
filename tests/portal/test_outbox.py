import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from email import message_from_bytes
from email.policy import default

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from portal.accounts.operations import invite
from portal.db import utcnow
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.mail.operations import MAX_ATTEMPTS, retry_delay, send_next_due_message
from portal.mail.sending import LogSender, SmtpSender, Undeliverable, sender_for
from portal.organizations.models import Role
from tests.conftest import sign_in
from workers.tasks import send_outbox

pytestmark = pytest.mark.both_databases  # the dialects differ here (locks, upserts, SKIP LOCKED)


class FlakySender:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.delivered: list[int] = []

    def send(self, message):
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionRefusedError("mail server down")
        self.delivered.append(message.id)


def queued(n=1):
    messages = [OutboxMessage(recipient=f"r{i}@example.com", subject="s", body="b") for i in range(n)]
    db.session.add_all(messages)
    db.session.commit()
    return messages


def drain(sender, now):
    while send_next_due_message(sender, now=now) is not None:
        db.session.commit()
    db.session.commit()


def test_a_failed_message_waits_and_is_retried_then_sent_once(app):
    (message,) = queued()
    sender = FlakySender(failures=2)
    now = utcnow()
    drain(sender, now)
    assert (message.attempts, message.sent_at, sender.delivered) == (1, None, [])
    assert message.next_attempt_at == now + retry_delay(1)
    assert "mail server down" in message.last_error

    drain(sender, now)  # not due yet: nothing is tried
    assert message.attempts == 1
    drain(sender, now + timedelta(minutes=1))
    assert message.attempts == 2 and message.next_attempt_at == now + timedelta(minutes=1) + retry_delay(2)
    later = now + timedelta(hours=1)
    drain(sender, later)
    drain(sender, later + timedelta(hours=1))
    assert message.sent_at == later and sender.delivered == [message.id]


def test_retry_delay_backs_off_and_is_capped():
    assert [retry_delay(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert retry_delay(30) == timedelta(hours=6)


def test_a_message_that_keeps_failing_is_given_up_after_the_limit(app):
    (message,) = queued()
    sender = FlakySender(failures=1000)
    now = utcnow()
    for step in range(MAX_ATTEMPTS + 3):
        drain(sender, now + timedelta(days=step))
    assert message.attempts == MAX_ATTEMPTS
    assert message.failed_at is not None and message.sent_at is None


@contextmanager
def running_smtp(handler: object) -> Iterator[str]:
    """An SMTP server on a free local port, answering with ``handler``; its ``smtp://`` URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


@pytest.fixture
def smtp_server():
    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    with running_smtp(Handler()) as url:
        yield url, received


def test_the_task_sends_over_smtp_and_marks_each_message_sent(app, smtp_server):
    url, received = smtp_server
    app.config["SMTP_URL"] = url
    queued(3)
    assert send_outbox.delay().get() == 3
    assert sorted(e.rcpt_tos[0] for e in received) == ["r0@example.com", "r1@example.com", "r2@example.com"]
    assert all(m.sent_at is not None for m in db.session.scalars(sa.select(OutboxMessage)))
    assert send_outbox.delay().get() == 0  # nothing sent twice
    assert len(received) == 3


def test_with_the_mail_server_down_messages_stay_in_the_outbox(app):
    app.config["SMTP_URL"] = "smtp://127.0.0.1:9"  # discard port: nothing listens
    (message,) = queued()
    assert send_outbox.delay().get() == 0
    db.session.refresh(message)
    assert message.sent_at is None and message.attempts == 1 and message.last_error


def test_invitation_mail_is_written_with_the_change_and_sent_by_the_job(app, client, make_org, make_user, caplog):
    admin = make_user(organization=make_org("Buyer"), role=Role.BUYER_ADMIN)
    sign_in(client, admin.email)
    with caplog.at_level("INFO", logger="portal.mail.sending"):
        client.post("/organization/members", data={"email": "new@example.com", "role": "auditor"})
    message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == "new@example.com"))
    assert message.sent_at is not None  # eager Celery ran the job after the commit
    assert "/invitations/" in message.body
    assert any("new@example.com" in r.getMessage() for r in caplog.records)


def test_smtp_url_parsing():
    sender = SmtpSender("smtp://user%40x:p%2Fw@mail.example.com:587?starttls=1", "portal@example.com")
    assert (sender.host, sender.port, sender.username, sender.password, sender.starttls) == (
        "mail.example.com",
        587,
        "user@x",
        "p/w",
        True,
    )
    assert SmtpSender("smtps://mail.example.com", "a@b").port == 465
    assert isinstance(sender_for(None, "a@b"), LogSender)
    with pytest.raises(ValueError, match="smtp://"):
        SmtpSender("http://mail.example.com", "a@b")


# Values stored before names were checked ------------------------------------------------------


@pytest.fixture
def refusing_smtp_server():
    """A mail server that refuses gone@… for good (550) and busy@… for now (451)."""
    received = []

    class Handler:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address.startswith("gone@"):
                return "550 5.1.1 No such user"
            if address.startswith("busy@"):
                return "451 4.3.0 Try again later"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    with running_smtp(Handler()) as url:
        yield url, received


def test_a_name_with_line_breaks_stored_before_gives_a_sendable_email_with_the_name_on_one_line(
    app, make_org, refusing_smtp_server
):
    url, received = refusing_smtp_server
    app.config["SMTP_URL"] = url
    organization = make_org()
    organization.name = "Evil\rK.K.\r\nBcc: victim@example.com"  # as an older version stored it
    invite(organization, "new@example.com", Role.BUYER_ADMIN, by=None)
    db.session.commit()
    message = db.session.scalar(sa.select(OutboxMessage))
    assert message.subject == "【サプライチェーン・セキュリティポータル】Evil K.K. Bcc: victim@example.comへのご招待"
    assert send_outbox.delay().get() == 1
    (envelope,) = received
    assert envelope.rcpt_tos == ["new@example.com"]
    sent = message_from_bytes(envelope.content, policy=default)
    assert sent["Subject"] == message.subject and sent["Bcc"] is None
    assert "/invitations/" in sent.get_body().get_content()


def test_a_message_that_cannot_be_built_fails_at_once_with_its_reason_and_the_rest_are_sent(
    app, client, make_user, refusing_smtp_server
):
    url, received = refusing_smtp_server
    app.config["SMTP_URL"] = url
    # Queued before subjects were put on one line: no header can carry it.
    broken = OutboxMessage(recipient="r@example.com", subject="Hello\r\nBcc: victim@example.com", body="b")
    db.session.add(broken)
    (good,) = queued()
    assert send_outbox.delay().get() == 1
    db.session.refresh(broken)
    assert broken.failed_at is not None and broken.sent_at is None and broken.attempts == 1
    assert "cannot be built" in broken.last_error
    assert [e.rcpt_tos for e in received] == [[good.recipient]]
    for _ in range(3):  # never tried again
        assert send_outbox.delay().get() == 0
    db.session.refresh(broken)
    assert broken.attempts == 1

    operator = make_user("ops@example.com", is_operator=True)
    sign_in(client, operator.email)
    page = client.get("/operator/outbox").get_data(as_text=True)
    assert "失敗: Undeliverable: cannot be built" in page


def test_a_recipient_the_mail_server_refuses_for_good_fails_at_once_and_one_refused_for_now_waits(
    app, refusing_smtp_server
):
    url, _ = refusing_smtp_server
    app.config["SMTP_URL"] = url
    gone = OutboxMessage(recipient="gone@example.com", subject="s", body="b")
    busy = OutboxMessage(recipient="busy@example.com", subject="s", body="b")
    db.session.add_all([gone, busy])
    db.session.commit()
    assert send_outbox.delay().get() == 0
    db.session.refresh(gone)
    db.session.refresh(busy)
    assert gone.failed_at is not None and "550" in gone.last_error and "No such user" in gone.last_error
    assert busy.failed_at is None and busy.attempts == 1 and busy.next_attempt_at > utcnow()
    assert "451" in busy.last_error


def test_a_reason_holding_nul_is_stored_so_the_message_is_not_tried_forever(app):
    class NulSender:
        def send(self, message):
            raise Undeliverable("refused: \x00 in the data")

    (message,) = queued()
    drain(NulSender(), utcnow())
    db.session.refresh(message)
    assert message.failed_at is not None and message.attempts == 1 and "\x00" not in message.last_error
