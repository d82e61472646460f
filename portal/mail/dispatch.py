"""Ask a worker to drain the outbox now, after the caller committed the messages."""

from portal.jobs import enqueue_after_commit


def send_outbox_soon() -> None:
    # The beat schedule drains the outbox every minute anyway (and the sweep wakes it): this only saves the
    # wait, so a broker outage loses nothing.
    enqueue_after_commit("mail.send_outbox")
