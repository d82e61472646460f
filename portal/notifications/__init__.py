"""Who is told of what: events in, recipients and outbox e-mails out.

An operation that changes something people must hear of hands the event to :func:`notify`: a lifecycle
transition's own event (``portal.assessments.lifecycle``), or one of ``events`` for the rest (a section
assigned, an audit planned, a reminder due …). ``handlers`` holds one small function per event type: who
is told, which template under ``portal/templates/mail/``, and which link (``portal.mail.links.link_to``).
Every e-mail the portal writes is queued there, in the caller's transaction.
"""

from portal.notifications.registry import notify

__all__ = ["notify"]
