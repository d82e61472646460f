"""A buyer's campaign accepts a METI SCS ★3 registration instead of answers: the supplier's owner answers by its
registration, the reviewer checks it with its certificate and accepts, and the campaign page shows the supplier as
satisfied by the registration until it expires. Screenshots at 1280 and 800 px."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from typing import Any

import pytest

from portal.catalog.operations import publish
from portal.claims.models import Claim, ClaimKind
from portal.evidence.operations import store_evidence
from portal.extensions import db
from portal.organizations.models import Role
from portal.organizations.operations import create_organization
from portal.suppliers.models import Supplier, Tier
from questionnaires import load_text
from tests.browser.test_assessment_journey import member, sign_in, sign_out
from tests.workflow_fixtures import WORKFLOW_DEFINITION

pytestmark = pytest.mark.browser
BUYER = "buyer@prime-scs.example.com"
OWNER = "owner@sakura-scs.example.com"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
VALID_UNTIL = date.today() + timedelta(days=400)


def buyer_and_registered_supplier(app: Any) -> None:
    """元請株式会社 buys from さくら精機, which has recorded its SCS ★3 registration with the certificate."""
    with app.app_context():
        publish(load_text(WORKFLOW_DEFINITION, "w.yaml"), origin="import")
        buyer = create_organization("元請株式会社", by=None)
        member(buyer, BUYER, "発注 太郎", Role.BUYER_ADMIN)
        sakura = create_organization("さくら精機株式会社", by=None)
        owner = member(sakura, OWNER, "桜 花子", Role.SUPPLIER_OWNER)
        db.session.add(Supplier(buyer=buyer, organization=sakura, name="さくら精機", contact_email=OWNER, tier=Tier.T1))
        certificate = store_evidence(sakura, io.BytesIO(PDF), "SCS登録証.pdf", by=owner)
        db.session.add(
            Claim(
                organization_id=sakura.id,
                kind=ClaimKind.METI_SCS,
                number="SCS3-00042",
                level=3,
                valid_until=VALID_UNTIL,
                evidence=certificate,
                created_by_id=owner.id,
            )
        )
        db.session.commit()


def both_widths(page: Any, screenshot: Any, name: str) -> None:
    screenshot(f"{name}-1280")
    page.set_viewport_size({"width": 800, "height": 860})
    screenshot(f"{name}-800")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 800, f"{name}: the page is {width} px wide at 800 px"
    page.set_viewport_size({"width": 1280, "height": 860})


def test_a_supplier_answers_by_its_registration_and_the_reviewer_accepts(live_app, page, screenshot):
    base = live_app.config["BASE_URL"]
    buyer_and_registered_supplier(live_app)

    # The buyer's campaign accepts a ★3 registration instead of answers.
    sign_in(page, base, BUYER)
    page.goto(f"{base}/campaigns/new")
    page.fill("input[name=name]", "2026年度 SCS確認")
    page.fill("input[name=due_date]", (date.today() + timedelta(days=30)).isoformat())
    page.check("input[name=supplier_ids]")
    page.get_by_label("回答の代わりにSCS評価制度の登録を認める").select_option(label="★3 以上")
    screenshot("01-new-campaign")
    page.click("form button.primary")
    page.wait_for_url(re.compile(r"/campaigns/\d+$"))
    campaign_url = page.url
    assert "有効期限内のSCS評価制度 ★3 以上の登録を認める" in page.locator(".campaign-summary").inner_text()
    assert "登録で回答することもできます" in page.content()  # the request e-mail as the supplier reads it
    screenshot("02-preview")
    page.get_by_role("link", name="委託先に送付…").click()
    page.wait_for_url(re.compile(r"/launch$"))
    page.click("form.launch button")
    page.wait_for_url(campaign_url)
    sign_out(page)

    # The supplier's owner answers by its registration.
    sign_in(page, base, OWNER)
    page.goto(f"{base}/assessments/")
    page.locator("tr", has_text="2026年度 SCS確認").get_by_role("link").first.click()
    page.wait_for_url(re.compile(r"/assessments/\d+$"))
    assessment_id = page.url.rsplit("/", 1)[-1]
    card = page.locator("#registration")
    assert "★3" in card.inner_text() and "SCS3-00042" in card.inner_text()
    both_widths(page, screenshot, "03-supplier-offer")
    card.get_by_role("button", name="登録で回答する").click()
    assert page.url.endswith(f"/assessments/{assessment_id}")  # not confirmed: the browser asks first
    card.get_by_label("この登録が有効で、この依頼に回答する会社のものであることを確認しました。").check()
    card.get_by_role("button", name="登録で回答する").click()
    page.wait_for_url(re.compile(r"#registration$"))
    assert "登録で回答しました" in page.locator(".flash").inner_text()
    assert "確認待ち" in page.locator("#registration").inner_text()
    assert page.get_by_role("link", name="確認して提出").count() == 0  # no answers to submit
    both_widths(page, screenshot, "04-supplier-answered")
    sign_out(page)

    # The reviewer sees the registration and its certificate, and accepts.
    sign_in(page, base, BUYER)
    page.goto(f"{base}/review/{assessment_id}")
    card = page.locator("#registration")
    assert "SCS評価制度 ★3 登録で回答" in card.inner_text()
    assert "SCS3-00042" in card.inner_text() and "SCS登録証.pdf" in card.inner_text()
    with page.expect_download() as download:
        card.get_by_role("link", name="SCS登録証.pdf").click()
    assert download.value.suggested_filename.endswith(".pdf")
    both_widths(page, screenshot, "05-review")
    card.get_by_role("button", name="確認済み：登録を承認する").click()
    page.wait_for_url(re.compile(r"#registration$"))
    assert "登録を承認し" in page.locator(".flash").inner_text()

    page.goto(campaign_url)
    row = page.locator("table.assessments tbody tr").first
    assert f"★3 登録により充足（有効期限 {VALID_UNTIL.isoformat()}）" in row.inner_text()
    assert "承認" in row.inner_text()
    both_widths(page, screenshot, "06-campaign")
