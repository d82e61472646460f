"""API tokens outlive sessions, so what ends a person's access ends their tokens' too.

A password reset and "sign out everywhere" revoke every API token of the person; a member removed from an
organisation gets 403 for it at once with the tokens they still hold (for their other organisations).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.accounts.models import ApiToken
from portal.activity.models import ActivityEntry
from portal.extensions import db
from portal.organizations.models import Role
from portal.organizations.operations import add_member
from tests.conftest import PASSWORD, csrf_token, outbox_links, path_of, sign_in
from tests.portal.api.helpers import token_for

NEW = "brand new password 7"


@pytest.fixture
def buyer(make_org, make_user):
    return make_user("buyer@example.com", organization=make_org("Buyer K.K."), role=Role.BUYER_ADMIN, locale="en")


def suppliers_status(client, headers, organization_id=None):
    sent = dict(headers)
    if organization_id is not None:
        sent["X-Organization-Id"] = str(organization_id)
    return client.get("/api/v1/suppliers", headers=sent).status_code


def active_tokens(user):
    return db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()


def test_a_password_reset_revokes_every_api_token(client, buyer):
    tokens = [token_for(buyer), token_for(buyer)]
    assert [suppliers_status(client, t) for t in tokens] == [200, 200]

    client.post("/password/forgot", data={"email": buyer.email})
    link = path_of(outbox_links(buyer.email)[-1])
    assert client.post(link, data={"password": NEW, "confirm": NEW}).status_code == 302

    assert [suppliers_status(client, t) for t in tokens] == [401, 401]
    assert active_tokens(buyer) == []
    # The new session and a token made after the reset work.
    assert client.get("/settings").status_code == 200
    assert suppliers_status(client, token_for(buyer)) == 200


def test_signing_out_everywhere_ends_sessions_and_revokes_every_api_token(app, client, buyer):
    token = token_for(buyer)
    other_device = app.test_client()
    sign_in(other_device, buyer.email)
    sign_in(client, buyer.email)
    settings = client.get("/settings").get_data(as_text=True)
    assert "signing out everywhere, also revokes all your API tokens" in settings
    assert "/settings/sign-out-everywhere" in settings

    response = client.post("/settings/sign-out-everywhere")

    assert response.headers["Location"] == "/sign-in"
    assert "APIトークンをすべて無効にしました" in client.get("/sign-in").get_data(as_text=True)  # signed out: Japanese
    assert suppliers_status(client, token) == 401
    assert client.get("/settings").status_code == 302
    assert other_device.get("/settings").status_code == 302
    assert active_tokens(buyer) == []
    entry = db.session.scalar(sa.select(ActivityEntry).where(ActivityEntry.action == "user.signed_out_everywhere"))
    assert entry is not None and entry.actor_id == buyer.id


def test_signing_out_everywhere_needs_a_signed_in_post(client, buyer):
    token = token_for(buyer)
    assert client.get("/settings/sign-out-everywhere").status_code == 405
    assert client.post("/settings/sign-out-everywhere").status_code == 302  # to the sign-in page
    assert suppliers_status(client, token) == 200


def test_another_site_cannot_sign_a_person_out_everywhere(csrf_app, make_org, make_user):
    """A forged cross-site form would revoke every integration's token: it needs the page's CSRF token."""
    person = make_user("csrf@example.com", organization=make_org(), role=Role.BUYER_ADMIN)
    client = csrf_app.test_client()
    token = token_for(person)
    signed_in = client.post(
        "/sign-in", data={"email": person.email, "password": PASSWORD, "csrf_token": csrf_token(client, "/sign-in")}
    )
    assert signed_in.status_code == 302

    assert client.post("/settings/sign-out-everywhere").status_code == 400
    assert suppliers_status(client, token) == 200 and client.get("/settings").status_code == 200
    page_token = csrf_token(client, "/settings")
    assert client.post("/settings/sign-out-everywhere", data={"csrf_token": page_token}).status_code == 302
    assert suppliers_status(client, token) == 401


def test_the_settings_page_says_so_in_japanese(client, buyer):
    sign_in(client, buyer.email)
    client.post("/settings", data={"locale": "ja"})
    page = client.get("/settings").get_data(as_text=True)
    assert "APIトークンもすべて無効になります" in page and "すべての端末からログアウト" in page


def test_a_removed_member_gets_403_for_that_organisation_at_once(client, make_org, make_user, buyer):
    admin_org = buyer.memberships[0].organization
    other_org = make_org("Other Buyer K.K.")
    member = make_user("member@example.com", organization=admin_org, role=Role.REVIEWER)
    add_member(other_org, member, Role.REVIEWER, by=None)
    db.session.commit()
    headers = token_for(member)
    assert suppliers_status(client, headers, admin_org.id) == 200

    membership = next(m for m in member.memberships if m.organization_id == admin_org.id)
    sign_in(client, buyer.email)
    assert client.post(f"/organization/members/{membership.id}/remove").status_code == 302

    assert suppliers_status(client, headers, admin_org.id) == 403
    assert suppliers_status(client, headers, other_org.id) == 200  # the token is the person's, not the org's
    assert suppliers_status(client, headers) == 200  # without the header: the one organisation left
