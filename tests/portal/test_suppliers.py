import sqlalchemy as sa

from portal.accounts.models import Invitation
from portal.activity.models import ActivityEntry
from portal.extensions import db
from portal.organizations.models import Membership, Role
from portal.suppliers.models import Supplier, Tier
from tests.conftest import outbox_links, path_of, sign_in

NEW_PASSWORD = "supplier password 1"


def add_supplier(client, name="株式会社テスト", email="Contact@Supplier.example.com", tier="T2"):
    return client.post("/suppliers/new", data={"name": name, "contact_email": email, "tier": tier})


def test_adding_a_supplier_invites_its_contact_into_a_new_organisation(client, make_org, make_user):
    buyer = make_org("Buyer K.K.")
    admin = make_user(organization=buyer, role=Role.BUYER_ADMIN)
    sign_in(client, admin.email)
    response = add_supplier(client)
    assert response.status_code == 302
    supplier = db.session.scalar(sa.select(Supplier))
    assert (supplier.name, supplier.contact_email, supplier.tier) == (
        "株式会社テスト",
        "contact@supplier.example.com",
        Tier.T2,
    )
    assert supplier.organization_id != buyer.id
    invitation = db.session.scalar(sa.select(Invitation))
    assert (invitation.organization_id, invitation.role) == (supplier.organization_id, Role.SUPPLIER_OWNER)
    assert "株式会社テスト" in client.get("/suppliers/").get_data(as_text=True)
    logged = db.session.scalars(sa.select(ActivityEntry.action).where(ActivityEntry.organization_id == buyer.id)).all()
    assert "supplier.created" in logged

    client.post("/sign-out")
    link = path_of(outbox_links("contact@supplier.example.com")[-1])
    client.post(link, data={"name": "窓口 太郎", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    membership = db.session.scalar(sa.select(Membership).where(Membership.organization_id == supplier.organization_id))
    assert membership.role == Role.SUPPLIER_OWNER
    home = client.get("/").get_data(as_text=True)
    assert "株式会社テスト" in home
    assert client.get("/suppliers/").status_code == 403  # the supplier side has no supplier list


def test_the_same_contact_cannot_be_added_twice(client, make_org, make_user):
    admin = make_user(organization=make_org(), role=Role.BUYER_ADMIN)
    sign_in(client, admin.email)
    add_supplier(client)
    response = add_supplier(client, name="Other", email="contact@SUPPLIER.example.com")
    assert response.status_code == 409
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Supplier)) == 1


def test_bad_input_is_refused_and_changes_nothing(client, make_org, make_user):
    admin = make_user(organization=make_org(), role=Role.BUYER_ADMIN)
    sign_in(client, admin.email)
    for data in (
        {"name": "", "contact_email": "a@example.com", "tier": "T1"},
        {"name": "X", "contact_email": "not-an-address", "tier": "T1"},
        {"name": "X", "contact_email": "a@example.com", "tier": "T9"},
        {"name": "X" * 201, "contact_email": "a@example.com", "tier": "T1"},
    ):
        assert client.post("/suppliers/new", data=data).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Supplier)) == 0


def test_reviewers_see_suppliers_but_cannot_add(client, make_org, make_user):
    buyer = make_org()
    reviewer = make_user(organization=buyer, role=Role.REVIEWER)
    sign_in(client, reviewer.email)
    assert client.get("/suppliers/").status_code == 200
    assert client.get("/suppliers/new").status_code == 403
    assert add_supplier(client).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Supplier)) == 0


def test_another_buyers_supplier_is_not_found(client, make_org, make_user):
    mine, theirs = make_org("Mine"), make_org("Theirs")
    me = make_user(organization=mine, role=Role.BUYER_ADMIN)
    them = make_user(organization=theirs, role=Role.BUYER_ADMIN)
    sign_in(client, them.email)
    add_supplier(client, name="Their secret supplier")
    their_supplier = db.session.scalar(sa.select(Supplier))
    client.post("/sign-out")

    sign_in(client, me.email)
    assert client.get(f"/suppliers/{their_supplier.id}").status_code == 404
    assert client.post(f"/suppliers/{their_supplier.id}/resend-invitation").status_code == 404
    assert "Their secret supplier" not in client.get("/suppliers/").get_data(as_text=True)


def test_switching_to_an_organisation_one_does_not_belong_to_is_not_found(client, make_org, make_user):
    me = make_user(organization=make_org(), role=Role.BUYER_ADMIN)
    stranger = make_user(organization=make_org("Other"), role=Role.BUYER_ADMIN)
    sign_in(client, me.email)
    foreign = db.session.scalar(sa.select(Membership).where(Membership.user_id == stranger.id))
    assert client.post("/organization/switch", data={"membership_id": foreign.id}).status_code == 404


def test_a_user_in_two_organisations_switches_between_them(client, make_org, make_user):
    buyer, supplier_org = make_org("Tier-1 as buyer"), make_org("Tier-1 as supplier")
    user = make_user(organization=buyer, role=Role.BUYER_ADMIN)
    from portal.organizations.operations import add_member

    second = add_member(supplier_org, user, Role.SUPPLIER_OWNER, by=None)
    db.session.commit()
    sign_in(client, user.email)
    assert client.get("/suppliers/").status_code == 200
    client.post("/organization/switch", data={"membership_id": second.id})
    assert client.get("/suppliers/").status_code == 403
    assert "Tier-1 as supplier" in client.get("/").get_data(as_text=True)


def test_operator_creates_a_buyer_organisation_and_invites_its_admin(client, make_user):
    operator = make_user("ops@example.com", is_operator=True)
    sign_in(client, operator.email)
    response = client.post(
        "/operator/organizations", data={"name": "New Buyer", "admin_email": "boss@newbuyer.example.com"}
    )
    assert response.status_code == 302
    invitation = db.session.scalar(sa.select(Invitation))
    assert invitation.role == Role.BUYER_ADMIN and invitation.organization.name == "New Buyer"
    outbox = client.get("/operator/outbox").get_data(as_text=True)
    assert "boss@newbuyer.example.com" in outbox and "/invitations/" in outbox


def test_non_operators_cannot_reach_operator_pages(client, make_org, make_user):
    admin = make_user(organization=make_org(), role=Role.BUYER_ADMIN)
    sign_in(client, admin.email)
    assert client.get("/operator/organizations").status_code == 403
    assert client.get("/operator/outbox").status_code == 403
