"""A buyer administrator makes the next version of its own questionnaire in the browser: a draft from the published
version, two items changed (one refused first, with the reason by its field), published; the page of what changed
shows the two. Another buyer's pages and API show none of it."""

from __future__ import annotations

from typing import Any

from portal.accounts.operations import create_api_token, create_user
from portal.catalog.operations import publish
from portal.extensions import db
from portal.organizations.models import Role
from portal.organizations.operations import add_member, create_organization
from questionnaires import load_text
from tests.browser.test_first_steps import sign_in
from tests.browser.test_relationship_requests import sign_out
from tests.conftest import PASSWORD
from tests.security.test_questionnaire_visibility import OWN_DEFINITION, OWN_TITLE

ADMIN = "admin@prime.example.com"
OTHER = "admin@denki.example.com"


def two_buyers(app: Any) -> tuple[int, str]:
    """元請株式会社 owns ``a-own`` version 1; デモ電機 owns nothing. A's version id and B's API token."""
    with app.app_context():
        prime = create_organization("元請株式会社", by=None)
        add_member(prime, create_user(email=ADMIN, name="元請 管理者", password=PASSWORD), Role.BUYER_ADMIN, by=None)
        denki = create_organization("デモ電機株式会社", by=None)
        other = create_user(email=OTHER, name="電機 管理者", password=PASSWORD)
        add_member(denki, other, Role.BUYER_ADMIN, by=None)
        own, _ = publish(load_text(OWN_DEFINITION, "own.yaml"), origin="import", organization=prime)
        _, token = create_api_token(other, "browser test")
        db.session.commit()
        return own.id, token


def edit_item(page: Any, item_id: str) -> None:
    page.locator(f"#item-{item_id}").get_by_role("link", name="編集").click()
    page.wait_for_url(f"**/items/{item_id}")


def test_a_new_version_with_two_changed_items_and_its_changes(live_app, page, screenshot):
    base = live_app.config["BASE_URL"]
    version_id, other_token = two_buyers(live_app)

    sign_in(page, base, ADMIN)
    page.goto(f"{base}/questionnaires/a-own/versions")
    assert OWN_TITLE in page.locator("h1").inner_text()
    page.get_by_role("button", name="新しい版を作成").click()
    page.wait_for_url("**/questionnaires/drafts/*")
    assert "まだ変更はありません" in page.locator(".draft-actions").inner_text()

    edit_item(page, "POL-02")
    page.get_by_label("質問（日本語）").fill("情報セキュリティ方針を半年に1回見直していますか。")
    page.get_by_label("重み").fill("2")
    page.get_by_label("表示する条件").fill("POL-99 == yes")  # no such item: refused, by its field
    page.get_by_role("button", name="保存").click()
    condition = page.locator(".field.has-error", has=page.get_by_label("表示する条件"))
    assert "POL-99" in condition.inner_text()
    assert page.get_by_label("質問（日本語）").input_value() == "情報セキュリティ方針を半年に1回見直していますか。"
    screenshot("01-editor-refusal-by-its-field-1280")
    page.set_viewport_size({"width": 800, "height": 900})
    screenshot("02-editor-800")
    page.set_viewport_size({"width": 1280, "height": 860})
    page.get_by_label("表示する条件").fill("POL-01 == yes")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/questionnaires/drafts/*")
    assert "項目 POL-02 を保存しました" in page.locator(".flash").inner_text()

    edit_item(page, "STF-01")
    page.get_by_label("重要項目（未達なら評価全体が不合格）").check()
    page.get_by_label("証跡", exact=True).select_option("always")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/questionnaires/drafts/*")
    assert page.locator("tr.is-changed").count() == 2
    screenshot("03-draft-with-two-changes-1280")
    page.set_viewport_size({"width": 800, "height": 900})
    screenshot("03-draft-with-two-changes-800")
    page.set_viewport_size({"width": 1280, "height": 860})

    page.get_by_role("button", name="新しい版として公開").click()
    page.wait_for_url("**/changes")
    assert "版 2 を公開しました" in page.locator(".flash").inner_text()
    changed = page.locator(".changes-changed article.change")
    assert changed.count() == 2
    assert (
        page.locator("#changed-POL-02 .after").first.inner_text() == "情報セキュリティ方針を半年に1回見直していますか。"
    )
    assert page.locator("#changed-POL-02 .badge.asks-again").count() == 1  # the question itself changed
    assert page.locator("#changed-STF-01 .badge.asks-again").count() == 0  # scoring and evidence only
    assert {"重要項目", "証跡"} <= set(page.locator("#changed-STF-01 th[scope=row]").all_inner_texts())
    assert page.locator(".changes-added, .changes-removed").count() == 0
    screenshot("04-changes-1280")
    page.set_viewport_size({"width": 800, "height": 900})
    screenshot("05-changes-800")
    page.set_viewport_size({"width": 1280, "height": 860})
    changes_url = page.url
    page.get_by_role("link", name=f"{OWN_TITLE} の版の一覧").click()
    page.wait_for_url("**/a-own/versions")
    assert page.locator("table.versions tbody tr").count() == 2
    screenshot("06-versions")
    sign_out(page)

    # Another buyer: its pages and its API know nothing of A's questionnaire.
    sign_in(page, base, OTHER)
    for path in (
        "/questionnaires/a-own/versions",
        changes_url.removeprefix(base),
        f"/questionnaires/versions/{version_id}/yaml",
    ):
        response = page.goto(f"{base}{path}")
        assert response.status == 404, path
        assert OWN_TITLE not in page.content() and "半年に1回" not in page.content()
    api = page.request.get(f"{base}/api/v1/questionnaires", headers={"Authorization": f"Bearer {other_token}"})
    assert "a-own" not in api.text()
    versions = page.request.get(
        f"{base}/api/v1/questionnaires/a-own/versions", headers={"Authorization": f"Bearer {other_token}"}
    )
    assert versions.status == 404
