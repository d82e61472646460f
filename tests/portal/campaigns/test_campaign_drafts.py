"""Campaign drafts: suppliers picked by filter as well as one by one, a cover letter in the e-mail, the e-mail
previewed as the supplier will read it, drafts edited and deleted after confirming, sending confirmed."""

import re

import sqlalchemy as sa

from portal.activity.models import ActivityEntry
from portal.assessments.models import Assessment
from portal.campaigns.models import Campaign, CampaignState
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.suppliers.models import Tier
from tests.conftest import sign_in
from tests.portal.campaigns.helpers import campaign_form, count_rows, sign_in_english, text

LETTER = "いつもお世話になっております。\n今年度の確認にご協力ください。<b>"


def suppliers_of(campaign):
    return sorted(
        a.supplier.name for a in db.session.scalars(sa.select(Assessment).where(Assessment.campaign_id == campaign.id))
    )


def test_all_t2_suppliers_by_filter_plus_one_by_one(client, make_buyer, make_supplier, make_version):
    buyer, admin = make_buyer()
    t2 = [make_supplier(buyer, name=f"標準{n}", tier=Tier.T2)[0] for n in range(3)]
    t1 = [make_supplier(buyer, name=f"基本{n}", tier=Tier.T1)[0] for n in range(2)]
    version = make_version()
    sign_in_english(client, admin)
    assert re.search(r'<input checked id="by_filter"', text(client.get("/campaigns/new?match_tier=T2")))
    assert not re.search(r'<input checked id="by_filter"', text(client.get("/campaigns/new")))
    response = client.post(
        "/campaigns/new",
        data=campaign_form(version, [t1[0]], by_filter="y", match_tier="T2", match_q="標準"),
    )
    assert response.status_code == 302
    campaign = db.session.scalar(sa.select(Campaign))
    assert suppliers_of(campaign) == ["基本0", "標準0", "標準1", "標準2"]
    preview = text(client.get(f"/campaigns/{campaign.id}"))
    assert 'data-recipients="4"' in preview and "4 suppliers will receive it." in preview
    # Without the box ticked the filter picks nobody; no supplier at all is refused.
    client.post("/campaigns/new", data=campaign_form(version, [], match_tier="T2"))
    assert count_rows(Campaign) == 1
    _ = t2


def test_a_filter_that_matches_nobody_is_refused(client, make_buyer, make_supplier, make_version):
    buyer, admin = make_buyer()
    make_supplier(buyer, tier=Tier.T1)
    sign_in_english(client, admin)
    response = client.post("/campaigns/new", data=campaign_form(make_version(), [], by_filter="y", match_tier="T3"))
    assert response.status_code == 200 and "Please choose at least one supplier." in text(response)
    assert count_rows(Campaign) == 0


def test_a_draft_is_edited_then_sent_after_confirming_with_its_cover_letter(
    client, make_buyer, make_supplier, make_version
):
    buyer, admin = make_buyer()
    first, first_owner = make_supplier(buyer, name="一番商事", tier=Tier.T1)
    second, second_owner = make_supplier(buyer, name="二番工業", tier=Tier.T2)
    version = make_version()
    sign_in_english(client, admin)
    client.post("/campaigns/new", data=campaign_form(version, [first]))
    campaign = db.session.scalar(sa.select(Campaign))
    edit = text(client.get(f"/campaigns/{campaign.id}/edit"))
    assert campaign.name in edit and 'value="7,3,1"' in edit
    response = client.post(
        f"/campaigns/{campaign.id}/edit",
        data=campaign_form(version, [second], name="改めた名前", cover_letter=LETTER, tier="T2"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    campaign = db.session.get(Campaign, campaign.id)
    assert (campaign.name, campaign.cover_letter, campaign.state) == ("改めた名前", LETTER, CampaignState.DRAFT)
    assert [(a.supplier_id, a.tier) for a in campaign.assessments] == [(second.id, Tier.T2)]
    assert "campaign.updated" in db.session.scalars(sa.select(ActivityEntry.action)).all()

    # Sending asks first: who gets it and the e-mail as the supplier reads it; nothing is sent yet.
    confirm = client.get(f"/campaigns/{campaign.id}/launch")
    page = text(confirm)
    assert confirm.status_code == 200 and 'data-recipients="1"' in page and "二番工業" in page
    assert "今年度の確認にご協力ください。&lt;b&gt;" in page  # the letter, escaped
    assert "改めた名前" in page and f"/assessments/{campaign.assessments[0].id}" in page
    assert count_rows(OutboxMessage) == 0
    assert client.post(f"/campaigns/{campaign.id}/launch").status_code == 302
    sent = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == second_owner.email))
    assert LETTER in sent.body and sent.body.index(LETTER) < sent.body.index("改めた名前")
    assert db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == first_owner.email)) is None
    # A sent campaign is no longer a draft: no editing, deleting or second confirmation page.
    assert client.get(f"/campaigns/{campaign.id}/edit").status_code == 404
    assert client.post(f"/campaigns/{campaign.id}/delete").status_code == 404
    assert client.get(f"/campaigns/{campaign.id}/launch").status_code == 302


def test_the_preview_shows_the_email_as_sent_and_the_invited_contact_gets_the_letter_too(
    client, make_buyer, make_version
):
    _buyer, admin = make_buyer()
    sign_in(client, admin.email)
    client.post("/suppliers/new", data={"name": "未参加商事", "contact_email": "new@example.jp", "tier": "T1"})
    supplier_id = db.session.scalar(sa.text("select id from suppliers"))
    version = make_version()
    data = campaign_form(version, [], cover_letter=LETTER)
    data["supplier_ids"] = [str(supplier_id)]
    client.post("/campaigns/new", data=data)
    campaign = db.session.scalar(sa.select(Campaign))
    preview = text(client.get(f"/campaigns/{campaign.id}"))
    assert "未参加商事" in preview and "いつもお世話になっております。" in preview and 'class="mail-body"' in preview
    # Not joined, its invitation still pending: the request points to that invitation, as it will be sent.
    assert "にメールでお送りした招待リンクからポータルにご参加ください" in preview
    client.post(f"/campaigns/{campaign.id}/launch")
    invitation = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.recipient == "new@example.jp").order_by(OutboxMessage.id)
    ).all()[-1]
    assert LETTER in invitation.body


def test_a_draft_is_deleted_only_after_confirming(client, make_buyer, make_supplier, make_version):
    buyer, admin = make_buyer()
    supplier, _owner = make_supplier(buyer)
    sign_in_english(client, admin)
    client.post("/campaigns/new", data=campaign_form(make_version(), [supplier]))
    campaign = db.session.scalar(sa.select(Campaign))
    ask = client.get(f"/campaigns/{campaign.id}/delete")
    assert ask.status_code == 200 and "Delete the draft" in text(ask)
    assert count_rows(Campaign) == 1
    assert client.post(f"/campaigns/{campaign.id}/delete").status_code == 302
    assert count_rows(Campaign) == 0 and count_rows(Assessment) == 0
    assert "campaign.deleted" in db.session.scalars(sa.select(ActivityEntry.action)).all()


def test_other_buyers_and_reviewers_cannot_edit_or_delete(client, make_buyer, make_supplier, make_version, make_user):
    from portal.organizations.models import Role

    buyer, admin = make_buyer()
    _other, other_admin = make_buyer()
    reviewer = make_user(organization=buyer, role=Role.REVIEWER)
    supplier, _owner = make_supplier(buyer)
    version = make_version()
    sign_in(client, admin.email)
    client.post("/campaigns/new", data=campaign_form(version, [supplier]))
    campaign = db.session.scalar(sa.select(Campaign))
    client.post("/sign-out")
    for user, status in ((other_admin, 404), (reviewer, 403)):
        sign_in(client, user.email)
        assert client.post(f"/campaigns/{campaign.id}/delete").status_code == status
        assert (
            client.post(f"/campaigns/{campaign.id}/edit", data=campaign_form(version, [supplier])).status_code == status
        )
        assert client.get(f"/campaigns/{campaign.id}/launch").status_code == status
        client.post("/sign-out")
    assert count_rows(Campaign) == 1


def test_the_preview_of_a_contact_without_a_usable_invitation_is_the_invitation_carrying_the_request(
    client, make_buyer, make_version
):
    from portal.accounts.models import Invitation

    _buyer, admin = make_buyer()
    sign_in_english(client, admin)
    client.post("/suppliers/new", data={"name": "期限切れ商事", "contact_email": "old@example.jp", "tier": "T1"})
    db.session.execute(sa.delete(Invitation))
    db.session.commit()
    supplier_id = db.session.scalar(sa.text("select id from suppliers"))
    data = campaign_form(make_version(), [], cover_letter=LETTER)
    data["supplier_ids"] = [str(supplier_id)]
    client.post("/campaigns/new", data=data)
    campaign = db.session.scalar(sa.select(Campaign))
    page = text(client.get(f"/campaigns/{campaign.id}/launch"))
    assert "（招待リンク）" in page and "いつもお世話になっております。" in page  # the contact's language: Japanese
    assert count_rows(Invitation) == 0  # previewing makes no invitation
