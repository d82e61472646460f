"""Answering a question that other items depend on shows and hides them at once, without reloading the page."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from portal.campaigns.operations import CampaignInput, create_campaign, launch_campaign
from portal.catalog.operations import publish
from portal.extensions import db
from portal.organizations.models import Role
from portal.organizations.operations import create_organization
from portal.suppliers.models import Supplier
from questionnaires import load_text
from tests.browser.test_assessment_journey import answer, member, sign_in
from tests.portal.assessments.helpers import CONDITIONAL_DEFINITION

pytestmark = pytest.mark.browser


def launched_assessment(owner_email, definition=CONDITIONAL_DEFINITION):
    """A buyer's campaign with the conditional (or another) questionnaire, sent to a supplier whose owner has joined."""
    buyer = create_organization("条件発注株式会社", by=None)
    admin = member(buyer, "buyer@conditions.example.com", "発注 次郎", Role.BUYER_ADMIN)
    organization = create_organization("株式会社条件", by=None)
    member(organization, owner_email, "回答 花子", Role.SUPPLIER_OWNER)
    supplier = Supplier(
        buyer=buyer, organization=organization, name="株式会社条件", contact_email=owner_email, tier="T1"
    )
    db.session.add(supplier)
    version, _ = publish(load_text(definition, "c.yaml"), origin="import")
    db.session.flush()
    data = CampaignInput(
        name="条件付きの確認",
        questionnaire_version_id=version.id,
        due_date=date.today() + timedelta(days=30),
        supplier_ids=[supplier.id],
    )
    campaign = create_campaign(buyer, data, by=admin, today=date.today())
    launch_campaign(campaign, by=admin)
    db.session.commit()
    return campaign.assessments[0].id


def test_a_gating_answer_shows_and_hides_items_without_a_reload(live_app, page, screenshot):
    base = live_app.config["BASE_URL"]
    with live_app.app_context():
        assessment_id = launched_assessment("tanto@conditions.example.com")
    sign_in(page, base, "tanto@conditions.example.com")
    page.goto(f"{base}/assessments/{assessment_id}")
    cloud, staff = page.locator('.count[data-section="cloud"]'), page.locator('.count[data-section="staff"]')
    expect(page.locator("#item-CLD-02")).to_be_hidden()
    expect(cloud).to_have_text("0/1")
    page.evaluate("window.notReloaded = true")  # a reload would lose it

    answer(page, "CLD-01", "yes")
    for item_id in ("CLD-02", "CLD-03", "STF-02"):
        expect(page.locator(f"#item-{item_id}")).to_be_visible()
    expect(page.locator("#item-CLD-04")).to_be_hidden()
    expect(cloud).to_have_text("1/3")
    expect(staff).to_have_text("0/2")
    answer(page, "CLD-02", "yes")
    with page.expect_response(lambda r: "/items/STF-02" in r.url and r.status == 200):  # a text item
        page.fill("#item-STF-02 textarea[name=comment]", "承認済みのサービスのみ")
        page.locator("#item-STF-02 textarea[name=comment]").blur()
    expect(cloud).to_have_text("2/3")
    expect(staff).to_have_text("1/2")
    screenshot("01-shown")

    answer(page, "CLD-01", "no")
    for item_id in ("CLD-02", "CLD-03", "STF-02"):
        expect(page.locator(f"#item-{item_id}")).to_be_hidden()
    expect(page.locator("#item-CLD-04")).to_be_visible()
    expect(cloud).to_have_text("1/2")
    expect(staff).to_have_text("0/1")
    assert page.evaluate("window.notReloaded") is True
    screenshot("02-hidden")

    # The hidden items' answers were kept: answering "yes" again brings them back as they were.
    page.reload()
    answer(page, "CLD-01", "yes")
    expect(page.locator("#item-CLD-02 input[name=code][value=yes]")).to_be_checked()
    expect(page.locator("#item-STF-02 textarea[name=comment]")).to_have_value("承認済みのサービスのみ")
    expect(cloud).to_have_text("2/3")
