"""In a real browser: a buyer imports 300 suppliers from a Shift_JIS CSV (a file with problems first), finds the
T2 ones with the list's filters, and sends them a campaign with a cover letter after seeing the e-mail (issue 18).
Screenshots of the import preview and the filtered list at 1280 and 800 px."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from portal.campaigns.models import Campaign, CampaignState
from portal.catalog.operations import publish
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.suppliers.models import Supplier, Tier
from questionnaires import load_text
from tests.browser.test_first_steps import buyer_admin, sign_in
from tests.portal.test_supplier_import import corporate_number
from tests.workflow_fixtures import WORKFLOW_DEFINITION

TIERS = ("基本", "標準", "高度")


def supplier_csv(folder: Path, name: str, rows: list[list[str]]) -> Path:
    path = folder / name
    lines = ["取引先名,メールアドレス,区分,法人番号", *(",".join(row) for row in rows)]
    path.write_bytes("\r\n".join(lines).encode("cp932"))  # as Japanese Excel saves CSV
    return path


def both_widths(page: Any, screenshot: Any, name: str) -> None:
    screenshot(f"{name}-1280")
    page.set_viewport_size({"width": 800, "height": 860})
    screenshot(f"{name}-800")
    page.set_viewport_size({"width": 1280, "height": 860})


def test_import_300_suppliers_then_a_campaign_to_the_t2_ones(live_app, page, screenshot, tmp_path):
    base = live_app.config["BASE_URL"]
    with live_app.app_context():
        publish(load_text(WORKFLOW_DEFINITION, "test.yaml"), origin="import")
        db.session.commit()
    sign_in(page, base, buyer_admin(live_app))

    # A file with problems: the preview says each in words and offers no confirmation.
    bad = supplier_csv(
        tmp_path,
        "problems.csv",
        [
            ["株式会社よし", "ok@example.jp", "標準", ""],
            ["", "noname@example.jp", "基本", ""],
            ["株式会社あて先", "not-an-address", "基本", ""],
            ["株式会社にばん", "ok@example.jp", "基本", ""],
            ["株式会社番号", "n@example.jp", "基本", "1234567890123"],
            ["株式会社区分", "t@example.jp", "特上", ""],
        ],
    )
    page.goto(f"{base}/suppliers/")
    page.get_by_role("link", name="Excel・CSVから一括登録").click()
    both_widths(page, screenshot, "00-import-upload")
    page.locator('input[type="file"]').set_input_files(str(bad))
    page.get_by_role("button", name="アップロードして確認").click()
    page.wait_for_url(re.compile(r"/suppliers/import/\d+$"))
    assert page.locator("tr.has-error").count() == 5
    assert page.get_by_text("名称がありません。").is_visible()
    assert page.get_by_text("2行目と同じ連絡先メールアドレスです。").is_visible()
    assert page.get_by_role("button", name=re.compile("件の委託先を登録")).count() == 0
    both_widths(page, screenshot, "01-import-preview-with-problems")

    rows = [
        [f"株式会社取引{n:03d}", f"tanto{n}@torihiki{n}.example.jp", TIERS[n % 3], corporate_number(n + 1)]
        for n in range(300)
    ]
    good = supplier_csv(tmp_path, "suppliers.csv", rows)
    page.goto(f"{base}/suppliers/import")
    page.locator('input[type="file"]').set_input_files(str(good))
    page.get_by_role("button", name="アップロードして確認").click()
    page.wait_for_url(re.compile(r"/suppliers/import/\d+$"))
    assert page.locator("tr.has-error").count() == 0
    assert page.locator(".import-rows tbody tr").count() == 300
    both_widths(page, screenshot, "02-import-preview-300-rows")
    page.get_by_role("button", name="300件の委託先を登録").click()
    page.wait_for_url(f"{base}/suppliers/")
    with live_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Supplier)) == 300

    # The list: 50 a page; the T2 ones found by the filter.
    assert page.locator("table.suppliers tbody tr").count() == 50
    page.locator('select[name="tier"]').select_option("T2")
    page.get_by_label("検索").fill("取引0")
    # Each filter and page link loads a new page: wait for it before counting rows, or the old page is counted.
    with page.expect_navigation():
        page.get_by_role("button", name="表示").click()
    assert "tier=T2" in page.url
    assert page.locator("[data-total]").get_attribute("data-total") == "33"  # 取引0xx in T2: every third of 100
    both_widths(page, screenshot, "03-supplier-list-filtered")
    page.get_by_label("検索").fill("")
    with page.expect_navigation():
        page.get_by_role("button", name="表示").click()
    assert page.locator("[data-total]").get_attribute("data-total") == "100"
    assert page.locator("nav.pager .current").inner_text() == "1"
    with page.expect_navigation():
        page.locator("nav.pager").get_by_role("link", name="2", exact=True).click()
    assert "page=2" in page.url and "tier=T2" in page.url
    assert page.locator("table.suppliers tbody tr").count() == 50
    both_widths(page, screenshot, "03b-supplier-list-t2-page-2")
    page.get_by_role("link", name="この委託先に評価依頼を作成").click()

    # A campaign to every T2 supplier, with a cover letter, seen as the supplier will read it before sending.
    assert page.locator("#by_filter").is_checked()
    page.locator("#name").fill("2027年度 標準区分の確認")
    page.locator("#due_date").fill("2030-03-31")
    page.get_by_label("送付状").fill("いつもお世話になっております。\n今年度の確認にご協力ください。")
    both_widths(page, screenshot, "03c-campaign-form-by-filter")
    page.get_by_role("button", name="保存して内容を確認").click()
    page.wait_for_url(re.compile(r"/campaigns/\d+$"))
    assert page.locator("[data-recipients]").first.get_attribute("data-recipients") == "100"
    assert "今年度の確認にご協力ください。" in page.locator(".mail-body").inner_text()
    page.get_by_role("link", name="委託先に送付…").click()
    page.wait_for_url(re.compile(r"/launch$"))
    screenshot("04-send-confirmation")
    page.get_by_role("button", name="委託先に送付", exact=True).click()
    page.wait_for_url(re.compile(r"/campaigns/\d+$"))
    with live_app.app_context():
        campaign = db.session.scalar(sa.select(Campaign))
        assert campaign.state == CampaignState.LAUNCHED
        assert {a.supplier.tier for a in campaign.assessments} == {Tier.T2} and len(campaign.assessments) == 100
        letters = db.session.scalars(
            sa.select(OutboxMessage.body).where(OutboxMessage.body.contains("今年度の確認にご協力ください。"))
        ).all()
        assert len(letters) == 100
