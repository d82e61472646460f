"""A tier-1 supplier passes the prime's request down to its subcontractor from the answering page, sends it, cites
the subcontractor's assessment in its own 委託先管理 answers without a page load, and the prime's reviewer sees the
citation as the tier-1's sharing setting allows."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.accounts.operations import create_user
from portal.assessments.models import Assessment, AssessmentState
from portal.campaigns.operations import CampaignInput, create_campaign, launch_campaign
from portal.catalog.operations import get_version, load_builtin_questionnaires
from portal.db import utcnow
from portal.extensions import db
from portal.organizations.models import Role
from portal.organizations.operations import add_member, create_organization
from portal.scoring.models import AssessmentScore
from portal.suppliers.models import Supplier, Tier
from tests.browser.test_assessment_journey import PASSWORD, answer, sign_in, sign_out

pytestmark = pytest.mark.browser


def _organization(name: str, email: str, role: Role) -> tuple[Any, Any]:
    organization = create_organization(name, by=None)
    person = create_user(email=email, name=f"{name}の担当者", password=PASSWORD)
    add_member(organization, person, role, by=None)
    return organization, person


def three_levels(app: Any) -> int:
    """The prime's T2 request (built-in questionnaire) to a tier-1 supplier whose owner also buys from a tier-2."""
    with app.app_context():
        load_builtin_questionnaires()
        prime, admin = _organization("元請商事", "admin@prime.example.com", Role.BUYER_ADMIN)
        tier1, owner = _organization("一次製作所", "owner@tier1.example.com", Role.SUPPLIER_OWNER)
        owner.memberships[0].other_role = Role.BUYER_ADMIN
        tier2, _ = _organization("二次工業", "owner@tier2.example.com", Role.SUPPLIER_OWNER)
        first = Supplier(buyer=prime, organization=tier1, name="一次製作所", contact_email=owner.email, tier=Tier.T2)
        second = Supplier(
            buyer=tier1, organization=tier2, name="二次工業", contact_email="owner@tier2.example.com", tier=Tier.T1
        )
        db.session.add_all([first, second])
        db.session.flush()
        version = get_version("supply-chain", "2026.1")
        assert version is not None
        data = CampaignInput(
            name="2026年度 取引先確認",
            questionnaire_version_id=version.id,
            due_date=date.today() + timedelta(days=40),
            supplier_ids=[first.id],
        )
        campaign = create_campaign(prime, data, by=admin, today=date.today())
        launch_campaign(campaign, by=admin)
        db.session.commit()
        return campaign.assessments[0].id


def test_pass_down_cite_and_the_prime_sees_the_citation(live_app, page, screenshot):
    base = live_app.config["BASE_URL"]
    received = three_levels(live_app)
    sign_in(page, base, "owner@tier1.example.com")
    page.goto(f"{base}/assessments/{received}")
    card = page.locator("#flow-down")
    expect(card).to_contain_text("再委託先")
    card.screenshot(path=str(screenshot("01-answering-page").parent / "01-card.png"))

    card.get_by_role("link", name="委託先に展開").click()
    page.wait_for_url(f"{base}/assessments/{received}/flow-down")
    expect(page.locator("dl.upstream")).to_contain_text("元請商事")
    expect(page.locator("select[name=tier]")).to_have_value("T2")
    page.get_by_label("二次工業").check()
    screenshot("02-flow-down-form")
    page.get_by_role("button", name="下書きとして保存").click()
    expect(page.locator(".flow-down-origin")).to_have_text(f"元請商事からの依頼（評価 #{received}）を展開")
    screenshot("03-draft")
    page.get_by_role("link", name="委託先に送付…").click()
    page.get_by_role("button", name="委託先に送付").click()
    expect(page.locator(".flow-down-origin")).to_be_visible()

    with live_app.app_context():
        sub = db.session.scalar(sa.select(Assessment).join(Supplier).where(Supplier.name == "二次工業"))
        sub.state, sub.submitted_at = AssessmentState.SUBMITTED, utcnow()
        db.session.add(AssessmentScore(assessment_id=sub.id, self_result={"overall": 72.0, "grade": "B"}))
        db.session.commit()

    # Back on the supplier side: the answering page lists the subcontractor, and its answers may cite it.
    page.get_by_role("button", name="委託先として").click()
    page.goto(f"{base}/assessments/{received}")
    expect(page.locator("#flow-down")).to_contain_text("二次工業")
    page.evaluate("window.notReloaded = true")
    answer(page, "SUB-01", "yes")
    citations = page.locator("#item-SUB-02 .citations")
    expect(citations).to_be_visible()
    with page.expect_response(lambda r: "/items/SUB-02/citations" in r.url and r.status == 200):
        citations.get_by_role("button", name="引用する").click()
    expect(citations.locator(".cited")).to_contain_text("二次工業 · 提出済み · 評価ランク B")
    expect(citations.locator(".citation-message")).to_have_text("再委託先の評価を引用しました。")
    page.locator("#item-SUB-02").screenshot(path=str(screenshot("04-answering-page").parent / "05-cited-item.png"))
    with page.expect_response(lambda r: "/remove" in r.url and r.status == 200):
        citations.get_by_role("button", name="二次工業の引用を外す").click()
    expect(citations.locator(".cited.none")).to_be_visible()
    with page.expect_response(lambda r: "/items/SUB-02/citations" in r.url and r.status == 200):
        citations.get_by_role("button", name="引用する").click()
    assert page.evaluate("window.notReloaded") is True
    sign_out(page)

    with live_app.app_context():
        upstream = db.session.get(Assessment, received)
        upstream.state, upstream.submitted_at = AssessmentState.SUBMITTED, utcnow()
        db.session.commit()
    sign_in(page, base, "admin@prime.example.com")
    page.goto(f"{base}/review/{received}")
    cited = page.locator("#item-SUB-02 .review-citations")
    expect(cited).to_contain_text("委託先 二次工業 の評価: 評価ランク B")
    assert cited.locator("a").count() == 0
    cited.screenshot(path=str(screenshot("06-review-page").parent / "07-review-citation.png"))
