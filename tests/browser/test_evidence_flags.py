"""The answering page flags an item whose file does not satisfy its evidence rule and says why beside the file;
the flag follows the file's dates as they change, without a reload."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT
from tests.browser.test_assessment_journey import PDF, answer, sign_in
from tests.browser.test_conditional_items import launched_assessment
from tests.workflow_fixtures import WORKFLOW_DEFINITION

pytestmark = pytest.mark.browser

YEARLY = WORKFLOW_DEFINITION.replace("kinds: [policy]}", "kinds: [policy], max_age_days: 365}")
SHOTS = OUTPUT / "evidence-flags"


def test_the_item_is_flagged_while_its_file_is_expired(live_app, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_app.config["BASE_URL"]
    with live_app.app_context():
        assessment_id = launched_assessment("flag@dates.example.com", YEARLY)
    sign_in(page, base, "flag@dates.example.com")
    page.set_viewport_size({"width": 800, "height": 900})
    page.goto(f"{base}/assessments/{assessment_id}")
    answer(page, "POL-01", "yes")
    item = page.locator("#item-POL-01")
    flag = item.locator("h3 .badge.evidence-flag")
    expect(flag).to_be_hidden()
    item.locator(".upload-facts select[name=kind]").select_option("policy")
    item.locator(".upload-facts input[name=valid_until]").fill((date.today() - timedelta(days=3)).isoformat())
    page.set_input_files(
        "#item-POL-01 input[type=file]", [{"name": "ISMS認証書.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    item.locator("form.upload button").click()
    expect(item.locator(".evidence-problem")).to_contain_text("有効期限")
    expect(flag).to_be_visible()
    expect(flag).to_have_text("証跡が要件を満たしていません")
    expect(item.locator(".evidence")).to_have_class("evidence is-droppable has-problems")
    item.screenshot(path=str(SHOTS / "expired-flagged.png"))

    item.locator("details.describe-file summary").click()
    item.locator("form.describe input[name=valid_until]").fill((date.today() + timedelta(days=365)).isoformat())
    item.locator("form.describe button").click()
    expect(item.locator(".evidence-message")).to_have_text("ファイルの日付・種類を保存しました。")
    expect(flag).to_be_hidden()
    expect(item.locator(".evidence-problem")).to_have_count(0)
    expect(item.locator(".evidence")).to_have_class("evidence is-droppable")
    item.screenshot(path=str(SHOTS / "renewed.png"))
