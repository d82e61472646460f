import re

import pytest
import sqlalchemy as sa

from portal.accounts.models import ApiToken
from portal.accounts.operations import API_TOKEN_PREFIX, find_user_by_api_token
from portal.accounts.tokens import hash_token
from portal.activity.models import ActivityEntry
from portal.extensions import db
from tests.conftest import csrf_token, sign_in

TOKEN = re.compile(re.escape(API_TOKEN_PREFIX) + r"[A-Za-z0-9_-]{40,}")


def create(client, name="CI pipeline"):
    response = client.post("/settings/api-tokens", data={"name": name})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    match = TOKEN.search(page)
    assert match is not None
    return match.group(0), page


def tokens_of(user):
    return db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id)).all()


@pytest.fixture
def user(make_user):
    return make_user(locale="en")


@pytest.fixture
def signed_in(client, user):
    assert sign_in(client, user.email).status_code == 302
    return client


def test_created_token_is_shown_once_and_only_its_hash_is_stored(signed_in, user):
    token, page = create(signed_in)
    assert "will not be shown again" in page
    assert f"Authorization: Bearer {token}" in page
    (stored,) = tokens_of(user)
    assert stored.name == "CI pipeline"
    assert stored.token_hash == hash_token(token)
    assert token not in (stored.token_hash, stored.prefix)
    assert token.startswith(stored.prefix)

    settings = signed_in.get("/settings").get_data(as_text=True)
    assert token not in settings
    assert f"{stored.prefix}…" in settings
    assert "CI pipeline" in settings and "Never" in settings and "Active" in settings
    assert f"/settings/api-tokens/{stored.id}/revoke" in settings
    assert find_user_by_api_token(token) == user


def test_tokens_are_listed_newest_first(signed_in):
    create(signed_in, "older")
    create(signed_in, "newer")
    page = signed_in.get("/settings").get_data(as_text=True)
    assert page.index("newer") < page.index("older")


def test_revoked_token_no_longer_authenticates(signed_in, user):
    token, _page = create(signed_in)
    (stored,) = tokens_of(user)
    response = signed_in.post(f"/settings/api-tokens/{stored.id}/revoke")
    assert response.status_code == 302
    assert response.headers["Location"] == "/settings"
    db.session.refresh(stored)
    assert stored.revoked_at is not None
    assert find_user_by_api_token(token) is None

    page = signed_in.get("/settings").get_data(as_text=True)
    assert "Revoked" in page
    assert f"/settings/api-tokens/{stored.id}/revoke" not in page

    revoked_at = stored.revoked_at
    assert signed_in.post(f"/settings/api-tokens/{stored.id}/revoke").status_code == 302  # twice is harmless
    db.session.refresh(stored)
    assert stored.revoked_at == revoked_at
    actions = db.session.scalars(
        sa.select(ActivityEntry.action).where(
            ActivityEntry.subject_type == "api_token", ActivityEntry.subject_id == stored.id
        )
    ).all()
    assert sorted(actions) == ["api_token.created", "api_token.revoked"]


def test_another_users_token_cannot_be_revoked(client, make_user, signed_in):
    other = make_user()
    other_client = client.application.test_client()
    assert sign_in(other_client, other.email).status_code == 302
    token, _page = create(other_client)
    (theirs,) = tokens_of(other)

    assert signed_in.post(f"/settings/api-tokens/{theirs.id}/revoke").status_code == 404
    assert signed_in.post("/settings/api-tokens/999999/revoke").status_code == 404
    db.session.refresh(theirs)
    assert theirs.revoked_at is None
    assert find_user_by_api_token(token) == other


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_invalid_name_gives_a_form_error_and_creates_nothing(signed_in, user, name):
    response = signed_in.post("/settings/api-tokens", data={"name": name})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'class="error"' in page
    assert TOKEN.search(page) is None
    assert tokens_of(user) == []


def test_pages_need_a_signed_in_user(client):
    assert client.post("/settings/api-tokens", data={"name": "x"}).status_code == 302
    assert client.post("/settings/api-tokens/1/revoke").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_posts_without_a_csrf_token_are_refused(csrf_app, make_user):
    user = make_user()
    client = csrf_app.test_client()
    token = csrf_token(client, "/sign-in")
    client.post("/sign-in", data={"email": user.email, "password": "correct horse battery", "csrf_token": token})

    assert client.post("/settings/api-tokens", data={"name": "x"}).status_code == 400
    assert tokens_of(user) == []
    token = csrf_token(client, "/settings")
    assert client.post("/settings/api-tokens", data={"name": "x", "csrf_token": token}).status_code == 200
    (stored,) = tokens_of(user)

    assert client.post(f"/settings/api-tokens/{stored.id}/revoke").status_code == 400
    db.session.refresh(stored)
    assert stored.revoked_at is None
    assert client.post(f"/settings/api-tokens/{stored.id}/revoke", data={"csrf_token": token}).status_code == 302
    db.session.refresh(stored)
    assert stored.revoked_at is not None
