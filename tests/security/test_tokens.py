"""Invitation and password-reset links: single use, expiry, bound to one person, not interchangeable."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from portal.accounts.models import Invitation, PasswordReset, User
from portal.accounts.operations import create_api_token, invite
from portal.accounts.passwords import verify_password
from portal.db import utcnow
from portal.extensions import db
from portal.organizations.models import Membership, Role
from tests.conftest import PASSWORD, outbox_links, path_of, sign_in

NEW = "brand new password 7"
OTHER = "another new password 8"


def reset_link(client, email: str) -> str:
    assert client.post("/password/forgot", data={"email": email}).status_code == 302
    return path_of(outbox_links(email)[-1])


def invitation_link(organization, email: str, role: Role = Role.REVIEWER, by: User | None = None) -> str:
    _, token = invite(organization, email, role, by=by)
    db.session.commit()
    return f"/invitations/{token}"


def password_of(user: User) -> str:
    db.session.refresh(user)
    return user.password_hash


def members_of(organization) -> set[int]:
    return set(db.session.scalars(sa.select(Membership.user_id).where(Membership.organization_id == organization.id)))


def test_a_used_reset_link_and_every_older_one_are_refused(client, make_user):
    user = make_user("reset@example.com")
    older = reset_link(client, user.email)
    newer = reset_link(client, user.email)
    assert client.post(newer, data={"password": NEW, "confirm": NEW}).status_code == 302
    client.post("/sign-out")
    changed = password_of(user)
    for link in (newer, older):
        assert client.get(link).status_code == 404
        assert client.post(link, data={"password": OTHER, "confirm": OTHER}).status_code == 404
    assert password_of(user) == changed
    assert client.get("/").status_code == 302  # none of the refused links signed anyone in
    assert sign_in(client, user.email, NEW).status_code == 302


def test_an_expired_reset_link_is_refused_and_signs_nobody_in(client, make_user):
    user = make_user("late@example.com")
    link = reset_link(client, user.email)
    reset = db.session.scalar(sa.select(PasswordReset))
    reset.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    before = password_of(user)
    assert client.get(link).status_code == 404
    assert client.post(link, data={"password": NEW, "confirm": NEW}).status_code == 404
    assert password_of(user) == before
    assert client.get("/").status_code == 302


def test_a_reset_link_changes_only_the_password_of_the_person_it_was_sent_to(app, client, make_org, make_user):
    org = make_org()
    owner_of_link = make_user("a@example.com", organization=org)
    someone_else = make_user("b@example.com", organization=org)
    link = reset_link(client, owner_of_link.email)
    untouched = password_of(someone_else)

    sign_in(client, someone_else.email)  # signed in as B, B follows A's link
    assert client.post(link, data={"password": NEW, "confirm": NEW}).status_code == 302
    assert password_of(someone_else) == untouched
    assert verify_password(password_of(owner_of_link), NEW)
    with client.session_transaction() as session:
        assert session["_user_id"].startswith(f"{owner_of_link.id}:")  # B's session was not kept with A's access
    # A reset link names its user by the token alone: there is no field to aim it at another account.
    client.post("/sign-out")
    second = reset_link(client, owner_of_link.email)
    response = client.post(second, data={"password": OTHER, "confirm": OTHER, "email": someone_else.email})
    assert response.status_code == 302
    assert password_of(someone_else) == untouched


def test_a_reset_link_of_a_deactivated_account_gives_no_session(client, make_user):
    user = make_user("leaver@example.com")
    link = reset_link(client, user.email)
    user.is_active = False
    db.session.commit()
    client.post(link, data={"password": NEW, "confirm": NEW})
    assert client.get("/").status_code == 302
    assert client.get("/settings").status_code == 302


def test_an_invitation_accepted_by_a_signed_in_member_cannot_be_used_again(client, make_org, make_user):
    home, other = make_org("Home"), make_org("Other")
    existing = make_user("existing@example.com", organization=home, role=Role.REVIEWER)
    link = invitation_link(other, existing.email)
    sign_in(client, existing.email)
    assert client.post(link).status_code == 302
    assert existing.id in members_of(other)
    assert client.get(link).status_code == 404
    assert client.post(link).status_code == 404
    client.post("/sign-out")
    assert client.post(link, data={"name": "x", "password": NEW, "confirm": NEW}).status_code == 404


def test_an_expired_invitation_is_refused_on_every_path(client, make_org, make_user):
    org = make_org()
    existing = make_user("existing@example.com", organization=make_org(), role=Role.REVIEWER)
    for_existing = invitation_link(org, existing.email)
    for_new = invitation_link(org, "new@example.com")
    for invitation in db.session.scalars(sa.select(Invitation)):
        invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    assert client.get(for_new).status_code == 404
    assert client.post(for_new, data={"name": "N", "password": NEW, "confirm": NEW}).status_code == 404
    sign_in(client, existing.email)
    assert client.get(for_existing).status_code == 404
    assert client.post(for_existing).status_code == 404
    assert members_of(org) == set()
    assert db.session.scalar(sa.select(User).where(User.email == "new@example.com")) is None


def test_an_invitation_makes_a_member_of_only_the_invited_address(client, make_org, make_user):
    org = make_org()
    link = invitation_link(org, "invited@example.com", Role.REVIEWER)
    stranger = make_user("stranger@example.com", organization=make_org(), role=Role.BUYER_ADMIN)

    sign_in(client, stranger.email)
    assert client.post(link).status_code == 403
    client.post("/sign-out")
    # Registering through the link: an e-mail or role sent along with the form is ignored.
    response = client.post(
        link,
        data={"name": "N", "password": NEW, "confirm": NEW, "email": stranger.email, "role": "buyer_admin"},
    )
    assert response.status_code == 302
    created = db.session.scalar(sa.select(User).where(User.email == "invited@example.com"))
    assert created is not None
    membership = db.session.scalar(sa.select(Membership).where(Membership.organization_id == org.id))
    assert (membership.user_id, membership.role) == (created.id, Role.REVIEWER)
    assert members_of(org) == {created.id}


def test_tokens_of_one_kind_open_nothing_of_another(client, make_org, make_user):
    org = make_org()
    user = make_user("kinds@example.com", organization=org, role=Role.BUYER_ADMIN)
    reset_token = reset_link(client, user.email).rsplit("/", 1)[-1]
    invitation_token = invitation_link(org, "guest@example.com", by=user).rsplit("/", 1)[-1]
    _, api_token = create_api_token(user, "api")
    db.session.commit()

    for token in (reset_token, api_token):
        assert client.get(f"/invitations/{token}").status_code == 404
    for token in (invitation_token, api_token):
        assert client.get(f"/password/reset/{token}").status_code == 404
        assert client.post(f"/password/reset/{token}", data={"password": NEW, "confirm": NEW}).status_code == 404
    # Near misses of a real token are not it.
    for token in (reset_token + "x", reset_token[:-1], reset_token.swapcase(), f" {reset_token}"):
        assert client.get(f"/password/reset/{token}").status_code == 404
    for token in (invitation_token + "x", invitation_token.swapcase()):
        assert client.get(f"/invitations/{token}").status_code == 404
    # A bearer token for the API is no reset link and no invitation, and the real links still work.
    assert client.get("/api/v1/suppliers", headers={"Authorization": f"Bearer {reset_token}"}).status_code == 401
    assert client.get(f"/password/reset/{reset_token}").status_code == 200
    assert client.get(f"/invitations/{invitation_token}").status_code == 200
    assert sign_in(client, user.email, PASSWORD).status_code == 302
