"""The reviewer's page in the browser: the demo's submitted assessment reviewed by keyboard without a reload,
a colleague's decision meanwhile shown in words, filters, evidence previews, accept all undecided, the
warning before an outcome with undecided items; at most two full page loads; screenshots at 1280 and 800 px.
"""

from __future__ import annotations

import re
import struct
import zlib
from datetime import date, timedelta
from io import BytesIO
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.accounts.models import User
from portal.assessments.models import AnswerEvidence, Assessment, AssessmentState, ReviewDecision
from portal.catalog.operations import load_builtin_questionnaires
from portal.demo import DEMO_PASSWORD, seed_demo
from portal.evidence.operations import store_evidence
from portal.extensions import db
from tests.browser.conftest import OUTPUT
from tests.browser.test_assessment_journey import sign_in as journey_sign_in

pytestmark = pytest.mark.browser
REVIEWER = "reviewer@demo.example.com"
ADMIN = "admin@demo.example.com"


def pdf_with_text(text: str) -> bytes:
    """A one-page PDF that shows ``text`` (ASCII), so that its preview has something to see."""
    stream = f"BT /F1 28 Tf 72 760 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def png(width: int, height: int) -> bytes:
    """A striped picture, as a photo of a notice on a wall would be in the evidence."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(
        b"\x00" + b"".join(bytes((11, 92, 173) if (x // 20 + y // 20) % 2 else (238, 244, 251)) for x in range(width))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.fixture
def demo(live_app: Any) -> int:
    """The demo's data: さくら精機 has submitted its T1 answers; a PDF and a photo back two more items."""
    with live_app.app_context():
        load_builtin_questionnaires()
        seed_demo()
        assessment = db.session.scalar(sa.select(Assessment).where(Assessment.state == AssessmentState.SUBMITTED))
        owner = db.session.scalar(sa.select(User).where(User.email == assessment.supplier.contact_email))
        organization = assessment.supplier.organization
        items = [e.item_id for e in db.session.scalars(sa.select(AnswerEvidence))]
        others = [i.id for i in assessment_items(assessment) if i.id not in items]
        for item_id, name, content in (
            (others[0], "アクセス管理規程.pdf", pdf_with_text("Access control policy (2026)")),
            (others[1], "掲示物の写真.png", png(240, 160)),
        ):
            evidence = store_evidence(organization, BytesIO(content), name, by=owner)
            db.session.add(AnswerEvidence(assessment_id=assessment.id, item_id=item_id, evidence_id=evidence.id))
        db.session.commit()
        return int(assessment.id)


@pytest.fixture
def shot(page: Any, request: pytest.FixtureRequest) -> Any:
    """A screenshot of what the window shows (the page's own bar where it is), beside the full-page ones."""
    folder = OUTPUT / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    return lambda name: page.screenshot(path=str(folder / f"{name}.png"))


def assessment_items(assessment: Assessment) -> list[Any]:
    from portal.assessments.operations import questionnaire_for

    return list(questionnaire_for(assessment).items_for_tier(assessment.tier))


def sign_in(page: Any, base: str, email: str) -> None:
    journey_sign_in(page, base, email, DEMO_PASSWORD)  # the demo's people


def saved(page: Any, item_id: str) -> Any:
    """Wait, while the block runs, for the answer to a decision on ``item_id`` (saved or refused)."""
    return page.expect_response(lambda r: r.url.endswith(f"/items/{item_id}") and r.request.method == "POST")


def test_reviewing_every_item_and_recording_the_outcome_takes_two_page_loads(live_app, page, demo, screenshot, shot):
    base = live_app.config["BASE_URL"]
    sign_in(page, base, REVIEWER)
    loads: list[str] = []  # full page loads; the filters' history.replaceState is no load
    page.on("load", lambda loaded: loads.append(loaded.url))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{base}/review/{demo}")
    items = page.locator("article.review-item")
    ids = [items.nth(n).get_attribute("data-item") for n in range(items.count())]
    assert len(ids) == 30 and ids[:3] == ["GOV-01", "GOV-02", "GOV-07"]  # the T1 items, PI-02 shown by PI-01
    expect(page.locator("#item-GOV-01 .item-id")).to_have_text("GOV-01")
    expect(page.locator("#shortcuts")).to_be_visible()
    expect(page.locator("#accept-undecided button")).to_have_text("未判定をすべて適合にする（30 件）")

    # Keys: j to the first item, a accepts and moves on; typing in a comment is never a key.
    page.keyboard.press("j")
    for item_id in ids[:3]:
        with saved(page, item_id):
            page.keyboard.press("a")
    for item_id in ids[:3]:
        expect(page.locator(f"#item-{item_id}")).to_have_attribute("data-decision", "accepted")
    expect(page.locator(f"#item-{ids[3]}")).to_have_class(re.compile("is-current"))

    # c asks for a comment, which is saved with the decision on Enter.
    page.keyboard.press("c")
    expect(page.locator(f"#item-{ids[3]} input[name=comment]")).to_be_focused()
    page.keyboard.type("運用記録の写しを添付してください")  # its "a" and "n" stay text
    with saved(page, ids[3]):
        page.keyboard.press("Enter")
    expect(page.locator(f"#item-{ids[3]}")).to_have_attribute("data-decision", "clarification")
    expect(page.locator(f"#item-{ids[3]} .item-head .decision-mark")).to_have_text("? 確認依頼")

    page.locator(f"#item-{ids[4]}").click()
    page.keyboard.press("n")
    page.keyboard.type("規程がありません")
    with saved(page, ids[4]):
        page.keyboard.press("Tab")  # leaving the field saves too
    expect(page.locator(f"#item-{ids[4]}")).to_have_attribute("data-decision", "nonconforming")
    expect(page.locator(f"#action-rows input[name='owner_{ids[4]}']")).to_be_visible()
    expect(page.locator("#return-button")).to_have_text("確認依頼の 1 件を差し戻す")
    page.locator(f"#item-{ids[3]}").scroll_into_view_if_needed()
    shot("01-deciding")

    # A colleague decides the next item meanwhile: this reviewer's save is refused and shows theirs in words.
    other = page.context.browser.new_context(locale="ja-JP", viewport={"width": 800, "height": 1000})
    colleague = other.new_page()
    sign_in(colleague, base, ADMIN)
    colleague.goto(f"{base}/review/{demo}")
    with saved(colleague, ids[5]):
        colleague.locator(f"#item-{ids[5]} .decision-choice.is-clarification").click()
        colleague.fill(f"#item-{ids[5]} input[name=comment]", "体制図を見せてください")
        colleague.press(f"#item-{ids[5]} input[name=comment]", "Enter")
    other.close()
    page.locator(f"#item-{ids[5]}").click()
    with saved(page, ids[5]):
        page.keyboard.press("a")
    conflict = page.locator(f"#item-{ids[5]} .conflict")
    expect(conflict).to_contain_text("発注 太郎さんがその間にこの判定を変更しました: 確認依頼")
    expect(conflict).to_contain_text("体制図を見せてください")
    assert "clarification" not in conflict.inner_text()
    page.locator(f"#item-{ids[5]}").scroll_into_view_if_needed()
    shot("02-conflict")
    conflict.get_by_role("button", name="相手の判定を使う").click()
    expect(page.locator(f"#item-{ids[5]}")).to_have_attribute("data-decision", "clarification")
    expect(page.locator(f"#item-{ids[5]} .decided-by")).to_have_text("判定者: 発注 太郎")

    # Filters without a reload.
    page.click(".filters a[data-filter=clarification]")
    expect(page.locator("article.review-item:visible")).to_have_count(2)
    assert "show=clarification" in page.url
    page.click(".filters a[data-filter=evidence]")
    visible = page.locator("article.review-item:visible")
    assert 2 <= visible.count() < 30

    # The photo and the PDF open in the page.
    photo = page.locator("a.preview[data-kind=image]").first
    photo.click()
    dialog = page.locator("#preview-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("img")).to_have_attribute("alt", "掲示物の写真.png")
    expect(dialog.locator("img")).to_have_js_property("naturalWidth", 240)
    shot("03-preview-photo")
    dialog.get_by_role("button", name="閉じる").click()
    page.click("a.preview[data-name='アクセス管理規程.pdf']")
    frame = dialog.locator("iframe")
    expect(frame).to_be_visible()
    page.wait_for_timeout(3000)  # the PDF viewer draws
    shot("04-preview-pdf")
    dialog.get_by_role("button", name="閉じる").click()
    page.click(".filters a[data-filter='']")
    expect(page.locator("article.review-item:visible")).to_have_count(30)

    # Recording the outcome while items are undecided asks first; declining keeps the page.
    page.check("input[name=outcome][value=accept_with_conditions]")
    page.click("#outcome-form button.primary")
    confirm = page.locator("#confirm-dialog")
    expect(confirm).to_contain_text("未判定の項目が 24 件あります。このまま審査結果を記録しますか？")
    shot("05-outcome-warning")
    confirm.get_by_role("button", name="キャンセル").click()

    # The clarification items accepted after all; the rest accepted at once.
    for item_id in (ids[3], ids[5]):
        page.locator(f"#item-{item_id}").click()
        with saved(page, item_id):
            page.keyboard.press("a")
    expect(page.locator("#accept-undecided button")).to_have_text("未判定をすべて適合にする（24 件）")
    with page.expect_response(lambda r: r.url.endswith("/accept-undecided")):
        page.click("#accept-undecided button")
        expect(confirm).to_contain_text("未判定の 24 件をすべて適合にしますか？")
        confirm.get_by_role("button", name="はい").click()
    expect(page.locator("[data-count=undecided]").first).to_have_text("0")
    expect(page.locator("#accept-undecided")).to_be_hidden()
    expect(page.locator("#undecided-warning")).to_be_hidden()

    page.fill(f"input[name='owner_{ids[4]}']", "総務部 桜井")
    page.fill(f"input[name='due_{ids[4]}']", (date.today() + timedelta(days=60)).isoformat())
    page.fill("#outcome-form textarea[name=comment]", "規程の整備を条件に承認します。")
    page.click("#outcome-form button.primary")
    page.wait_for_selector("#recorded-outcome")
    expect(page.locator("#recorded-outcome")).to_contain_text("条件付き承認")
    expect(page.locator("#recorded-outcome")).to_contain_text("規程の整備を条件に承認します。")
    screenshot("06-decided")
    page.evaluate("window.scrollTo(0, 0)")
    shot("07-decided-top")

    assert len(loads) <= 2, loads
    assert errors == []
    with live_app.app_context():
        decisions = db.session.scalars(sa.select(ReviewDecision)).all()
        assert len(decisions) == 30
        assert db.session.get(Assessment, demo).state == AssessmentState.ACCEPTED_WITH_CONDITIONS


def test_the_review_page_at_tablet_width(live_app, page, demo, screenshot, shot):
    base = live_app.config["BASE_URL"]
    page.set_viewport_size({"width": 800, "height": 1000})
    sign_in(page, base, REVIEWER)
    page.goto(f"{base}/review/{demo}")
    page.keyboard.press("j")
    with saved(page, "GOV-01"):
        page.keyboard.press("a")
    page.keyboard.press("n")
    page.keyboard.type("責任者が決まっていません")
    with saved(page, "GOV-02"):
        page.keyboard.press("Enter")
    page.locator("#item-GOV-07").click()
    page.keyboard.press("c")
    page.keyboard.type("宣言IDの画面を添付してください")
    with saved(page, "GOV-07"):
        page.keyboard.press("Enter")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot("01-top-800")
    page.locator("#item-GOV-01").scroll_into_view_if_needed()
    shot("02-items-800")
    # The bar stays in view while scrolling.
    page.locator("article.review-item").nth(20).scroll_into_view_if_needed()
    expect(page.locator("#review-bar")).to_be_in_viewport()
    page.click("a.preview[data-name='アクセス管理規程.pdf']")
    expect(page.locator("#preview-dialog iframe")).to_be_visible()
    page.wait_for_timeout(3000)
    shot("03-preview-800")
