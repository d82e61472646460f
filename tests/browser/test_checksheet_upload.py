"""In a real browser: a buyer administrator brings the Excel checksheet it sends by e-mail into the portal
(two header rows, merged section cells, ○ level marks, a mixed 回答形式 column, follow-up questions numbered
1.1 → 1.1.1), maps it, fixes the one reported problem with a corrected file, publishes it, sends it in a
campaign; the supplier answers a follow-up that appears after 「はい」; a second version changes two questions
and its page of changes shows them. Screenshots of the grid and the preview at 1280 and 800 px."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.catalog.models import QuestionnaireVersion
from portal.extensions import db
from portal.organizations.models import Role
from portal.organizations.operations import create_organization
from portal.suppliers.models import Supplier
from tests.browser.test_assessment_journey import member, sign_in, sign_out
from tests.questionnaires.checksheet_workbooks import checksheet_xlsx

pytestmark = pytest.mark.browser

ADMIN = "kanri@checksheet.example.com"
OWNER = "tanto@torihiki.example.com"


def both_widths(page: Any, screenshot: Any, name: str) -> None:
    screenshot(f"{name}-1280")
    page.set_viewport_size({"width": 800, "height": 860})
    screenshot(f"{name}-800")
    page.set_viewport_size({"width": 1280, "height": 860})


def item(page: Any, item_id: str) -> Any:
    return page.locator(f'[id="item-{item_id}"]')  # ids with dots are not CSS #ids


def answer(page: Any, item_id: str, code: str) -> None:
    with page.expect_response(lambda r: f"/items/{item_id}" in r.url and r.status == 200):
        item(page, item_id).locator(f"input[name=code][value={code}]").check()


def a_buyer_and_its_supplier() -> None:
    buyer = create_organization("チェック発注株式会社", by=None)
    member(buyer, ADMIN, "管理 一郎", Role.BUYER_ADMIN)
    organization = create_organization("株式会社取引", by=None)
    member(organization, OWNER, "担当 花子", Role.SUPPLIER_OWNER)
    db.session.add(
        Supplier(buyer=buyer, organization=organization, name="株式会社取引", contact_email=OWNER, tier="T1")
    )
    db.session.commit()


def upload(page: Any, path: Path, mapping: Path | None = None) -> None:
    page.goto(page.url.split("/questionnaires")[0] + "/questionnaires/")
    page.get_by_role("link", name="Excelから取り込む").click()
    page.get_by_label("チェックシート", exact=True).set_input_files(str(path))
    if mapping is not None:
        page.get_by_label("マッピングファイル（任意）").set_input_files(str(mapping))
    page.get_by_role("button", name="アップロードして列を指定").click()
    page.wait_for_url(re.compile(r"/questionnaires/import/\d+$"))


def test_a_buyer_brings_in_its_excel_checksheet_and_sends_it(live_app, page, screenshot, tmp_path):
    base = live_app.config["BASE_URL"]
    with live_app.app_context():
        a_buyer_and_its_supplier()
    sheet = tmp_path / "取引先チェックシート.xlsx"
    sheet.write_bytes(checksheet_xlsx(D9="x"))  # a level mark nobody can read
    sign_in(page, base, ADMIN)
    page.get_by_role("link", name="質問票").click()
    expect(page.get_by_text("まだありません。")).to_be_visible()
    upload(page, sheet)

    # The grid shows the sheet as it is, and the columns are proposed from its headers.
    grid = page.locator("table.sheet-grid")
    expect(grid.locator("tr.header-row")).to_have_count(2)
    expect(grid.locator("tbody tr").nth(3).locator("td").nth(1)).to_have_text("組織体制")  # merged down B3:B6
    expect(page.get_by_label("質問番号", exact=True)).to_have_value("A")
    expect(page.get_by_label("質問", exact=True)).to_have_value("C")
    expect(page.get_by_label("レベル1 の印（○）")).to_have_value("D")
    expect(page.get_by_label("回答形式", exact=True)).to_have_value("F")
    expect(page.get_by_label("追加質問（「はい」のときに表示）")).to_have_value("id")
    page.get_by_label("「選択」の選択肢").fill("毎月, 毎年, 不定期")
    page.get_by_label("名称", exact=True).fill("取引先チェックシート")
    page.get_by_label("識別名（次の版でも同じにします）").fill("torihiki-check")
    both_widths(page, screenshot, "01-mapping-grid")
    page.get_by_role("button", name="保存して内容を確認").click()
    page.wait_for_url(re.compile(r"/preview$"))

    # One problem, at its sheet, row and column, with what to change; nothing to publish yet.
    problem = page.locator("table.problem-list tbody tr")
    expect(problem).to_have_count(1)
    expect(problem).to_contain_text("チェックシート")
    expect(problem.locator("td").nth(1)).to_have_text("9")
    expect(problem.locator("td").nth(2)).to_have_text("D")
    expect(problem).to_contain_text("レベルの印「x」を読み取れません。")
    expect(page.get_by_role("button", name="公開")).to_have_count(0)
    both_widths(page, screenshot, "02-preview-with-a-problem")

    sheet.write_bytes(checksheet_xlsx())
    page.get_by_label("修正したチェックシート").set_input_files(str(sheet))
    page.get_by_role("button", name="修正したファイルをアップロード").click()
    page.wait_for_url(re.compile(r"/preview$"))
    expect(page.locator("table.problem-list")).to_have_count(0)
    expect(page.locator("table.counts tfoot")).to_contain_text("7")
    expect(page.get_by_text("1 が「はい」のときに表示", exact=True)).to_be_visible()
    both_widths(page, screenshot, "03-preview")
    with page.expect_download() as download:
        page.locator("section.publish").get_by_role("link", name="マッピングファイルをダウンロード").click()
    mapping = tmp_path / "mapping.yaml"
    download.value.save_as(mapping)
    page.get_by_role("button", name="公開").click()
    page.wait_for_url(f"{base}/questionnaires/")
    expect(page.locator("table.own-questionnaires")).to_contain_text("torihiki-check")
    both_widths(page, screenshot, "04-questionnaires")

    # Sent in a campaign like any questionnaire.
    page.goto(f"{base}/campaigns/new")
    page.fill("input[name=name]", "2026年度 取引先チェック")
    select = page.locator("select[name=questionnaire_version_id]")
    own = select.locator("option", has_text="取引先チェックシート").get_attribute("value")
    select.select_option(own)
    page.fill("input[name=due_date]", (date.today() + timedelta(days=30)).isoformat())
    page.check("input[name=supplier_ids]")
    page.click("form button.primary")
    page.wait_for_url(re.compile(r"/campaigns/\d+$"))
    page.get_by_role("link", name="委託先に送付…").click()
    page.wait_for_url(re.compile(r"/launch$"))
    page.click("form.launch button")
    page.wait_for_url(re.compile(r"/campaigns/\d+$"))
    sign_out(page)

    # The supplier: 1.1 appears only after 「はい」 to 1, and 1.1.1 (free text) after 「はい」 to 1.1.
    sign_in(page, base, OWNER)
    page.click("text=2026年度 取引先チェック")
    page.wait_for_url(re.compile(r"/assessments/\d+$"))
    expect(item(page, "1.1")).to_be_hidden()
    answer(page, "1", "yes")
    expect(item(page, "1.1")).to_be_visible()
    expect(item(page, "1.1.1")).to_be_hidden()
    answer(page, "1.1", "yes")
    expect(item(page, "1.1.1")).to_be_visible()
    with page.expect_response(lambda r: "/items/1.1.1" in r.url and r.status == 200):
        item(page, "1.1.1").locator("textarea[name=comment]").fill("2026年4月1日")
        item(page, "1.1.1").locator("textarea[name=comment]").blur()
    expect(item(page, "3").locator("input[name=code]")).to_have_count(3)  # 毎月 / 毎年 / 不定期
    screenshot("05-supplier-follow-up")
    sign_out(page)

    # The next version: the changed sheet with last time's mapping file, two questions reworded.
    sign_in(page, base, ADMIN)
    changed = tmp_path / "取引先チェックシート_v2.xlsx"
    changed.write_bytes(checksheet_xlsx(C4="方針を取締役会が承認していますか", C8="再委託先の一覧を作成していますか"))
    upload(page, changed, mapping)
    expect(page.get_by_label("識別名（次の版でも同じにします）")).to_have_value("torihiki-check")
    expect(page.get_by_label("版", exact=True)).to_have_value("2")  # the version after the published one
    page.get_by_role("button", name="保存して内容を確認").click()
    page.wait_for_url(re.compile(r"/preview$"))
    page.get_by_role("button", name="公開").click()
    page.wait_for_url(f"{base}/questionnaires/")
    with live_app.app_context():
        second = db.session.scalar(
            sa.select(QuestionnaireVersion).where(
                QuestionnaireVersion.key == "torihiki-check", QuestionnaireVersion.version == "2"
            )
        )
        assert second is not None and second.organization_id is not None
    page.goto(f"{base}/questionnaires/versions/{second.id}/changes")
    changes = page.locator("main")
    expect(changes).to_contain_text("変更された項目（2件）")
    expect(changes).to_contain_text("方針を取締役会が承認していますか")
    expect(changes).to_contain_text("再委託先の一覧を作成していますか")
    screenshot("06-changes-of-version-2")
