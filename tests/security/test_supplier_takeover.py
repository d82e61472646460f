"""A supplier's organisation belongs to the supplier: its buyer cannot invite itself in and take it over.

The attack (issue 15, item 1): once the supplier's contact has joined, the buyer's admin changes the
contact e-mail to its own address, sends the invitation again, accepts it as the supplier's owner and
removes the real owner.
"""

import sqlalchemy as sa

from portal.accounts.models import Invitation, User
from portal.accounts.operations import invite
from portal.extensions import db
from portal.organizations.models import Membership, Role
from portal.suppliers.models import Supplier
from tests.conftest import outbox_links, path_of, sign_in
from tests.portal.api.helpers import token_for
from tests.portal.campaigns.helpers import sign_in_english, text

REAL_CONTACT = "owner@real-supplier.example.com"
PASSWORD = "the real owner's password"
REFUSED_RESEND = "its own administrators invite their colleagues, so the buyer cannot send invitations to it."


def add_supplier(client, admin):
    sign_in(client, admin.email)
    client.post("/suppliers/new", data={"name": "本物商事", "contact_email": REAL_CONTACT, "tier": "T1"})
    client.post("/sign-out")
    return db.session.scalar(sa.select(Supplier))


def join(client, email, name="本物 オーナー"):
    """Follow the newest invitation link mailed to ``email`` and register with it."""
    client.post(path_of(outbox_links(email)[-1]), data={"name": name, "password": PASSWORD, "confirm": PASSWORD})
    client.post("/sign-out")
    return db.session.scalar(sa.select(User).where(User.email == email))


def members_of(supplier):
    return db.session.execute(
        sa.select(Membership.user_id, Membership.role).where(Membership.organization_id == supplier.organization_id)
    ).all()


def accept_every_link_as(client, user, email):
    """What the attacker does with any invitation link that reached its mailbox."""
    sign_in(client, user.email)
    statuses = [client.post(path_of(link)).status_code for link in outbox_links(email) if "/invitations/" in link]
    client.post("/sign-out")
    return statuses


def assert_still_the_suppliers(supplier, owner, attacker):
    assert members_of(supplier) == [(owner.id, Role.SUPPLIER_OWNER)]
    assert (
        db.session.scalar(
            sa.select(Membership.id)
            .where(Membership.user_id == attacker.id)
            .where(Membership.organization_id == supplier.organization_id)
        )
        is None
    )


def test_a_buyer_admin_cannot_invite_itself_into_a_joined_supplier_from_the_supplier_page(client, make_org, make_user):
    admin = make_user("admin@buyer.example.com", organization=make_org("Buyer K.K."), role=Role.BUYER_ADMIN)
    supplier = add_supplier(client, admin)
    owner = join(client, REAL_CONTACT)
    invitations_before = db.session.scalar(sa.select(sa.func.count()).select_from(Invitation))

    sign_in_english(client, admin)
    data = {"name": supplier.name, "contact_email": admin.email}
    assert client.post(f"/suppliers/{supplier.id}/details", data=data).status_code == 302
    db.session.refresh(supplier)
    assert supplier.contact_email == admin.email  # the buyer's address book is the buyer's to change
    page = text(client.get(f"/suppliers/{supplier.id}"))
    assert "/resend-invitation" not in page and "manages its own members" in page

    response = client.post(f"/suppliers/{supplier.id}/resend-invitation")  # a page loaded earlier, or by hand
    assert response.status_code == 302
    assert REFUSED_RESEND in text(client.get(f"/suppliers/{supplier.id}"))
    client.post("/sign-out")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == invitations_before
    assert outbox_links(admin.email) == []

    accept_every_link_as(client, admin, admin.email)
    assert_still_the_suppliers(supplier, owner, admin)


def test_a_buyer_admin_cannot_invite_itself_into_a_joined_supplier_through_the_api(client, make_org, make_user):
    admin = make_user("admin@buyer.example.com", organization=make_org("Buyer K.K."), role=Role.BUYER_ADMIN)
    supplier = add_supplier(client, admin)
    owner = join(client, REAL_CONTACT)
    invitations_before = db.session.scalar(sa.select(sa.func.count()).select_from(Invitation))

    response = client.patch(
        f"/api/v1/suppliers/{supplier.id}", json={"contact_email": admin.email}, headers=token_for(admin)
    )
    assert response.status_code == 200 and response.get_json()["contact_email"] == admin.email
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == invitations_before

    sign_in(client, admin.email)
    client.post(f"/suppliers/{supplier.id}/resend-invitation")
    client.post("/sign-out")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == invitations_before
    accept_every_link_as(client, admin, admin.email)
    assert_still_the_suppliers(supplier, owner, admin)


def test_an_invitation_sent_before_the_supplier_joined_admits_nobody_afterwards(client, make_org, make_user):
    """Defence in depth: the buyer points the contact at itself while nobody has joined (allowed then), the
    real contact joins with the first link, and the buyer's own link must not make it a member any more."""
    admin = make_user("admin@buyer.example.com", organization=make_org("Buyer K.K."), role=Role.BUYER_ADMIN)
    supplier = add_supplier(client, admin)
    sign_in(client, admin.email)
    client.post(f"/suppliers/{supplier.id}/details", data={"name": supplier.name, "contact_email": admin.email})
    assert client.post(f"/suppliers/{supplier.id}/resend-invitation").status_code == 302
    client.post("/sign-out")
    assert len(outbox_links(admin.email)) == 1  # nobody had joined: the buyer may still invite
    owner = join(client, REAL_CONTACT)

    sign_in_english(client, admin)
    link = path_of(outbox_links(admin.email)[-1])
    refused = client.get(link)
    assert refused.status_code == 403
    assert "its own administrators now decide who joins" in text(refused)
    assert client.post(link).status_code == 403
    assert_still_the_suppliers(supplier, owner, admin)


def test_an_invitation_made_by_someone_not_the_organisations_administrator_admits_nobody(client, make_org, make_user):
    admin = make_user("admin@buyer.example.com", organization=make_org("Buyer K.K."), role=Role.BUYER_ADMIN)
    supplier = add_supplier(client, admin)
    owner = join(client, REAL_CONTACT)
    # However it came to be made (a path that forgot the rule, a job), the buyer's invitation is refused.
    invite(supplier.organization, admin.email, Role.SUPPLIER_OWNER, by=admin)
    invite(supplier.organization, "stranger@example.com", Role.SUPPLIER_OWNER, by=None)
    db.session.commit()

    assert accept_every_link_as(client, admin, admin.email) == [403]
    stranger = client.post(
        path_of(outbox_links("stranger@example.com")[-1]), data={"name": "x", "password": PASSWORD, "confirm": PASSWORD}
    )
    assert stranger.status_code == 403
    assert db.session.scalar(sa.select(User).where(User.email == "stranger@example.com")) is None
    assert_still_the_suppliers(supplier, owner, admin)


def test_the_suppliers_owner_still_invites_colleagues(client, make_org, make_user):
    admin = make_user("admin@buyer.example.com", organization=make_org("Buyer K.K."), role=Role.BUYER_ADMIN)
    supplier = add_supplier(client, admin)
    owner = join(client, REAL_CONTACT)
    sign_in(client, owner.email, PASSWORD)
    assert (
        client.post(
            "/organization/members", data={"email": "colleague@real-supplier.example.com", "role": "supplier_responder"}
        ).status_code
        == 302
    )
    client.post("/sign-out")
    colleague = join(client, "colleague@real-supplier.example.com", name="同僚")
    assert sorted(members_of(supplier)) == sorted(
        [(owner.id, Role.SUPPLIER_OWNER), (colleague.id, Role.SUPPLIER_RESPONDER)]
    )
