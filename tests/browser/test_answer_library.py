"""The answer library in the browser: a supplier shared by two buyers answers the second buyer's request from
suggestions of its answers to the first, one item and then all at once, without a reload."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.accounts.models import User
from portal.assessments.models import Answer, Assessment
from portal.assessments.operations import AnswerInput, save_answer, submit_assessment
from portal.campaigns.operations import CampaignInput, create_campaign, launch_campaign
from portal.extensions import db
from portal.organizations.models import Role
from portal.organizations.operations import create_organization
from portal.suppliers.models import Supplier
from tests.browser.test_assessment_journey import member, sign_in
from tests.browser.test_conditional_items import launched_assessment
from tests.workflow_fixtures import WORKFLOW_DEFINITION

pytestmark = pytest.mark.browser

OWNER = "owner@library.example.com"


def second_request() -> int:
    """The supplier answered and submitted the first buyer's request; a second buyer sends the same questionnaire."""
    first = db.session.get(Assessment, launched_assessment(OWNER, WORKFLOW_DEFINITION))
    user = db.session.scalar(sa.select(User).where(User.email == OWNER))
    for item_id, code in {"POL-01": "no", "STF-01": "yes", "STF-02": "partial"}.items():
        save_answer(first, AnswerInput(item_id, code, f"{item_id}: 第一発注元への回答", None, 0), by=user)
    submit_assessment(first, by=user)
    buyer = create_organization("第二発注元株式会社", by=None)
    admin = member(buyer, "buyer@second.example.com", "発注 三郎", Role.BUYER_ADMIN)
    record = Supplier(
        buyer=buyer, organization=first.supplier.organization, name="株式会社条件", contact_email=OWNER, tier="T1"
    )
    db.session.add(record)
    db.session.flush()
    data = CampaignInput(
        name="第二の確認",
        questionnaire_version_id=first.campaign.questionnaire_version_id,
        due_date=date.today() + timedelta(days=30),
        supplier_ids=[record.id],
    )
    campaign = create_campaign(buyer, data, by=admin, today=date.today())
    launch_campaign(campaign, by=admin)
    db.session.commit()
    return campaign.assessments[0].id


def test_suggestions_are_shown_and_accepted_one_and_all_without_a_reload(live_app, page, screenshot):
    base = live_app.config["BASE_URL"]
    with live_app.app_context():
        assessment_id = second_request()
    sign_in(page, base, OWNER)
    page.goto(f"{base}/assessments/{assessment_id}")
    expect(page.locator(".suggestion")).to_have_count(3)
    expect(page.locator("#suggestions")).to_contain_text("回答ライブラリ")
    first_box = page.locator("#item-STF-01 .suggestion")
    expect(first_box).to_contain_text("実施している")
    expect(first_box).to_contain_text("条件発注株式会社")
    expect(first_box).to_contain_text("同じ項目")
    expect(page.locator("#progress-text")).to_contain_text("0 / 3")
    screenshot("1-suggestions")

    first_box.get_by_role("button", name="この回答候補を採用").click()
    expect(page.locator("#item-STF-01 .suggestion")).to_have_count(0)
    expect(page.locator('#item-STF-01 input[name="code"][value="yes"]')).to_be_checked()
    expect(page.locator('#item-STF-01 textarea[name="comment"]')).to_have_value("STF-01: 第一発注元への回答")
    expect(page.locator("#progress-text")).to_contain_text("1 / 3")

    page.get_by_role("button", name="回答候補をすべて採用").click()
    expect(page.locator(".suggestion")).to_have_count(0)
    expect(page.locator(".suggestion-message")).to_contain_text("2件の回答候補を採用しました")
    expect(page.locator("#suggestions form")).to_have_count(0)  # nothing left to accept
    expect(page.locator('#item-POL-01 input[name="code"][value="no"]')).to_be_checked()
    expect(page.locator('#item-STF-02 input[name="code"][value="partial"]')).to_be_checked()
    expect(page.locator("#progress-text")).to_contain_text("3 / 3")
    screenshot("2-accepted-all")

    # Saved as answers: a colleague's edit from here is on top of the accepted version, and the page shows them.
    page.locator('#item-STF-02 input[name="code"][value="yes"]').check()
    expect(page.locator("#item-STF-02 .status")).to_contain_text("保存")
    page.reload()
    expect(page.locator('#item-STF-02 input[name="code"][value="yes"]')).to_be_checked()
    expect(page.locator(".suggestion")).to_have_count(0)
    with live_app.app_context():
        answers = db.session.scalars(sa.select(Answer).where(Answer.assessment_id == assessment_id)).all()
        assert {a.item_id: a.code for a in answers} == {"POL-01": "no", "STF-01": "yes", "STF-02": "yes"}
