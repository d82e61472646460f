"""Password-reset requests are limited per e-mail address and per client address.

Beyond either limit the form answers exactly as usual (it never tells whether an account exists) but
queues no e-mail, so it can neither flood a mailbox nor be used to probe accounts.
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.throttling.models import AttemptWindow


def client_at(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def request_reset(client, email):
    """The answer as the visitor sees it: status, where it leads, and the messages shown there."""
    response = client.post("/password/forgot", data={"email": email})
    with client.session_transaction() as session:
        flashes = tuple(session.pop("_flashes", []))
    return response.status_code, response.headers.get("Location"), flashes


def let_time_pass(delta):
    """As if ``delta`` had passed since the requests were counted: their windows end that much sooner."""
    for window in db.session.scalars(sa.select(AttemptWindow)):
        window.ends_at -= delta
    db.session.commit()


def mails_to(recipient):
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.recipient == recipient)
    )


@pytest.fixture
def user(make_user):
    return make_user("reset-me@example.com")


def test_beyond_the_limit_per_email_no_more_mail_and_the_same_answer(app, user):
    limit = app.config["RESET_MAX_PER_EMAIL"]
    assert limit == 5
    answers = {request_reset(client_at(app, f"203.0.113.{n + 1}"), user.email) for n in range(limit)}
    assert mails_to(user.email) == limit

    # From a fresh address, in other letter case: still the same e-mail address, still over its limit.
    over = request_reset(client_at(app, "198.51.100.30"), "Reset-Me@Example.com")
    unknown = request_reset(client_at(app, "198.51.100.31"), "nobody@example.com")

    assert answers == {over} == {unknown}
    assert over[:2] == (302, "/sign-in")
    assert over[2]  # the usual neutral message is shown
    assert mails_to(user.email) == limit


def test_beyond_the_limit_per_address_no_more_mail_whichever_the_account(app, make_user):
    app.config["RESET_MAX_PER_ADDRESS"] = 3
    first, last = make_user("first@example.com"), make_user("last@example.com")
    client = client_at(app, "203.0.113.40")
    usual = {request_reset(client, email) for email in (first.email, "ghost1@example.com", "ghost2@example.com")}
    assert mails_to(first.email) == 1  # requests for unknown addresses count as well

    assert {request_reset(client, last.email)} == usual
    assert mails_to(last.email) == 0
    assert request_reset(client_at(app, "198.51.100.40"), last.email) in usual
    assert mails_to(last.email) == 1


def test_the_limits_end_with_their_window_and_old_windows_are_removed(app, user):
    client = client_at(app, "203.0.113.50")
    for _ in range(app.config["RESET_MAX_PER_EMAIL"] + 1):
        request_reset(client, user.email)
    assert mails_to(user.email) == 5

    let_time_pass(timedelta(minutes=59))
    request_reset(client, user.email)
    assert mails_to(user.email) == 5

    let_time_pass(timedelta(minutes=1))
    request_reset(client_at(app, "198.51.100.50"), user.email)
    assert mails_to(user.email) == 6
    # The new windows' first attempts removed the ended ones (the old address's, and the e-mail's old one).
    windows = db.session.execute(sa.select(AttemptWindow.scope, AttemptWindow.key, AttemptWindow.attempts)).all()
    assert sorted((scope, attempts) for scope, _, attempts in windows) == [("reset.address", 1), ("reset.email", 1)]
    assert ("reset.address", "198.51.100.50", 1) in windows
