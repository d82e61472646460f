"""Unsaved text on the answering page is never sent over an answer a colleague saved since.

Two people of one supplier answer the same item in two browsers. After a 409 the loser's text stays
on screen beside the colleague's answer until they choose; a draft kept in the browser from before a
colleague's save is shown when the page is opened again, and sent only if the person keeps it.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.accounts.models import User
from portal.assessments.models import Answer, Assessment
from portal.extensions import db
from portal.organizations.models import Role
from tests.browser.conftest import serve
from tests.browser.test_assessment_journey import answer, member, sign_in
from tests.browser.test_conditional_items import launched_assessment
from tests.workflow_fixtures import WORKFLOW_DEFINITION

pytestmark = pytest.mark.browser

OWNER, RESPONDER = "owner@drafts.example.com", "responder@drafts.example.com"
SHOTS = Path("/tmp/answer-drafts")


@pytest.fixture
def live_app(tmp_path: Path, database_url: str) -> Iterator[Any]:
    """The answering page on SQLite and on PostgreSQL: conflicts are the database's version checks."""
    yield from serve(tmp_path, database_url)


@pytest.fixture
def assessment_id(live_app: Any) -> int:
    """A launched campaign whose supplier has an owner (回答 花子) and a responder (担当 一郎)."""
    with live_app.app_context():
        assessment_id = launched_assessment(OWNER, WORKFLOW_DEFINITION)
        organization = db.session.get(Assessment, assessment_id).supplier.organization
        member(organization, RESPONDER, "担当 一郎", Role.SUPPLIER_RESPONDER)
        db.session.commit()
        return assessment_id


@pytest.fixture
def colleague(page: Any) -> Iterator[Any]:
    """A second person in a browser of their own (a narrow window, as the screenshots are looked at)."""
    assert page.context.browser is not None
    context = page.context.browser.new_context(locale="ja-JP", viewport={"width": 800, "height": 900})
    other = context.new_page()
    other.set_default_timeout(15000)
    yield other
    context.close()


@pytest.fixture
def opened(live_app: Any, page: Any, colleague: Any, assessment_id: int) -> str:
    """Both signed in; the owner answered POL-01 (now at version 2), then the responder opened the page."""
    base: str = live_app.config["BASE_URL"]
    sign_in(page, base, OWNER)
    sign_in(colleague, base, RESPONDER)
    page.goto(f"{base}/assessments/{assessment_id}")
    answer(page, "POL-01", "yes", comment="初版")
    colleague.goto(f"{base}/assessments/{assessment_id}")
    return base


def type_offline(page: Any, text: str) -> None:
    """Type a comment on POL-01 while the connection is down: it is kept in the browser."""
    page.context.set_offline(True)
    page.fill("#item-POL-01 textarea[name=comment]", text)
    expect(page.locator("#item-POL-01 .status")).to_contain_text("まだ保存されていません")


def close_while_offline(page: Any) -> None:
    """Close the tab as if the connection were still down: its last-moment send is lost.

    Chromium may let a beacon sent while a page closes past the emulated offline state, which would save the
    draft at random; the lost send is what these tests are about, so it is dropped here on purpose (the beacon
    itself is switched off too, whatever order the browser calls the page's listeners in).
    """
    page.evaluate(
        "navigator.sendBeacon = () => true;"
        "for (const name of ['pagehide', 'online', 'blur']) {"
        "  window.addEventListener(name, (e) => e.stopImmediatePropagation(), true); }"
    )
    page.close()


def stored(app: Any, assessment_id: int) -> tuple[str | None, str | None, int, str]:
    """POL-01's answer as the database holds it: code, comment, version and who saved it."""
    with app.app_context():
        row = db.session.execute(
            sa.select(Answer.code, Answer.comment, Answer.version, User.name)
            .join(User, User.id == Answer.updated_by_id)
            .where(Answer.assessment_id == assessment_id, Answer.item_id == "POL-01")
        ).one()
        return row.code, row.comment, row.version, row.name


def stored_user_id(app: Any, email: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.email == email))


def type_and_wait(page: Any, text: str, status: int) -> None:
    """Type a comment on POL-01 and wait for the autosave's answer."""
    with page.expect_response(lambda r: "/items/POL-01" in r.url and r.request.method == "POST") as reply:
        page.fill("#item-POL-01 textarea[name=comment]", text)
    assert reply.value.status == status


def shoot(page: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.locator("#item-POL-01").screenshot(path=str(SHOTS / f"{name}.png"))


def test_after_a_conflict_the_text_stays_beside_the_colleagues_answer_until_chosen(
    live_app, page, colleague, assessment_id, opened
):
    item, comment = colleague.locator("#item-POL-01"), colleague.locator("#item-POL-01 textarea[name=comment]")
    box = item.locator(".conflict")
    type_and_wait(page, "花子の更新", 200)

    type_and_wait(colleague, "一郎の下書き", 409)
    expect(box).to_be_visible()
    expect(box).to_contain_text("回答 花子")
    expect(box.locator("dd")).to_have_text(["実施している", "花子の更新"])  # the label, never the code "yes"
    expect(comment).to_have_value("一郎の下書き")
    expect(item.locator(".status")).to_have_class("status is-error")
    shoot(colleague, "01-conflict")

    item.get_by_role("button", name="同僚の回答を使う").click()
    expect(box).to_be_hidden()
    expect(comment).to_have_value("花子の更新")
    expect(item.locator(".status")).to_have_text("変更を破棄し、保存済みの回答を表示しています。")
    assert colleague.evaluate("Object.keys(localStorage).filter(k => k.startsWith('draft:'))") == []
    assert stored(live_app, assessment_id) == ("yes", "花子の更新", 3, "回答 花子")

    # Keeping one's own text, with the keyboard: from the text, Tab reaches the choice.
    type_and_wait(page, "花子の再更新", 200)
    type_and_wait(colleague, "一郎の最終版", 409)
    expect(box.locator("dd")).to_have_text(["実施している", "花子の再更新"])
    comment.press("Tab")
    expect(item.get_by_role("button", name="自分の回答を保存")).to_be_focused()
    with colleague.expect_response(lambda r: "/items/POL-01" in r.url and r.status == 200):
        colleague.keyboard.press("Enter")
    expect(box).to_be_hidden()
    expect(item.locator(".status")).to_have_text("保存しました")
    assert stored(live_app, assessment_id) == ("yes", "一郎の最終版", 5, "担当 一郎")
    page.reload()
    expect(page.locator("#item-POL-01 textarea[name=comment]")).to_have_value("一郎の最終版")


def test_a_draft_older_than_the_saved_answer_is_shown_when_reopened_and_never_sent(
    live_app, page, colleague, assessment_id, opened
):
    # The owner saves first, so the responder's page still holds the older version when the draft is typed:
    # anything that page might still send on its way out is refused as a conflict and saves nothing.
    type_and_wait(page, "花子の新しい回答", 200)
    type_offline(colleague, "オフラインの下書き")
    close_while_offline(colleague)
    colleague.context.set_offline(False)

    reopened = colleague.context.new_page()
    reopened.clock.install()  # the autosave's delay runs when the test says, not after a sleep
    posts: list[str] = []
    reopened.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    reopened.goto(f"{opened}/assessments/{assessment_id}")
    reopened.wait_for_load_state("networkidle")
    item = reopened.locator("#item-POL-01")
    expect(item.locator("textarea[name=comment]")).to_have_value("オフラインの下書き")
    expect(item.locator(".status")).to_have_text("未保存")
    expect(item.locator(".conflict")).to_contain_text("回答 花子")
    expect(item.locator(".conflict dd")).to_have_text(["実施している", "花子の新しい回答"])
    shoot(reopened, "02-stale-draft")
    assert posts == []
    assert stored(live_app, assessment_id) == ("yes", "花子の新しい回答", 3, "回答 花子")

    # Typing more keeps it a draft (a save would say 保存中… at once); only the choice sends it, on top
    # of the answer that was shown.
    item.locator("textarea[name=comment]").fill("オフラインの下書き（追記）")
    item.locator("textarea[name=comment]").blur()
    reopened.clock.run_for(5000)
    expect(item.locator(".status")).to_have_text("未保存")
    expect(item.locator(".conflict")).to_be_visible()
    assert "（追記）" in reopened.evaluate("Object.values(localStorage).join()")
    with reopened.expect_response(lambda r: "/items/POL-01" in r.url and r.status == 200):
        item.get_by_role("button", name="自分の回答を保存").click()
    assert len(posts) == 1
    assert stored(live_app, assessment_id) == ("yes", "オフラインの下書き（追記）", 4, "担当 一郎")


def test_a_draft_on_top_of_the_saved_answer_is_sent_when_reopened(live_app, colleague, assessment_id, opened):
    """The ordinary offline case: nobody saved the item since, so the kept text is saved at once."""
    type_offline(colleague, "オフラインの続き")
    close_while_offline(colleague)
    colleague.context.set_offline(False)

    reopened = colleague.context.new_page()
    with reopened.expect_response(lambda r: "/items/POL-01" in r.url and r.status == 200):
        reopened.goto(f"{opened}/assessments/{assessment_id}")
    expect(reopened.locator("#item-POL-01 .status")).to_have_text("保存しました")
    expect(reopened.locator("#item-POL-01 .conflict")).to_be_hidden()
    assert stored(live_app, assessment_id) == ("yes", "オフラインの続き", 3, "担当 一郎")
    assert reopened.evaluate("Object.keys(localStorage).filter(k => k.startsWith('draft:'))") == []


def test_when_the_connection_returns_the_draft_is_sent_on_top_of_its_own_version(
    live_app, page, colleague, assessment_id, opened
):
    """Sent at once if nobody saved the item meanwhile; over a colleague's newer answer it waits for a choice."""
    item = colleague.locator("#item-POL-01")
    type_offline(colleague, "戻ったら保存")
    with colleague.expect_response(lambda r: "/items/POL-01" in r.url and r.status == 200):
        colleague.context.set_offline(False)
    assert stored(live_app, assessment_id) == ("yes", "戻ったら保存", 3, "担当 一郎")

    type_offline(colleague, "戻ったら上書き？")
    page.reload()
    type_and_wait(page, "花子の新しい回答", 200)
    with colleague.expect_response(lambda r: "/items/POL-01" in r.url and r.status == 409):
        colleague.context.set_offline(False)
    expect(item.locator(".conflict dd")).to_have_text(["実施している", "花子の新しい回答"])
    expect(item.locator("textarea[name=comment]")).to_have_value("戻ったら上書き？")
    assert stored(live_app, assessment_id) == ("yes", "花子の新しい回答", 4, "回答 花子")


def test_a_draft_kept_before_drafts_had_a_version_is_only_shown(live_app, colleague, assessment_id, opened):
    """Browsers may still hold drafts stored without their base version: those are never sent unasked."""
    old_key = f"draft:/assessments/{assessment_id}/items/POL-01"
    draft = {"code": "no", "comment": "古い下書き", "na_reason": ""}
    colleague.evaluate("([key, draft]) => localStorage.setItem(key, JSON.stringify(draft))", [old_key, draft])
    posts: list[str] = []
    colleague.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    colleague.reload()
    colleague.wait_for_load_state("networkidle")
    item = colleague.locator("#item-POL-01")
    expect(item.locator("input[name=code][value=no]")).to_be_checked()
    expect(item.locator(".conflict dd")).to_have_text(["実施している", "初版"])
    assert posts == []
    assert stored(live_app, assessment_id) == ("yes", "初版", 2, "回答 花子")
    # Kept from now on as this person's draft, so it is not offered to someone else on this computer.
    assert colleague.evaluate("Object.keys(localStorage).filter(k => k.startsWith('draft:'))") == [
        f"draft:{stored_user_id(live_app, RESPONDER)}:/assessments/{assessment_id}/items/POL-01"
    ]
