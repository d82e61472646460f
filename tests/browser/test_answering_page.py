"""The supplier answers the built-in T2 questionnaire of the demo without one full page load.

Answers, files (uploaded, dropped, attached from earlier uploads, removed), the progress bar, the section
counts and the filters all work in place; only "Check and submit" leaves the page. The page never comes
back stale from the browser's Back button, and a conflict with one's own other window says so, in labels.
"""

import base64
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.assessments.models import Answer, Assessment, AssessmentState
from portal.catalog.operations import load_builtin_questionnaires
from portal.demo import DEMO_PASSWORD, seed_demo
from portal.extensions import db
from portal.suppliers.models import Supplier
from tests.browser.conftest import OUTPUT
from tests.browser.test_assessment_journey import PDF, answer, sign_in
from tests.browser.test_conditional_items import launched_assessment
from tests.browser.test_foundation_journey import sign_in as sign_in_with
from tests.workflow_fixtures import WORKFLOW_DEFINITION

pytestmark = pytest.mark.browser

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC")
MB = 1024 * 1024

#: Every item the page shows that is still unanswered, in page order, with its answers and the ones needing a file.
OPEN_ITEMS = """() => Array.from(document.querySelectorAll('article.item.is-editable:not(.is-hidden)'))
  .filter((item) => {
    const form = item.querySelector('form.answer-form');
    return form.querySelector('input[name=code]') ? !form.querySelector('input[name=code]:checked')
      : !form.querySelector('textarea').value.trim();
  })
  .map((item) => ({
    id: item.dataset.item,
    codes: Array.from(item.querySelectorAll('input[name=code]')).map((input) => input.value),
    evidence: item.dataset.evidenceCodes.split(' ').filter(Boolean),
  }))"""

DROP = """([name, type, data]) => {
  const transfer = new DataTransfer();
  transfer.items.add(new File([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], name, { type }));
  return transfer;
}"""


SHOTS = OUTPUT / "answering-page"


def shoot(target: Any, name: str) -> None:
    """What the screen shows (the sticky bar included), not the whole 60-item page; or one item."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    target.screenshot(path=str(SHOTS / f"{name}.png"))


def evidence_of(page: Any, item_id: str) -> Any:
    return page.locator(f"#item-{item_id} .evidence")


def drop(page: Any, item_id: str, name: str, content: bytes, content_type: str) -> None:
    transfer = page.evaluate_handle(DROP, [name, content_type, base64.b64encode(content).decode()])
    zone = evidence_of(page, item_id)
    zone.dispatch_event("dragover", {"dataTransfer": transfer})
    with page.expect_response(lambda r: f"/items/{item_id}/evidence" in r.url and r.status == 200):
        zone.dispatch_event("drop", {"dataTransfer": transfer})


def upload(page: Any, item_id: str, files: list[dict[str, Any]]) -> None:
    page.set_input_files(f"#item-{item_id} input[type=file]", files)
    page.click(f"#item-{item_id} form.upload button")
    expect(evidence_of(page, item_id)).to_have_attribute("data-count", str(len(files)))


def minato_assessment(app: Any) -> int:
    """The demo's T2 supplier (みなと製作所) with the built-in questionnaire, not yet answered."""
    with app.app_context():
        load_builtin_questionnaires()
        seed_demo()
        db.session.commit()
        return db.session.scalar(sa.select(Assessment.id).join(Supplier).where(Supplier.name == "株式会社みなと製作所"))


def test_every_t2_item_is_answered_with_files_without_a_page_load(live_app, page, tmp_path):
    base = live_app.config["BASE_URL"]
    assessment_id = minato_assessment(live_app)
    live_app.config["MAX_CONTENT_LENGTH"] = 1 * MB  # the setting the page checks files against
    sign_in_with(page, base, "owner@minato.example.com", DEMO_PASSWORD)
    page.wait_for_url(f"{base}/")
    url = f"{base}/assessments/{assessment_id}"
    response = page.goto(url)
    assert response.headers["cache-control"] == "no-store"
    loads: list[str] = []
    page.on("framenavigated", lambda frame: loads.append(frame.url) if frame == page.main_frame else None)
    evidence_posts: list[str] = []
    page.on("request", lambda r: evidence_posts.append(r.url) if "/evidence" in r.url else None)
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.evaluate("window.notReloaded = true")

    expect(page.locator("#item-ITA-09 .item-id")).to_have_text("ITA-09")
    total = page.locator("article.item:not(.is-hidden)").count()
    expect(page.locator("#progress-text")).to_have_text(f"0 / {total} 項目 回答済み")
    expect(page.get_by_role("button", name="未回答")).to_have_text(f"未回答 ({total})")
    shoot(page, "01-desktop-top")

    uploads, explained = 0, ""
    while items := page.evaluate(OPEN_ITEMS):
        for item in items:
            item_id = item["id"]
            if not item["codes"]:
                with page.expect_response(lambda r, i=item_id: f"/items/{i}" in r.url and r.status == 200):
                    page.fill(f"#item-{item_id} textarea[name=comment]", "手順書に記載しています")
                    page.locator(f"#item-{item_id} textarea[name=comment]").blur()
                continue
            answer(page, item_id, "yes")
            if "yes" not in item["evidence"]:
                continue
            if uploads == 0:
                # Needs a file: the filter shows just this item, chosen from the keyboard.
                page.get_by_role("button", name="証跡が必要").focus()
                page.keyboard.press("Enter")
                expect(page.locator("article.item:visible")).to_have_count(1)
                expect(page.locator(f"#item-{item_id}")).to_be_visible()
                shoot(page, "02-filter-needs-evidence")
                page.get_by_role("button", name="すべて", exact=True).click()
                # Over the limit: refused in the browser, with the limit in MB, before anything is sent.
                page.set_input_files(
                    f"#item-{item_id} input[type=file]",
                    {"name": "大きな資料.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n" + b"x" * 2 * MB},
                )
                page.click(f"#item-{item_id} form.upload button")
                message = page.locator(f"#item-{item_id} .evidence-message")
                expect(message).to_have_text("大きな資料.pdf: ファイルサイズが大きすぎます（上限 1 MB）。")
                assert evidence_posts == []
                upload(page, item_id, [{"name": "基本方針.pdf", "mimeType": "application/pdf", "buffer": PDF}])
                expect(message).to_contain_text("ファイルを添付しました。")
            elif uploads == 1:
                drop(page, item_id, "体制図.png", PNG, "image/png")
                expect(evidence_of(page, item_id)).to_have_attribute("data-count", "1")
            elif uploads == 2:
                files = [
                    {"name": "教育記録.pdf", "mimeType": "application/pdf", "buffer": PDF + b"%2\n"},
                    {"name": "受講者一覧.txt", "mimeType": "text/plain", "buffer": "受講者一覧\n".encode()},
                ]
                upload(page, item_id, files)
                # One of them was not meant for this item: removed in place.
                with page.expect_response(lambda r: "/detach" in r.url and r.status == 200):
                    page.get_by_role("button", name="受講者一覧.txt を外す").click()
                expect(evidence_of(page, item_id)).to_have_attribute("data-count", "1")
                expect(page.locator(f"#item-{item_id} .evidence-message")).to_have_text(
                    "この項目からファイルを外しました。"
                )
            elif uploads == 3:
                # No document: a written explanation instead, saved with the answer; the item needs no file now.
                page.locator(f"#item-{item_id} .evidence-note summary").click()
                note = page.locator(f"#item-{item_id} textarea[name=evidence_note]")
                with page.expect_response(lambda r, i=item_id: f"/items/{i}" in r.url and r.status == 200):
                    note.fill("規程はまだ文書にしていません。朝礼で毎月伝えています。")
                    note.blur()
                expect(page.get_by_role("button", name="証跡が必要")).to_have_text("証跡が必要 (0)")
                explained = item_id
            else:
                # A file uploaded for another item, attached from the list of earlier uploads.
                page.select_option(f"#item-{item_id} form.attach select", label="基本方針.pdf")
                page.click(f"#item-{item_id} form.attach button")
                expect(evidence_of(page, item_id)).to_have_attribute("data-count", "1")
            uploads += 1

    total = page.locator("article.item:not(.is-hidden)").count()
    expect(page.locator("#progress-text")).to_have_text(f"{total} / {total} 項目 回答済み")
    for count in page.locator(".toc .count").all():
        answered, of = count.inner_text().split("/")
        assert answered == of
    page.get_by_role("button", name="未回答").click()
    expect(page.locator("#filter-empty")).to_be_visible()
    expect(page.locator("article.item:visible")).to_have_count(0)
    page.get_by_role("button", name="すべて", exact=True).click()
    expect(page.locator("article.item:visible")).to_have_count(total)

    page.locator("#s-it_admin").scroll_into_view_if_needed()
    page.mouse.wheel(0, 600)
    expect(page.locator(".answering-bar")).to_be_in_viewport()
    expect(page.locator('.toc a[href="#s-it_admin"]')).to_have_attribute("aria-current", "true")
    shoot(page, "03-desktop-scrolled")
    page.set_viewport_size({"width": 800, "height": 1000})
    page.locator("#item-ORG-01").scroll_into_view_if_needed()
    expect(page.locator(".answering-bar")).to_be_in_viewport()
    bar = page.locator(".answering-bar").bounding_box()
    assert bar is not None and bar["width"] <= 800 and bar["height"] < 200
    assert page.evaluate("document.documentElement.scrollWidth") <= 800  # nothing sticks out sideways
    shoot(page, "04-tablet-scrolled")
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "05-tablet-top")

    assert loads == [] and page.evaluate("window.notReloaded") is True
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    print(f"{total} items answered, {uploads} with evidence (3 uploads), {len(posts)} requests, 0 page loads")

    page.get_by_role("link", name="確認して提出").click()
    page.wait_for_url(f"{url}/submit")
    page.check("input[name=confirm]")
    page.click("form button.primary")
    page.wait_for_url(url)
    with live_app.app_context():
        assert db.session.get(Assessment, assessment_id).state == AssessmentState.SUBMITTED
        note = db.session.scalar(
            sa.select(Answer.evidence_note).where(Answer.assessment_id == assessment_id, Answer.item_id == explained)
        )
        assert note == "規程はまだ文書にしていません。朝礼で毎月伝えています。"


@pytest.fixture
def opened(live_app: Any, page: Any) -> str:
    """The workflow questionnaire's answering page, opened by its supplier owner; its address."""
    base = live_app.config["BASE_URL"]
    with live_app.app_context():
        assessment_id = launched_assessment("owner@answering.example.com", WORKFLOW_DEFINITION)
    sign_in(page, base, "owner@answering.example.com")
    url = f"{base}/assessments/{assessment_id}"
    page.goto(url)
    return url


def test_back_to_the_page_shows_it_as_saved_and_the_next_change_is_no_conflict(page, opened):
    answer(page, "STF-01", "yes", comment="年2回")
    page.get_by_role("link", name="操作履歴").click()
    page.wait_for_url(f"{opened}/activity")
    page.go_back()
    page.wait_for_url(opened)
    item = page.locator("#item-STF-01")
    expect(item.locator("input[name=code][value=yes]")).to_be_checked()
    expect(item.locator("textarea[name=comment]")).to_have_value("年2回")
    answer(page, "STF-01", "partial")
    expect(item.locator(".conflict")).to_be_hidden()
    expect(item.locator(".status")).to_have_text("保存しました")

    # Brought back from the browser's memory (bfcache), the page loads itself again.
    page.evaluate("window.stale = true")
    with page.expect_navigation():
        page.evaluate("window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))")
    assert page.evaluate("window.stale") is None
    expect(page.locator("#item-STF-01 input[name=code][value=partial]")).to_be_checked()


def test_a_conflict_with_ones_own_other_window_says_so_in_answer_labels(page, opened):
    other = page.context.new_page()
    other.goto(opened)
    answer(page, "STF-02", "partial")
    with other.expect_response(lambda r: "/items/STF-02" in r.url and r.status == 409):
        other.locator("#item-STF-02 input[name=code][value=no]").check()
    item = other.locator("#item-STF-02")
    box = item.locator(".conflict")
    expect(box).to_be_visible()
    expect(box).to_contain_text("別のウィンドウ")
    expect(item.locator(".status")).to_contain_text("別のウィンドウ")
    expect(box.locator("dd")).to_have_text(["一部実施している"])  # no empty comment or reason, no code
    text = box.inner_text() + item.locator(".status").inner_text()
    assert "別のウィンドウの回答を使う" in text
    assert not any(word in text for word in ("同僚", "他の方", "partial", " / "))
    shoot(item, "06-own-window-conflict")
    with other.expect_response(lambda r: "/items/STF-02" in r.url and r.status == 200):
        item.get_by_role("button", name="自分の回答を保存").click()
    expect(box).to_be_hidden()


def test_the_items_returned_for_clarification_are_one_filter_away(live_app, page, opened):
    with live_app.app_context():
        assessment = db.session.get(Assessment, int(opened.rsplit("/", 1)[-1]))
        assessment.state, assessment.reopened_items = AssessmentState.RETURNED, ["STF-02"]
        db.session.commit()
    page.reload()
    returned = page.get_by_role("button", name="差し戻された項目")
    expect(returned).to_have_text("差し戻された項目 (1)")
    returned.click()
    expect(returned).to_have_attribute("aria-pressed", "true")
    expect(page.locator("article.item:visible")).to_have_count(1)
    expect(page.locator("#item-STF-02")).to_be_visible()
    expect(page.locator("#item-STF-02 .badge.returned")).to_have_text("差し戻された項目")
    returned.click()  # pressed again: every item again
    expect(page.locator("article.item:visible")).not_to_have_count(1)
