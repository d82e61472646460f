"""A buyer that names a company already on the portal asks it to accept the relationship: by the 法人番号 or by a
contact who administers it. The company's administrators accept or decline once; the buyer sees nothing of
the company before, cannot send it anything, and a loop in the chain is refused."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.accounts.models import Invitation
from portal.activity.models import ActivityEntry
from portal.campaigns.models import Campaign
from portal.campaigns.operations import CampaignInput, create_campaign
from portal.errors import Conflict
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.organizations.models import Membership, Organization, Role
from portal.suppliers.models import RelationshipStatus, Sharing, Supplier
from portal.suppliers.network import would_make_cycle
from portal.suppliers.operations import confirm_import, preview_import, stored_rows
from tests.conftest import sign_in
from tests.portal.campaigns.helpers import campaign_form, count_rows, text
from tests.portal.relationships.helpers import (
    BAD_NUMBER,
    NUMBER,
    OTHER_NUMBER,
    accepted_by,
    mails_to,
    numbered_company,
    request_from,
)

pytestmark = pytest.mark.both_databases


def add(client, name="共有商事", email="new-contact@example.com", number="", tier="T1"):
    return client.post(
        "/suppliers/new", data={"name": name, "contact_email": email, "tier": tier, "corporate_number": number}
    )


def logged(organization_id):
    return set(
        db.session.scalars(sa.select(ActivityEntry.action).where(ActivityEntry.organization_id == organization_id))
    )


def test_a_new_company_with_a_corporate_number_gets_its_organisation_numbered(client, make_buyer):
    _buyer, admin = make_buyer()
    sign_in(client, admin.email)
    assert add(client, number="7000-0120-50002").status_code == 302  # hyphens are folded
    supplier = db.session.scalar(sa.select(Supplier))
    assert supplier.status == RelationshipStatus.ACTIVE
    assert supplier.corporate_number == NUMBER
    assert db.session.get(Organization, supplier.organization_id).corporate_number == NUMBER
    assert count_rows(Invitation) == 1


def test_a_bad_check_digit_is_refused_next_to_the_field(client, make_buyer):
    _buyer, admin = make_buyer()
    sign_in(client, admin.email)
    response = add(client, number=BAD_NUMBER)
    assert response.status_code == 400
    page = text(response)
    assert "法人番号" in page and BAD_NUMBER in page and "has-error" in page
    assert count_rows(Supplier) == 0 and count_rows(Invitation) == 0


def test_the_corporate_number_of_a_company_on_the_portal_asks_it(client, make_buyer, make_supplier):
    company, owner = numbered_company(make_buyer, make_supplier, NUMBER, name="共有商事")
    buyer, admin = make_buyer("発注元B")
    sign_in(client, admin.email)
    response = add(client, name="共有商事（B社呼称）", email="b-contact@example.com", number=NUMBER)
    assert response.status_code == 302
    relationship = db.session.scalar(sa.select(Supplier).where(Supplier.buyer_id == buyer.id))
    assert relationship.status == RelationshipStatus.REQUESTED
    assert relationship.organization_id == company.organization_id
    assert relationship.responded_at is None
    # No invitation, no e-mail to the buyer's contact; the company's administrators are told.
    assert count_rows(Invitation) == 0 and mails_to("b-contact@example.com") == []
    (mail,) = mails_to(owner.email)
    assert "発注元B" in mail.subject and "/relationships" in mail.body
    assert "B社呼称" not in mail.body  # the buyer's own record stays its own
    assert "supplier.requested" in logged(buyer.id)
    assert "承認" in text(client.get(f"/suppliers/{relationship.id}"))


def test_a_contact_who_administers_a_company_asks_it(client, make_buyer, make_org, make_user):
    # A company that so far only buys: its buyer admin is the contact the new buyer types.
    company = make_org("買うだけ工業")
    company_admin = make_user("boss@kaudake.example.com", organization=company, role=Role.BUYER_ADMIN)
    _buyer, admin = make_buyer()
    sign_in(client, admin.email)
    assert add(client, email="Boss@Kaudake.example.com").status_code == 302
    relationship = db.session.scalar(sa.select(Supplier))
    assert (relationship.status, relationship.organization_id) == (RelationshipStatus.REQUESTED, company.id)
    assert count_rows(Invitation) == 0
    assert len(mails_to(company_admin.email)) == 1


def test_a_responder_address_is_no_company_match(client, make_buyer, make_supplier, make_user):
    first_buyer, _ = make_buyer()
    company, _ = make_supplier(first_buyer)
    responder = make_user(organization=company.organization, role=Role.SUPPLIER_RESPONDER)
    buyer, admin = make_buyer()
    sign_in(client, admin.email)
    add(client, email=responder.email)
    relationship = db.session.scalar(sa.select(Supplier).where(Supplier.buyer_id == buyer.id))
    assert relationship.status == RelationshipStatus.ACTIVE
    assert relationship.organization_id != company.organization_id


def test_nothing_of_the_company_shows_and_nothing_can_be_sent_before_it_accepts(
    client, make_buyer, make_supplier, make_version
):
    first_buyer, _ = make_buyer()
    company, owner = make_supplier(first_buyer)
    buyer, admin = make_buyer()
    relationship = request_from(buyer, admin, company, name="承認前商事")
    version = make_version()
    sign_in(client, admin.email)

    detail = text(client.get(f"/suppliers/{relationship.id}"))
    assert "承認待ち" in detail and "承認前商事" in detail
    for joined in (
        "contact-joined",
        "contact-not-member",
        "organization-joined",
        "resend-invitation",
        "supplier-audits",
    ):
        assert joined not in detail
    listing = text(client.get("/suppliers/"))
    assert "承認待ち" in listing and "承認前商事" in listing
    assert client.post(f"/suppliers/{relationship.id}/resend-invitation").status_code == 302
    assert count_rows(Invitation) == 0

    client.get("/")  # shows the refusal's message
    form = text(client.get("/campaigns/new"))
    assert "承認前商事" not in form  # the picker leaves it out
    refused = client.post("/campaigns/new", data=campaign_form(version, [relationship]))
    assert refused.status_code == 200 and count_rows(Campaign) == 0  # not a choice the form offers
    data = CampaignInput("依頼", version.id, date.today() + timedelta(days=30), [relationship.id])
    with pytest.raises(Conflict, match="承認前商事"):
        create_campaign(buyer, data, by=admin, today=date.today())
    db.session.rollback()
    # A draft made while it was active cannot be sent to it either: here the row is put back to requested.
    sent_before = count_rows(OutboxMessage)
    relationship.status = RelationshipStatus.ACTIVE
    db.session.commit()
    client.post("/campaigns/new", data=campaign_form(version, [relationship]))
    campaign = db.session.scalar(sa.select(Campaign))
    relationship.status = RelationshipStatus.REQUESTED
    db.session.commit()
    assert client.post(f"/campaigns/{campaign.id}/launch").status_code in (302, 409)
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).state == "draft"
    assert count_rows(OutboxMessage) == sent_before
    assert mails_to(owner.email)[1:] == []  # only the request itself


def test_the_company_accepts_once(client, make_buyer, make_supplier):
    first_buyer, _ = make_buyer()
    company, owner = make_supplier(first_buyer)
    buyer, admin = make_buyer("発注元B")
    relationship = request_from(buyer, admin, company)
    sign_in(client, owner.email)

    page = text(client.get("/relationships/"))
    assert "発注元B" in page and admin.name in page
    assert "新しい発注元" in text(client.get("/"))  # the supplier home's next steps
    assert client.post(f"/relationships/{relationship.id}/accept").status_code == 302
    db.session.expire_all()
    accepted = db.session.get(Supplier, relationship.id)
    assert accepted.status == RelationshipStatus.ACTIVE and accepted.responded_at is not None
    answered_at = accepted.responded_at

    for again in ("accept", "decline"):
        response = client.post(f"/relationships/{relationship.id}/{again}")
        assert response.status_code == 409
        assert "既に" in text(response) or "already" in text(response)
    db.session.expire_all()
    unchanged = db.session.get(Supplier, relationship.id)
    assert (unchanged.status, unchanged.responded_at) == (RelationshipStatus.ACTIVE, answered_at)
    assert "relationship.accepted" in logged(company.organization_id)
    assert "新しい発注元" not in text(client.get("/"))
    client.post("/sign-out")
    sign_in(client, admin.email)
    detail = text(client.get(f"/suppliers/{relationship.id}"))
    assert "承認待ち" not in detail and "contact-joined" in detail


def test_the_company_declines(client, make_buyer, make_supplier):
    first_buyer, _ = make_buyer()
    company, owner = make_supplier(first_buyer)
    buyer, admin = make_buyer()
    relationship = request_from(buyer, admin, company, name="辞退商事")
    sign_in(client, owner.email)
    assert client.post(f"/relationships/{relationship.id}/decline").status_code == 302
    db.session.expire_all()
    assert db.session.get(Supplier, relationship.id).status == RelationshipStatus.DECLINED
    assert client.post(f"/relationships/{relationship.id}/accept").status_code == 409
    assert "辞退商事" not in text(client.get("/relationships/"))
    client.post("/sign-out")
    sign_in(client, admin.email)
    assert "辞退" in text(client.get(f"/suppliers/{relationship.id}"))
    again = add(client, name="辞退商事", email=company.contact_email.upper())
    assert again.status_code == 409  # the same address is recorded already
    assert count_rows(Supplier) == 2


def test_a_request_that_is_not_the_companys_is_not_found(client, make_buyer, make_supplier):
    first_buyer, _ = make_buyer()
    company, _ = make_supplier(first_buyer)
    _, stranger = make_supplier(first_buyer)
    buyer, admin = make_buyer()
    relationship = request_from(buyer, admin, company)
    sign_in(client, stranger.email)
    assert client.post(f"/relationships/{relationship.id}/accept").status_code == 404
    assert client.post(f"/relationships/{relationship.id}/decline").status_code == 404
    client.post("/sign-out")
    sign_in(client, admin.email)  # the buyer cannot answer its own request either
    assert client.post(f"/relationships/{relationship.id}/accept").status_code == 404
    db.session.expire_all()
    assert db.session.get(Supplier, relationship.id).status == RelationshipStatus.REQUESTED


def test_only_administrators_answer(client, make_buyer, make_supplier, make_user):
    first_buyer, _ = make_buyer()
    company, _ = make_supplier(first_buyer)
    responder = make_user(organization=company.organization, role=Role.SUPPLIER_RESPONDER)
    buyer, admin = make_buyer()
    relationship = request_from(buyer, admin, company)
    sign_in(client, responder.email)
    assert client.get("/relationships/").status_code == 403
    assert client.post(f"/relationships/{relationship.id}/accept").status_code == 403
    assert "/relationships" not in text(client.get("/"))


def test_a_company_that_only_bought_becomes_a_supplier_by_accepting(client, make_buyer, make_org, make_user):
    company = make_org("買うだけ工業")
    company_admin = make_user(organization=company, role=Role.BUYER_ADMIN)
    _buyer, admin = make_buyer("新しい発注元社")
    add_by = sign_in(client, admin.email)
    assert add_by.status_code == 302
    add(client, email=company_admin.email)
    client.post("/sign-out")
    relationship = db.session.scalar(sa.select(Supplier))
    sign_in(client, company_admin.email)
    assert "新しい発注元" in text(client.get("/"))  # on the buyer dashboard too
    assert client.post(f"/relationships/{relationship.id}/accept").status_code == 302
    membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == company_admin.id))
    db.session.refresh(membership)
    assert (membership.role, membership.other_role) == (Role.BUYER_ADMIN, Role.SUPPLIER_OWNER)


def test_a_loop_in_the_chain_is_refused(client, make_buyer, make_supplier, make_user):
    prime, prime_admin = make_buyer("元請")
    prime.corporate_number = NUMBER
    first, _first_owner = make_supplier(prime, name="一次")
    second, _ = make_supplier(first.organization, name="二次")
    db.session.commit()
    assert would_make_cycle(second.organization_id, prime.id)
    assert would_make_cycle(prime.id, prime.id)
    assert not would_make_cycle(prime.id, second.organization_id)

    # 二次 runs a buyer side too and names 元請 (by its number) as its supplier: 元請 is above it.
    second_admin = make_user(organization=second.organization, role=Role.BUYER_ADMIN)
    sign_in(client, second_admin.email)
    response = add(client, name="元請", email="prime@example.com", number=NUMBER)
    assert response.status_code == 409
    assert "元請" not in {s.name for s in db.session.scalars(sa.select(Supplier))}
    # The buyer itself, and a company already recorded.
    client.post("/sign-out")
    sign_in(client, prime_admin.email)
    assert add(client, name="自社", email=prime_admin.email).status_code == 409
    assert add(client, name="一次again", email="x@example.com", number="").status_code == 302  # a new company
    assert add(client, name="一次", email="other@example.com", number="").status_code == 302
    assert count_rows(Supplier) == 4


def test_a_loop_made_since_the_request_is_refused_on_accepting(client, make_buyer, make_supplier):
    first_buyer, _ = make_buyer()
    company, owner = make_supplier(first_buyer)
    buyer, admin = make_buyer()
    relationship = request_from(buyer, admin, company)
    # Meanwhile the buyer became the company's own supplier (data from before the check, say).
    db.session.add(
        Supplier(buyer=company.organization, organization=buyer, name="B", contact_email="b@example.com", tier="T1")
    )
    db.session.commit()
    sign_in(client, owner.email)
    response = client.post(f"/relationships/{relationship.id}/accept")
    assert (response.status_code == 409 and "circle" in text(response)) or "循環" in text(response)
    db.session.expire_all()
    assert db.session.get(Supplier, relationship.id).status == RelationshipStatus.REQUESTED


def test_the_company_sets_what_each_buyer_sees_and_the_buyer_is_not_told(client, make_buyer, make_supplier):
    first_buyer, _ = make_buyer()
    company, owner = make_supplier(first_buyer)
    buyer, admin = make_buyer("発注元B")
    relationship = accepted_by(request_from(buyer, admin, company), owner)
    assert relationship.sharing == Sharing.NAMES_AND_GRADES
    sign_in(client, owner.email)
    page = text(client.get("/relationships/"))
    assert "発注元B" in page and "委託先の名称と評価" in page
    before = count_rows(OutboxMessage)
    field = f"r{relationship.id}-sharing"
    assert client.post(f"/relationships/{relationship.id}/sharing", data={field: "full"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Supplier, relationship.id).sharing == Sharing.FULL
    assert count_rows(OutboxMessage) == before
    assert "relationship.sharing_changed" in logged(company.organization_id)
    assert "relationship.sharing_changed" not in logged(buyer.id)
    assert client.post(f"/relationships/{relationship.id}/sharing", data={field: "all"}).status_code == 400
    db.session.expire_all()
    assert db.session.get(Supplier, relationship.id).sharing == Sharing.FULL


def test_the_import_asks_companies_already_on_the_portal(client, make_buyer, make_supplier):
    _, owner = numbered_company(make_buyer, make_supplier, OTHER_NUMBER)
    buyer, admin = make_buyer()
    rows = [f"既存商事,known@example.com,T1,{OTHER_NUMBER}", "新規商事,new@example.com,T2,"]
    # The same company again (its owner's address), and the buyer itself: each row says why not.
    refused = [*rows, f"既存商事2,{owner.email},T1,", f"自社,{admin.email},T1,"]
    job = preview_import(buyer, "\r\n".join(["name,email,tier,法人番号", *refused]).encode(), "x.csv", by=admin)
    db.session.commit()
    marked = stored_rows(job)
    assert [(row.asks, bool(row.errors)) for row in marked] == [
        (True, False),
        (False, False),
        (False, True),
        (False, True),
    ]
    assert "row 2" in marked[2].errors[0] and "your own organisation" in marked[3].errors[0]
    sign_in(client, admin.email)
    assert "承認を依頼します" in text(client.get(f"/suppliers/import/{job.id}"))

    job = preview_import(buyer, "\r\n".join(["name,email,tier,法人番号", *rows]).encode(), "list.csv", by=admin)
    added = confirm_import(job, buyer, by=admin)
    db.session.commit()
    statuses = {supplier.name: supplier.status for supplier in added}
    assert statuses == {"既存商事": RelationshipStatus.REQUESTED, "新規商事": RelationshipStatus.ACTIVE}
    assert [i.email for i in db.session.scalars(sa.select(Invitation))] == ["new@example.com"]
    assert len(mails_to(owner.email)) == 1


def test_the_navigation_links_the_buyers_where_there_are_some(client, make_buyer, make_supplier):
    only_buys, admin = make_buyer()
    first_buyer, _ = make_buyer()
    _, owner = make_supplier(first_buyer)
    sign_in(client, owner.email)
    assert 'href="/relationships/"' in text(client.get("/"))
    client.post("/sign-out")
    sign_in(client, admin.email)
    assert 'href="/relationships/"' not in text(client.get("/"))  # a company that only buys has no buyers
    client.post("/sign-out")
    db.session.add(
        Supplier(buyer=first_buyer, organization=only_buys, name="買う会社", contact_email=admin.email, tier="T1")
    )
    db.session.commit()
    sign_in(client, admin.email)
    assert 'href="/relationships/"' in text(client.get("/"))
