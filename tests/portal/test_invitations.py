from datetime import timedelta

import sqlalchemy as sa

from portal.accounts.models import Invitation, User
from portal.accounts.tokens import hash_token
from portal.db import utcnow
from portal.extensions import db
from portal.organizations.models import Membership, Role
from tests.conftest import outbox_links, path_of, sign_in

NEW_PASSWORD = "a long new password"


def invite_colleague(client, app, make_org, make_user, email="new.colleague@example.com", role="reviewer"):
    org = make_org("Buyer K.K.")
    admin = make_user("admin@example.com", organization=org, role=Role.BUYER_ADMIN)
    sign_in(client, admin.email)
    response = client.post("/organization/members", data={"email": email, "role": role})
    assert response.status_code == 302
    client.post("/sign-out")
    return org, path_of(outbox_links(email)[-1])


def test_invited_colleague_creates_an_account_and_joins_in_the_role(client, app, make_org, make_user):
    org, link = invite_colleague(client, app, make_org, make_user)
    page = client.get(link).get_data(as_text=True)
    assert "Buyer K.K." in page
    response = client.post(link, data={"name": "新人 さん", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "new.colleague@example.com"))
    membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == user.id))
    assert membership.organization_id == org.id and membership.role == Role.REVIEWER
    assert "Buyer K.K." in client.get("/").get_data(as_text=True)


def test_only_the_token_hash_is_stored(client, app, make_org, make_user):
    _, link = invite_colleague(client, app, make_org, make_user)
    token = link.rsplit("/", 1)[-1]
    invitation = db.session.scalar(sa.select(Invitation))
    assert invitation.token_hash == hash_token(token)
    assert token not in invitation.token_hash


def test_an_invitation_is_single_use(client, app, make_org, make_user):
    _, link = invite_colleague(client, app, make_org, make_user)
    client.post(link, data={"name": "A", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    client.post("/sign-out")
    assert client.get(link).status_code == 404
    response = client.post(link, data={"name": "B", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 404


def test_an_expired_invitation_is_refused(client, app, make_org, make_user):
    _, link = invite_colleague(client, app, make_org, make_user)
    invitation = db.session.scalar(sa.select(Invitation))
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.post(link, data={"name": "A", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 404
    assert db.session.scalar(sa.select(User).where(User.email == "new.colleague@example.com")) is None


def test_a_wrong_token_is_refused(client, app, make_org, make_user):
    invite_colleague(client, app, make_org, make_user)
    assert client.get("/invitations/not-a-real-token").status_code == 404


def test_resending_replaces_the_earlier_link(client, app, make_org, make_user):
    org = make_org("Buyer K.K.")
    admin = make_user("admin@example.com", organization=org, role=Role.BUYER_ADMIN)
    sign_in(client, admin.email)
    client.post("/organization/members", data={"email": "x@example.com", "role": "auditor"})
    client.post("/organization/members", data={"email": "x@example.com", "role": "auditor"})
    first, second = (path_of(link) for link in outbox_links("x@example.com"))
    client.post("/sign-out")
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_weak_password_keeps_the_invitation_open(client, app, make_org, make_user):
    _, link = invite_colleague(client, app, make_org, make_user)
    response = client.post(link, data={"name": "A", "password": "aaaaaaaaaaaa", "confirm": "aaaaaaaaaaaa"})
    assert response.status_code == 200
    assert db.session.scalar(sa.select(User).where(User.email == "new.colleague@example.com")) is None
    assert client.get(link).status_code == 200


def test_an_existing_account_signs_in_then_accepts(client, app, make_org, make_user):
    other = make_org("Another buyer")
    existing = make_user("new.colleague@example.com", organization=other, role=Role.REVIEWER)
    org, link = invite_colleague(client, app, make_org, make_user)
    response = client.get(link)
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    sign_in(client, existing.email)
    assert client.post(link).status_code == 302
    roles = {m.organization_id: m.role for m in db.session.get(User, existing.id).memberships}
    assert roles == {other.id: Role.REVIEWER, org.id: Role.REVIEWER}


def test_someone_else_signed_in_cannot_use_the_link(client, app, make_org, make_user):
    _, link = invite_colleague(client, app, make_org, make_user)
    stranger = make_user("stranger@example.com")
    sign_in(client, stranger.email)
    assert client.post(link).status_code == 403
    assert db.session.scalar(sa.select(Invitation)).accepted_at is None


def test_roles_offered_match_the_inviters_side(client, make_org, make_user):
    org = make_org("Supplier Y.K.")
    owner = make_user("owner@example.com", organization=org, role=Role.SUPPLIER_OWNER)
    sign_in(client, owner.email)
    response = client.post("/organization/members", data={"email": "a@example.com", "role": "buyer_admin"})
    assert response.status_code == 200  # not a choice for a supplier owner
    assert outbox_links("a@example.com") == []
    client.post("/organization/members", data={"email": "a@example.com", "role": "supplier_responder"})
    assert len(outbox_links("a@example.com")) == 1


def test_responders_and_reviewers_cannot_invite(client, make_org, make_user):
    org = make_org()
    reviewer = make_user(organization=org, role=Role.REVIEWER)
    sign_in(client, reviewer.email)
    assert client.get("/organization/members").status_code == 403
    assert client.post("/organization/members", data={"email": "z@example.com", "role": "reviewer"}).status_code == 403


def test_a_used_invitation_link_says_so_and_offers_to_sign_in(client, app, make_org, make_user):
    _, link = invite_colleague(client, app, make_org, make_user)
    client.post(link, data={"name": "A", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    client.post("/sign-out")

    response = client.get(link)
    page = response.get_data(as_text=True)
    assert response.status_code == 404  # the link opens nothing; the page says what to do instead
    assert "この招待はすでに使用されています" in page
    assert 'class="button primary" href="/sign-in"' in page
    assert 'class="brand"' in page  # in the site's layout, not a bare error


def test_an_expired_or_replaced_invitation_link_offers_to_sign_in(client, app, make_org, make_user):
    _, link = invite_colleague(client, app, make_org, make_user)
    invitation = db.session.scalar(sa.select(Invitation))
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = client.get(link).get_data(as_text=True)
    assert "この招待は有効期限が切れています" in page and 'href="/sign-in"' in page

    invitation.revoked_at = utcnow()
    db.session.commit()
    page = client.get(link).get_data(as_text=True)
    assert "この招待は無効になっています" in page and 'href="/sign-in"' in page
    assert "この招待リンクは無効です" in client.get("/invitations/not-a-real-token").get_data(as_text=True)
