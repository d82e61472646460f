"""Ask a worker to drain the outbox now, after the caller committed the messages."""

from portal.jobs import enqueue


def send_outbox_soon() -> None:
    # The beat schedule drains the outbox every minute anyway; this only saves the wait.
    try:
        enqueue("mail.send_outbox")
    except Exception:  # broker down: the messages are safe in the outbox, beat will send them
        import logging

        logging.getLogger(__name__).warning("Could not enqueue mail.send_outbox; beat will retry", exc_info=True)
