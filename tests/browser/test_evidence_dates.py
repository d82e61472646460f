"""A supplier uploads a policy with its kind and document date, sees beside the file why it is too old for
the item, corrects the date in place, and keeps its files' dates in the evidence library (no page reload)."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT
from tests.browser.test_assessment_journey import PDF, answer, sign_in
from tests.browser.test_conditional_items import launched_assessment
from tests.workflow_fixtures import WORKFLOW_DEFINITION

pytestmark = pytest.mark.browser

YEARLY = WORKFLOW_DEFINITION.replace("kinds: [policy]}", "kinds: [policy], max_age_days: 365}")
SHOTS = OUTPUT / "evidence-dates"


def test_upload_with_dates_then_the_library(live_app, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_app.config["BASE_URL"]
    with live_app.app_context():
        assessment_id = launched_assessment("shoseki@dates.example.com", YEARLY)
    sign_in(page, base, "shoseki@dates.example.com")
    page.goto(f"{base}/assessments/{assessment_id}")
    answer(page, "POL-01", "yes")
    item = page.locator("#item-POL-01")
    item.locator(".upload-facts select[name=kind]").select_option("policy")
    item.locator(".upload-facts input[name=document_date]").fill((date.today() - timedelta(days=400)).isoformat())
    item.locator(".upload-facts input[name=valid_until]").fill((date.today() + timedelta(days=20)).isoformat())
    page.set_input_files(
        "#item-POL-01 input[type=file]", [{"name": "基本方針.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    item.locator("form.upload button").click()
    problem = item.locator(".evidence-problem")
    expect(problem).to_have_text("この証跡は作成から400日経っています（365日以内が必要）。")
    expect(item.locator(".file-facts")).to_contain_text("規程・方針")
    expect(item.locator(".evidence")).to_have_attribute("data-count", "0")  # still "needs evidence"
    item.screenshot(path=str(SHOTS / "upload-too-old.png"))

    item.locator("details.describe-file summary").click()
    item.locator("form.describe input[name=document_date]").fill((date.today() - timedelta(days=30)).isoformat())
    item.locator("form.describe button").click()
    expect(item.locator(".evidence-message")).to_have_text("ファイルの日付・種類を保存しました。")
    expect(problem).to_have_count(0)
    expect(item.locator(".evidence")).to_have_attribute("data-count", "1")
    item.screenshot(path=str(SHOTS / "dates-corrected.png"))

    page.click("header nav >> text=証跡ライブラリ")
    page.wait_for_url(f"{base}/evidence/")
    row = page.locator("table.evidence-library tbody tr").first
    expect(row).to_contain_text("基本方針.pdf")
    expect(row).to_contain_text("POL-01")
    expect(row).to_contain_text("まもなく期限切れ")
    page.screenshot(path=str(SHOTS / "library.png"), full_page=True)
    row.locator("input[name=valid_until]").fill((date.today() - timedelta(days=1)).isoformat())
    row.locator("form button").click()
    expect(row.locator(".describe-message")).to_have_text("ファイルの日付・種類を保存しました。")
    expect(row).to_have_class("is-expired")
    page.reload()
    expect(page.locator("table.evidence-library tbody tr").first).to_contain_text("有効な証跡が必要")
    page.screenshot(path=str(SHOTS / "library-expired.png"), full_page=True)
