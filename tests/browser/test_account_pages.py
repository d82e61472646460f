"""A person's own settings (display name, new password) and a used invitation link, in the browser."""

from __future__ import annotations

from typing import Any

import pytest

from portal.accounts.operations import create_invitation, invitation_link
from portal.extensions import db
from portal.organizations.models import Role
from portal.organizations.operations import create_organization
from tests.browser.test_assessment_journey import PASSWORD, member, sign_in, sign_out

pytestmark = pytest.mark.browser
NEW = "a brand new passphrase"


def test_settings_change_the_name_and_the_password_with_errors_at_their_fields(live_app: Any, page: Any, screenshot):
    base = live_app.config["BASE_URL"]
    with live_app.app_context():
        member(create_organization("設定発注株式会社", by=None), "me@settings.example.com", "山田 太郎", Role.REVIEWER)
        db.session.commit()
    sign_in(page, base, "me@settings.example.com")
    page.goto(f"{base}/settings")
    screenshot("01-settings")

    page.fill("#profile input[name=name]", "山田 花子")
    page.click("#profile button[type=submit]")
    page.wait_for_url(f"{base}/settings")
    assert "山田 花子" in page.locator("header .who").inner_text()

    page.fill("#password input[name=current_password]", "not my password")
    page.fill("#password input[name=password]", NEW)
    page.fill("#password input[name=confirm]", NEW)
    page.click("#password button[type=submit]")
    error = page.locator("#password .field.has-error")
    assert error.count() == 1 and "現在のパスワードが正しくありません" in error.inner_text()
    assert page.locator("#password input[name=current_password]").input_value() == ""  # never written back
    screenshot("02-wrong-current-password")

    page.fill("#password input[name=current_password]", PASSWORD)
    page.fill("#password input[name=password]", NEW)
    page.fill("#password input[name=confirm]", NEW)
    page.click("#password button[type=submit]")
    page.wait_for_url(f"{base}/settings")
    assert page.locator(".flash-success").count() == 1
    screenshot("03-password-changed")
    sign_out(page)
    page.goto(f"{base}/sign-in")
    page.fill("input[name=email]", "me@settings.example.com")
    page.fill("input[name=password]", NEW)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_a_used_invitation_link_offers_to_sign_in(live_app: Any, page: Any, screenshot):
    base = live_app.config["BASE_URL"]
    with live_app.app_context():
        organization = create_organization("招待発注株式会社", by=None)
        admin = member(organization, "admin@invite.example.com", "管理 者", Role.BUYER_ADMIN)
        _, token = create_invitation(organization, "new@invite.example.com", Role.REVIEWER, by=admin)
        link = invitation_link(token)
        db.session.commit()
    path = link.split("/invitations/", 1)[1]
    page.goto(f"{base}/invitations/{path}")
    page.fill("input[name=name]", "新人 さん")
    page.fill("input[name=password]", NEW)
    page.fill("input[name=confirm]", NEW)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")
    sign_out(page)

    page.goto(f"{base}/invitations/{path}")
    assert page.get_by_role("heading", name="この招待はすでに使用されています").count() == 1
    screenshot("01-used-invitation")
    page.get_by_role("link", name="ログイン").last.click()
    page.wait_for_url(f"{base}/sign-in")
