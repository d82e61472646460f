from datetime import timedelta

import sqlalchemy as sa

from portal.accounts.models import PasswordReset
from portal.db import utcnow
from portal.extensions import db
from portal.mail.models import OutboxMessage
from tests.conftest import PASSWORD, outbox_links, path_of, sign_in

NEW = "brand new password 7"


def request_reset(client, email):
    return client.post("/password/forgot", data={"email": email})


def test_reset_by_emailed_link_signs_out_other_sessions(app, client, make_user):
    user = make_user("reset@example.com")
    other_device = app.test_client()
    sign_in(other_device, user.email)
    assert other_device.get("/").status_code == 200

    request_reset(client, "RESET@example.com")
    link = path_of(outbox_links(user.email)[-1])
    assert client.post(link, data={"password": NEW, "confirm": NEW}).status_code == 302

    assert other_device.get("/").status_code == 302  # its session ended with the old password
    client.post("/sign-out")
    assert sign_in(client, user.email, PASSWORD).status_code == 200
    assert sign_in(client, user.email, NEW).status_code == 302


def test_unknown_address_gets_the_same_answer_and_no_mail(client, make_user):
    make_user("known@example.com")
    known = request_reset(client, "known@example.com")
    unknown = request_reset(client, "unknown@example.com")
    assert known.status_code == unknown.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1


def test_a_reset_link_works_once(client, make_user):
    user = make_user("once@example.com")
    request_reset(client, user.email)
    link = path_of(outbox_links(user.email)[-1])
    client.post(link, data={"password": NEW, "confirm": NEW})
    client.post("/sign-out")
    assert client.get(link).status_code == 404
    assert (
        client.post(link, data={"password": "another password 8", "confirm": "another password 8"}).status_code == 404
    )


def test_an_expired_reset_link_is_refused(client, make_user):
    user = make_user("late@example.com")
    request_reset(client, user.email)
    reset = db.session.scalar(sa.select(PasswordReset))
    reset.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    link = path_of(outbox_links(user.email)[-1])
    assert client.post(link, data={"password": NEW, "confirm": NEW}).status_code == 404
    assert sign_in(client, user.email, PASSWORD).status_code == 302


def test_mismatched_confirmation_changes_nothing(client, make_user):
    user = make_user("typo@example.com")
    request_reset(client, user.email)
    link = path_of(outbox_links(user.email)[-1])
    assert client.post(link, data={"password": NEW, "confirm": NEW + "x"}).status_code == 200
    assert sign_in(client, user.email, PASSWORD).status_code == 302
