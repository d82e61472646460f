"""Personal settings: the display name and language, and a new password given with the current one."""

import re

import pytest
import sqlalchemy as sa

from portal.accounts.models import ApiToken, User
from portal.accounts.passwords import verify_password
from portal.activity.models import ActivityEntry
from portal.extensions import db
from portal.organizations.models import Role
from tests.conftest import PASSWORD, csrf_token, sign_in
from tests.portal.api.helpers import token_for

NEW = "a brand new passphrase"


@pytest.fixture
def user(make_org, make_user):
    return make_user("me@example.com", organization=make_org("Buyer K.K."), role=Role.REVIEWER, name="山田 太郎")


@pytest.fixture
def signed_in(client, user):
    assert sign_in(client, user.email).status_code == 302
    return client


def reloaded(user):
    db.session.expire_all()
    return db.session.get(User, user.id)


def errors_of(page, field):
    """The error messages shown in the block of the form field ``field`` (id="field")."""
    block = re.search(rf'<div class="field has-error">\s*<label for="{field}".*?</div>', page, re.S)
    return re.findall(r'<p class="error" role="alert">([^<]*)</p>', block.group(0)) if block else []


def change_password(client, current, new, confirm=None):
    return client.post(
        "/settings/password", data={"current_password": current, "password": new, "confirm": confirm or new}
    )


def test_the_display_name_and_language_are_changed_together(signed_in, user):
    page = signed_in.get("/settings").get_data(as_text=True)
    assert 'name="name"' in page and 'value="山田 太郎"' in page

    response = signed_in.post("/settings", data={"name": "  山田 花子 ", "locale": "en"})
    assert response.status_code == 302
    assert (reloaded(user).name, reloaded(user).locale) == ("山田 花子", "en")
    assert "山田 花子" in signed_in.get("/").get_data(as_text=True)
    entry = db.session.scalar(sa.select(ActivityEntry).where(ActivityEntry.action == "user.name_changed"))
    assert entry.details["name"] == ["山田 太郎", "山田 花子"]


def test_an_empty_name_is_refused_next_to_the_field_and_nothing_changes(signed_in, user):
    response = signed_in.post("/settings", data={"name": "   ", "locale": "en"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert errors_of(page, "name")  # said under the name field
    assert not errors_of(page, "locale")
    assert (reloaded(user).name, reloaded(user).locale) == ("山田 太郎", "ja")


def test_the_password_is_changed_with_the_current_one_and_other_sessions_and_tokens_end(app, signed_in, user):
    other_device = app.test_client()
    assert sign_in(other_device, user.email).status_code == 302
    token = token_for(user)
    assert signed_in.get("/api/v1/assessments", headers=token).status_code == 200

    response = change_password(signed_in, PASSWORD, NEW)
    assert response.status_code == 302 and response.headers["Location"] == "/settings"
    assert verify_password(reloaded(user).password_hash, NEW)
    # This browser goes on; the other device and the API token are out.
    assert signed_in.get("/settings").status_code == 200
    assert other_device.get("/settings").status_code == 302
    assert signed_in.get("/api/v1/assessments", headers=token).status_code == 401
    assert db.session.scalar(sa.select(ApiToken).where(ApiToken.revoked_at.is_(None))) is None
    entry = db.session.scalar(sa.select(ActivityEntry).where(ActivityEntry.action == "user.password_changed"))
    assert entry.details["api_tokens_revoked"] == 1

    signed_in.post("/sign-out")
    assert sign_in(signed_in, user.email, PASSWORD).status_code != 302
    assert sign_in(signed_in, user.email, NEW).status_code == 302


@pytest.mark.parametrize(
    ("current", "new", "confirm", "field", "message"),
    [
        ("wrong password!", NEW, NEW, "current_password", "現在のパスワードが正しくありません"),
        (PASSWORD, "short", "short", "password", "10"),
        (PASSWORD, "aaaabbbbaaaabbbb", "aaaabbbbaaaabbbb", "password", "推測されやすい"),
        (PASSWORD, NEW, NEW + "x", "confirm", "一致しません"),
        (PASSWORD, PASSWORD, PASSWORD, "password", "現在のパスワードと異なる"),
    ],
)
def test_a_refused_password_change_says_why_at_the_field_and_changes_nothing(
    app, signed_in, user, current, new, confirm, field, message
):
    other_device = app.test_client()
    sign_in(other_device, user.email)
    token = token_for(user)
    before = reloaded(user).password_hash

    response = change_password(signed_in, current, new, confirm)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert any(message in error for error in errors_of(page, field)), errors_of(page, field)
    assert 'value="' + current + '"' not in page  # passwords are never written back into the page
    assert reloaded(user).password_hash == before
    assert other_device.get("/settings").status_code == 200
    assert signed_in.get("/api/v1/assessments", headers=token).status_code == 200


def test_guessing_the_current_password_is_stopped_after_as_many_tries_as_sign_in_allows(app, signed_in, user):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert change_password(signed_in, "wrong password!", NEW).status_code == 400
    response = change_password(signed_in, PASSWORD, NEW)  # even the right one, until the window ends
    assert response.status_code == 429 and "Retry-After" in response.headers
    assert not verify_password(reloaded(user).password_hash, NEW)


def test_the_settings_forms_need_their_csrf_token(csrf_app, make_org, make_user):
    client = csrf_app.test_client()
    user = make_user(organization=make_org(), role=Role.REVIEWER, name="Old Name")
    token = csrf_token(client, "/sign-in")
    client.post("/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token})

    assert client.post("/settings", data={"name": "New Name", "locale": "ja"}).status_code == 400
    assert change_password(client, PASSWORD, NEW).status_code == 400
    assert (reloaded(user).name, verify_password(reloaded(user).password_hash, PASSWORD)) == ("Old Name", True)

    token = csrf_token(client, "/settings")
    assert client.post("/settings", data={"name": "New Name", "locale": "ja", "csrf_token": token}).status_code == 302
    data = {"current_password": PASSWORD, "password": NEW, "confirm": NEW, "csrf_token": token}
    assert client.post("/settings/password", data=data).status_code == 302
    assert (reloaded(user).name, verify_password(reloaded(user).password_hash, NEW)) == ("New Name", True)
