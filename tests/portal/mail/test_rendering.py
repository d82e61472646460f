"""A mail template is read and compiled once, not once per e-mail (a campaign to many suppliers queues many)."""

from __future__ import annotations

import pytest
from flask import Flask

from portal.mail import operations as mail_operations
from portal.mail.operations import queue_email


def test_a_template_is_read_once_for_many_e_mails(app: Flask, monkeypatch: pytest.MonkeyPatch, make_user) -> None:
    user = make_user()
    loader = app.jinja_env.loader
    assert loader is not None
    reads: list[str] = []
    read = loader.get_source

    def counting(environment, name):  # type: ignore[no-untyped-def]
        reads.append(name)
        return read(environment, name)

    monkeypatch.setattr(loader, "get_source", counting)
    mail_operations._compiled.cache_clear()
    first = queue_email("a@example.com", "password_reset", user=user, link="http://portal.test/a")
    second = queue_email("b@example.com", "password_reset", locale="en", user=user, link="http://portal.test/b")

    assert reads == ["mail/password_reset.txt"]
    # Still rendered per e-mail: its own language and values.
    assert first.subject != second.subject and second.subject == "Setting a new password"
    assert "http://portal.test/a" in first.body and "http://portal.test/b" in second.body
