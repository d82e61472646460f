"""Guessing passwords: the portal locks the account after repeated failures (PORTAL_LOGIN_MAX_FAILURES).

The lock is kept in the database (``users.failed_logins`` and ``users.locked_until``), so it holds for every
web process and every client address; a locked account answers exactly like a wrong password.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

import portal.accounts.operations
from portal.accounts.models import User
from portal.activity.models import ActivityEntry
from portal.db import utcnow
from portal.extensions import db
from portal.organizations.models import Role
from tests.conftest import PASSWORD, make_test_app

pytestmark = pytest.mark.both_databases  # the dialects differ here (locks, upserts, SKIP LOCKED)

WRONG = "not the password!"


@pytest.fixture
def member(make_org, make_user):
    return make_user("target@example.com", organization=make_org(), role=Role.BUYER_ADMIN)


def attempt(app: Any, email: str, password: str, address: str) -> tuple[int, list[str], Any]:
    """One sign-in from a new browser at ``address`` in English: status, error messages, the client."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address  # every request of this client comes from there
    client.post("/language", data={"lang": "en"})
    response = client.post("/sign-in", data={"email": email, "password": password})
    errors = re.findall(r'<p class="error" role="alert">([^<]*)</p>', response.get_data(as_text=True))
    return response.status_code, errors, client


def test_failures_from_many_addresses_lock_the_account(app, member):
    limit = app.config["LOGIN_MAX_FAILURES"]
    wrong_answers = set()
    for n in range(limit):
        status, errors, _ = attempt(app, member.email, WRONG, f"203.0.113.{n + 1}")
        assert status == 200 and errors, n
        wrong_answers.add(tuple(errors))
    user = db.session.get(User, member.id)
    db.session.refresh(user)
    assert user.locked_until is not None and user.locked_until > utcnow()

    # The right password from yet another address is refused now, with the very same answer.
    status, errors, client = attempt(app, member.email, PASSWORD, "198.51.100.7")
    assert status in (200, 429)
    assert {tuple(errors)} == wrong_answers
    assert client.get("/").status_code == 302
    unknown = attempt(app, "nobody@example.com", WRONG, "198.51.100.8")[1]
    assert {tuple(unknown)} == wrong_answers  # locked, wrong and unknown cannot be told apart

    actions = db.session.scalars(sa.select(ActivityEntry.action).where(ActivityEntry.subject_id == member.id)).all()
    assert "user.locked" in actions and "user.sign_in_refused_locked" in actions


def test_guessing_on_while_locked_never_gets_in_nor_fails_loudly(app, member):
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        attempt(app, member.email, WRONG, "203.0.113.9")
    for n in range(limit * 2):
        status, _, client = attempt(app, member.email, PASSWORD if n % 2 else WRONG, "203.0.113.9")
        assert status in (200, 429), n
        assert client.get("/settings").status_code == 302


def test_the_lock_holds_in_every_web_process(app, tmp_path, database_url, member):
    """A second app on the same database (another gunicorn worker, another machine) sees the lock."""
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        attempt(app, member.email, WRONG, "203.0.113.10")
    other_process = make_test_app(tmp_path / "other", database_url)
    client = other_process.test_client()
    response = client.post("/sign-in", data={"email": member.email, "password": PASSWORD})
    assert response.status_code in (200, 429)
    assert client.get("/").status_code == 302
    with other_process.app_context():
        db.engine.dispose()


def test_a_success_before_the_limit_starts_the_count_again(app, member):
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit - 1):
        attempt(app, member.email, WRONG, "203.0.113.11")
    status, _, client = attempt(app, member.email, PASSWORD, "203.0.113.11")
    assert status == 302 and client.get("/").status_code == 200
    user = db.session.get(User, member.id)
    db.session.refresh(user)
    assert user.failed_logins == 0 and user.locked_until is None


def test_parallel_wrong_guesses_lock_the_account_exactly_as_serial_ones(app, member, monkeypatch):
    """Guesses sent at once (several web processes) are each counted, and no more passwords are checked."""
    limit, guesses = app.config["LOGIN_MAX_FAILURES"], 12
    checked = []
    real_verify = portal.accounts.operations.verify_password

    def verify(password_hash, password):
        if password_hash is not None:  # the account's own hash, not the dummy one for refusals
            checked.append(password)
        return real_verify(password_hash, password)

    monkeypatch.setattr(portal.accounts.operations, "verify_password", verify)
    start = threading.Barrier(guesses)
    statuses, errors = [], []
    email = member.email

    def guess(n: int) -> None:
        try:
            # A plain client in a thread with no context: each request has its own, as in a web process.
            client = FlaskClient(app, app.response_class)
            client.environ_base["REMOTE_ADDR"] = f"203.0.113.{100 + n}"
            start.wait()
            statuses.append(client.post("/sign-in", data={"email": email, "password": WRONG}).status_code)
        except Exception as error:  # reported below: an exception in a thread would pass silently
            errors.append(error)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == [] and statuses == [200] * guesses
    assert len(checked) == limit  # as one guess after another: the later ones met the lock
    user = db.session.get(User, member.id)
    db.session.refresh(user)
    assert user.failed_logins == guesses
    assert user.locked_until is not None and user.locked_until > utcnow()
    status, _, client = attempt(app, member.email, PASSWORD, "198.51.100.30")
    assert status == 200 and client.get("/").status_code == 302
