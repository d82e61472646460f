from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.activity.models import ActivityEntry
from portal.db import utcnow
from portal.extensions import db
from portal.organizations.models import Role
from tests.conftest import PASSWORD, sign_in

WRONG = "The e-mail address or password is not correct"


@pytest.fixture
def member(make_org, make_user):
    org = make_org("Buyer K.K.")
    return make_user("Keiko@Example.com", organization=org, role=Role.BUYER_ADMIN)


def test_sign_in_page_is_japanese_by_default(client):
    page = client.get("/sign-in").get_data(as_text=True)
    assert 'lang="ja"' in page
    assert "ログイン" in page


def test_sign_in_with_any_letter_case_of_the_email(client, member):
    response = sign_in(client, "  KEIKO@example.COM ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert "Buyer K.K." in home


def test_wrong_password_and_unknown_email_get_the_same_answer(client, member):
    client.get("/?lang=en")
    wrong = sign_in(client, member.email, "not the password").get_data(as_text=True)
    unknown = sign_in(client, "nobody@example.com").get_data(as_text=True)
    client.post("/language", data={"lang": "en"})
    wrong_en = sign_in(client, member.email, "not the password").get_data(as_text=True)
    assert WRONG in wrong_en
    assert wrong.count("alert") == unknown.count("alert")
    assert db.session.get(User, member.id).failed_logins == 2


def test_account_locks_after_repeated_failures_even_for_the_right_password(app, client, member):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert sign_in(client, member.email, "wrong password!").status_code == 200
    user = db.session.get(User, member.id)
    db.session.refresh(user)
    assert user.locked_until is not None and user.locked_until > utcnow()
    assert sign_in(client, member.email, PASSWORD).status_code == 200  # refused while locked
    assert client.get("/").status_code == 302
    actions = db.session.scalars(sa.select(ActivityEntry.action).where(ActivityEntry.subject_id == user.id)).all()
    assert "user.locked" in actions


def test_lock_expires(app, client, member):
    user = db.session.get(User, member.id)
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert sign_in(client, member.email).status_code == 302


def test_next_parameter_only_redirects_within_the_site(client, member):
    response = client.post(
        "/sign-in", data={"email": member.email, "password": PASSWORD, "next": "https://evil.example/steal"}
    )
    assert response.headers["Location"] == "/"
    client.post("/sign-out")
    response = client.post("/sign-in", data={"email": member.email, "password": PASSWORD, "next": "//evil.example"})
    assert response.headers["Location"] == "/"
    client.post("/sign-out")
    response = client.post("/sign-in", data={"email": member.email, "password": PASSWORD, "next": "/settings"})
    assert response.headers["Location"] == "/settings"


def test_sign_in_replaces_the_session_contents(client, member):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    sign_in(client, member.email)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{member.id}:")


def test_sign_out_needs_a_post_and_ends_the_session(client, member):
    sign_in(client, member.email)
    assert client.get("/sign-out").status_code == 405
    client.post("/sign-out")
    assert client.get("/").status_code == 302


def test_session_cookie_flags(app, client, member):
    response = sign_in(client, member.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_pages_need_sign_in(client):
    for path in ("/", "/settings", "/suppliers/", "/organization/members", "/operator/organizations"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/sign-in"), path


def test_user_chooses_english(client, member):
    sign_in(client, member.email)
    client.post("/settings", data={"locale": "en"})
    page = client.get("/").get_data(as_text=True)
    assert 'lang="en"' in page and "Sign out" in page
