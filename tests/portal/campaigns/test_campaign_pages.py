"""Campaigns in the browser: create, preview, launch, permissions and refused input."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.assessments.models import Assessment, AssessmentState
from portal.campaigns.models import Campaign, CampaignState
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.organizations.models import Role
from portal.suppliers.models import Tier
from tests.conftest import outbox_links, path_of, sign_in
from tests.portal.campaigns.helpers import campaign_form, count_rows, sign_in_english, text
from tests.queries import counted_queries


def test_create_preview_and_launch(client, make_buyer, make_supplier, make_version):
    buyer, admin = make_buyer()
    basic, basic_owner = make_supplier(buyer, name="基本商事", tier=Tier.T1)
    standard, standard_owner = make_supplier(buyer, name="標準工業", tier=Tier.T2)
    version = make_version()
    sign_in_english(client, admin)

    form = client.get("/campaigns/new")
    assert form.status_code == 200
    assert "基本商事" in text(form) and version.title_en in text(form)  # an English page

    response = client.post(
        "/campaigns/new",
        data=campaign_form(version, [basic, standard], reminder_days="7, 3", show_score_to_supplier=None),
    )
    campaign = db.session.scalar(sa.select(Campaign))
    assert response.status_code == 302
    assert path_of(response.headers["Location"]) == f"/campaigns/{campaign.id}"
    assert campaign.state == CampaignState.DRAFT
    assert (campaign.tier, campaign.reminder_days, campaign.remind_when_overdue, campaign.show_score_to_supplier) == (
        None,
        [7, 3],
        True,
        False,
    )
    assert {(a.supplier_id, a.tier) for a in campaign.assessments} == {(basic.id, Tier.T1), (standard.id, Tier.T2)}
    assert count_rows(OutboxMessage) == 0  # a draft sends nothing

    preview = text(client.get(f"/campaigns/{campaign.id}"))
    assert "基本商事" in preview and "標準工業" in preview
    assert '<td class="num">3</td>' in preview and '<td class="num">4</td>' in preview  # T1: 3 items, T2: 4
    assert "方針: 2" in preview and "従業員: 2" in preview  # per-section counts of the T2 supplier
    assert f"/campaigns/{campaign.id}/launch" in preview

    launched = client.post(f"/campaigns/{campaign.id}/launch")
    assert launched.status_code == 302
    assert path_of(launched.headers["Location"]) == f"/campaigns/{campaign.id}"
    db.session.refresh(campaign)
    assert campaign.state == CampaignState.LAUNCHED
    for supplier, owner in ((basic, basic_owner), (standard, standard_owner)):
        assessment = db.session.scalar(sa.select(Assessment).where(Assessment.supplier_id == supplier.id))
        assert f"/assessments/{assessment.id}" in [path_of(link) for link in outbox_links(owner.email)]

    detail = text(client.get(f"/campaigns/{campaign.id}"))
    assert "0 / 3" in detail and "0 / 4" in detail
    assert f"/campaigns/{campaign.id}/launch" not in detail
    assert client.post(f"/campaigns/{campaign.id}/launch").status_code == 302  # twice: refused with a message
    assert count_rows(OutboxMessage) == 2

    listing = text(client.get("/campaigns/"))
    assert "2026年度 取引先確認" in listing and 'data-count="invited">2<' in listing


def test_a_fixed_tier_overrides_each_suppliers_own(client, make_buyer, make_supplier, make_version):
    buyer, admin = make_buyer()
    supplier, _ = make_supplier(buyer, tier=Tier.T1)
    sign_in_english(client, admin)
    client.post("/campaigns/new", data=campaign_form(make_version(), [supplier], tier="T3"))
    (assessment,) = db.session.scalar(sa.select(Campaign)).assessments
    assert assessment.tier == Tier.T3


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"due_date": (date.today() - timedelta(days=1)).isoformat()}, "The due date must be in the future."),
        ({"due_date": date.today().isoformat()}, "The due date must be in the future."),
        ({"due_date": "next friday"}, None),
        ({"due_date": ""}, None),
        ({"supplier_ids": []}, "Please choose at least one supplier."),
        ({"supplier_ids": ["abc"]}, None),
        ({"reminder_days": "7,x"}, "Enter whole numbers of days separated by commas"),
        ({"reminder_days": "7;3"}, "Enter whole numbers of days separated by commas"),
        ({"reminder_days": "-1"}, "Enter whole numbers of days separated by commas"),
        ({"reminder_days": "7,,3"}, "Enter whole numbers of days separated by commas"),
        ({"reminder_days": "120"}, "between 1 and 90 days"),
        ({"pass_threshold": "150"}, None),
        ({"pass_threshold": "abc"}, None),
        ({"name": ""}, None),
        ({"name": "   "}, "Please give the campaign a name."),
        ({"questionnaire_version_id": "99999"}, None),
        ({"tier": "T9"}, None),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(client, make_buyer, make_supplier, make_version, overrides, message):
    buyer, admin = make_buyer()
    supplier, _ = make_supplier(buyer)
    version = make_version()
    sign_in_english(client, admin)
    response = client.post("/campaigns/new", data=campaign_form(version, [supplier], **overrides))
    assert response.status_code == 200
    assert 'role="alert"' in text(response)
    if message:
        assert message in text(response)
    assert count_rows(Campaign) == 0 and count_rows(Assessment) == 0 and count_rows(OutboxMessage) == 0


def test_another_buyers_supplier_cannot_be_chosen(client, make_buyer, make_supplier, make_version):
    buyer, admin = make_buyer()
    mine, _ = make_supplier(buyer)
    other_buyer, _ = make_buyer()
    theirs, _ = make_supplier(other_buyer, name="他社の委託先")
    sign_in_english(client, admin)
    assert "他社の委託先" not in text(client.get("/campaigns/new"))
    response = client.post("/campaigns/new", data=campaign_form(make_version(), [mine, theirs]))
    assert response.status_code in (200, 404)
    assert count_rows(Campaign) == 0


def test_reviewers_and_auditors_see_campaigns_but_cannot_create_or_launch(
    client, make_buyer, make_supplier, make_campaign, make_user
):
    buyer, admin = make_buyer()
    supplier, _ = make_supplier(buyer)
    draft = make_campaign(buyer, [supplier], by=admin, launch=False)
    sent = make_campaign(buyer, [supplier], by=admin, name="sent")
    for role in (Role.REVIEWER, Role.AUDITOR):
        user = make_user(organization=buyer, role=role)
        sign_in(client, user.email)
        assert client.get("/campaigns/").status_code == 200
        assert client.get(f"/campaigns/{draft.id}").status_code == 200
        assert client.get(f"/campaigns/{sent.id}").status_code == 200
        assert client.get("/campaigns/new").status_code == 403
        assert client.post("/campaigns/new", data={"name": "x"}).status_code == 403
        assert client.post(f"/campaigns/{draft.id}/launch").status_code == 403
        assert client.get(f"/campaigns/{sent.id}/next-round").status_code == 403
        assert client.post(f"/campaigns/{sent.id}/next-round", data={"name": "x"}).status_code == 403
        assert "/launch" not in text(client.get(f"/campaigns/{draft.id}"))
        client.post("/sign-out")
    db.session.refresh(draft)
    assert draft.state == CampaignState.DRAFT
    assert count_rows(Campaign) == 2


def test_supplier_users_cannot_open_campaign_pages(client, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    campaign = make_campaign(buyer, [supplier], by=admin)
    sign_in(client, owner.email)
    for path in ("/campaigns/", "/campaigns/new", f"/campaigns/{campaign.id}", f"/campaigns/{campaign.id}/next-round"):
        assert client.get(path).status_code == 403


def test_another_buyers_campaign_is_not_found_on_every_route(
    client, make_buyer, make_supplier, make_campaign, make_version
):
    other, other_admin = make_buyer()
    their_supplier, _ = make_supplier(other, name="他社の委託先")
    draft = make_campaign(other, [their_supplier], by=other_admin, launch=False, name="他社の下書き")
    sent = make_campaign(other, [their_supplier], by=other_admin, name="他社の依頼")
    _, admin = make_buyer()
    sign_in_english(client, admin)
    for campaign in (draft, sent):
        assert client.get(f"/campaigns/{campaign.id}").status_code == 404
        assert client.post(f"/campaigns/{campaign.id}/launch").status_code == 404
        assert client.get(f"/campaigns/{campaign.id}/next-round").status_code == 404
        due = (date.today() + timedelta(days=60)).isoformat()
        assert (
            client.post(f"/campaigns/{campaign.id}/next-round", data={"name": "x", "due_date": due}).status_code == 404
        )
    listing = text(client.get("/campaigns/"))
    assert "他社の下書き" not in listing and "他社の依頼" not in listing
    db.session.refresh(draft)
    assert draft.state == CampaignState.DRAFT and count_rows(Campaign) == 2


def test_a_draft_has_no_next_round(client, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, _ = make_supplier(buyer)
    draft = make_campaign(buyer, [supplier], by=admin, launch=False)
    sign_in_english(client, admin)
    assert client.get(f"/campaigns/{draft.id}/next-round").status_code == 404


def test_the_detail_page_shows_answers_overdue_and_runs_constant_queries(
    client, make_buyer, make_supplier, make_campaign
):
    from portal.assessments.models import Answer

    buyer, admin = make_buyer()
    sign_in_english(client, admin)

    def detail_queries(count):
        suppliers = [make_supplier(buyer)[0] for _ in range(count)]
        campaign = make_campaign(buyer, suppliers, by=admin)
        first = campaign.assessments[0]
        first.state = AssessmentState.IN_PROGRESS
        db.session.add(Answer(assessment_id=first.id, item_id="POL-01", code="yes"))
        db.session.add(Answer(assessment_id=first.id, item_id="STF-01", code=None, comment="考え中"))
        campaign.due_date = date.today() - timedelta(days=1)
        db.session.commit()
        with counted_queries() as statements:
            page = text(client.get(f"/campaigns/{campaign.id}"))
        assert "1 / 3" in page and page.count('class="badge overdue"') == count
        return len(statements)

    assert detail_queries(2) == detail_queries(6)
