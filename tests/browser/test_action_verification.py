"""A corrective action's verification in the browser, in Japanese, with screenshots of both sides' pages.

The supplier sends a plan; the reviewer asks for more; the supplier revises it; the reviewer accepts it; the
supplier sends evidence of the fix with a file; the reviewer closes the action with what was verified. Each
page shows the history and only the buttons its reader may use; the supplier's list is filtered to one
assessment.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from portal.campaigns.operations import CampaignInput, create_campaign, launch_campaign
from portal.catalog.operations import publish
from portal.extensions import db
from portal.organizations.models import Role
from portal.organizations.operations import create_organization
from portal.suppliers.models import Supplier, Tier
from questionnaires import load_text
from tests.browser.test_assessment_journey import member, sign_in, sign_out
from tests.workflow_fixtures import WORKFLOW_DEFINITION, corrective_action, only_assessment

pytestmark = pytest.mark.browser
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def both_widths(page: Any, screenshot: Any, name: str) -> None:
    """The page at desktop width and at an 800-pixel tablet's."""
    screenshot(name)
    page.set_viewport_size({"width": 800, "height": 1000})
    screenshot(f"{name}-800")
    page.set_viewport_size({"width": 1280, "height": 860})


def buttons(page: Any) -> list[str]:
    return [b.strip() for b in page.locator("main form button").all_inner_texts()]


def an_action_on_an_assessment() -> tuple[int, int]:
    """A buyer with a reviewer, a supplier with its owner, a launched campaign's assessment and one open corrective
    action on it; (assessment id, action id)."""
    buyer = create_organization("検証発注株式会社", by=None)
    member(buyer, "reviewer@verify.example.com", "審査 花子", Role.REVIEWER)
    admin = member(buyer, "admin@verify.example.com", "発注 太郎", Role.BUYER_ADMIN)
    version, _ = publish(load_text(WORKFLOW_DEFINITION, "w.yaml"), origin="import")
    organization = create_organization("株式会社ケンショウ", by=None)
    owner = member(organization, "owner@verify.example.com", "委託 一郎", Role.SUPPLIER_OWNER)
    supplier = Supplier(buyer=buyer, organization=organization, name=organization.name, contact_email=owner.email,
                        tier=Tier.T1)  # fmt: skip
    db.session.add(supplier)
    db.session.flush()
    data = CampaignInput(
        name="2026年度 取引先確認",
        questionnaire_version_id=version.id,
        due_date=date.today() + timedelta(days=30),
        supplier_ids=[supplier.id],
        tier=None,
    )
    campaign = create_campaign(buyer, data, by=admin, today=date.today())
    launch_campaign(campaign, by=admin)
    assessment = only_assessment(campaign)
    due = date.today() + timedelta(days=45)
    action = corrective_action(assessment, title="退職者アカウント削除手順の整備", owner="総務 桜井", due_date=due)
    db.session.commit()
    return assessment.id, action.id


def test_plan_request_for_more_acceptance_evidence_and_closing(live_app, page, screenshot, tmp_path: Path):
    base = live_app.config["BASE_URL"]
    with live_app.app_context():
        assessment_id, action_id = an_action_on_an_assessment()

    sign_in(page, base, "owner@verify.example.com")
    page.goto(f"{base}/actions/?assessment={assessment_id}")
    assert page.locator("table.list tbody tr").count() == 1
    both_widths(page, screenshot, "01-supplier-list-one-assessment")
    page.click("table.list a")
    assert buttons(page) == ["計画を送信"]
    page.fill("textarea[name=plan]", "来月末までに退職者アカウント削除の手順書を整備します")
    page.click("form[action$='/plan'] button")
    page.wait_for_url(re.compile(rf"/actions/{action_id}$"))
    both_widths(page, screenshot, "02-supplier-plan-sent")
    sign_out(page)

    sign_in(page, base, "reviewer@verify.example.com")
    page.goto(f"{base}/actions/{action_id}")
    assert set(buttons(page)) >= {"計画を承認する", "見直しを依頼する"}
    assert "是正処置を完了" not in " ".join(buttons(page))
    page.fill("#plan-check textarea[name=comment]", "担当者と期限を明記してください")
    page.click("#plan-check button:has-text('見直しを依頼する')")
    page.wait_for_url(re.compile(rf"/actions/{action_id}$"))
    both_widths(page, screenshot, "03-reviewer-asked-for-more")
    sign_out(page)

    sign_in(page, base, "owner@verify.example.com")
    page.goto(f"{base}/actions/{action_id}")
    assert "担当者と期限を明記してください" in page.content()
    page.fill("textarea[name=plan]", "11月末までに総務の桜井が手順書を整備し、全員に周知します")
    page.click("form[action$='/plan'] button")
    sign_out(page)

    sign_in(page, base, "reviewer@verify.example.com")
    page.goto(f"{base}/actions/{action_id}")
    page.click("#plan-check button:has-text('計画を承認する')")
    page.wait_for_url(re.compile(rf"/actions/{action_id}$"))
    assert buttons(page) == []  # the supplier's turn
    sign_out(page)

    sign_in(page, base, "owner@verify.example.com")
    page.goto(f"{base}/actions/{action_id}")
    both_widths(page, screenshot, "04-supplier-plan-accepted")
    evidence = tmp_path / "手順書.pdf"
    evidence.write_bytes(PDF)
    page.fill("textarea[name=note]", "手順書を整備し、朝礼で周知しました")
    page.set_input_files("#evidence-form input[type=file]", str(evidence))
    page.click("#evidence-form button")
    page.wait_for_url(re.compile(rf"/actions/{action_id}$"))
    sign_out(page)

    sign_in(page, base, "reviewer@verify.example.com")
    page.goto(f"{base}/actions/{action_id}")
    assert set(buttons(page)) == {"是正処置を完了", "証跡の追加を依頼する"}
    both_widths(page, screenshot, "05-reviewer-verifies")
    page.fill("#verification textarea[name=comment]", "手順書と周知記録を確認しました")
    page.click("#verification button.primary")
    page.wait_for_url(re.compile(rf"/actions/{action_id}$"))
    both_widths(page, screenshot, "06-reviewer-closed")
    assert buttons(page) == []
    sign_out(page)

    sign_in(page, base, "owner@verify.example.com")
    page.goto(f"{base}/actions/{action_id}")
    content = page.content()
    for text in ("担当者と期限を明記してください", "朝礼で周知しました", "手順書と周知記録を確認しました"):
        assert text in content
    assert page.locator("#history a:has-text('手順書.pdf')").count() == 1
    both_widths(page, screenshot, "07-supplier-closed-history")
