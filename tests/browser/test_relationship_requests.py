"""A second buyer names a company already on the portal by its 法人番号; the company's owner accepts it and sets
what it shares, in the browser."""

from __future__ import annotations

from typing import Any

from portal.accounts.operations import create_user
from portal.extensions import db
from portal.organizations.models import Role
from portal.organizations.operations import add_member, create_organization
from portal.suppliers.models import Supplier, Tier
from tests.browser.test_first_steps import sign_in
from tests.conftest import PASSWORD

OWNER = "owner@sakura.example.com"
BUYER_B = "admin@denki.example.com"
NUMBER = "7000012050002"


def two_buyers(app: Any) -> None:
    """さくら精機 (法人番号 known) supplies 元請株式会社; デモ電機 has not recorded it yet."""
    with app.app_context():
        prime = create_organization("元請株式会社", by=None)
        sakura = create_organization("さくら精機株式会社", by=None)
        sakura.corporate_number = NUMBER
        add_member(sakura, create_user(email=OWNER, name="桜 花子", password=PASSWORD), Role.SUPPLIER_OWNER, by=None)
        db.session.add(Supplier(buyer=prime, organization=sakura, name="さくら精機", contact_email=OWNER, tier=Tier.T2))
        denki = create_organization("デモ電機株式会社", by=None)
        add_member(denki, create_user(email=BUYER_B, name="電機 次郎", password=PASSWORD), Role.BUYER_ADMIN, by=None)
        db.session.commit()


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="ログアウト").click()


def test_a_second_buyer_asks_and_the_company_accepts(live_app, page, screenshot):
    base = live_app.config["BASE_URL"]
    two_buyers(live_app)
    sign_in(page, base, BUYER_B)
    page.goto(f"{base}/suppliers/new")
    page.get_by_label("委託先名").fill("さくら精機")
    page.get_by_label("担当者のメールアドレス").fill("sales@sakura.example.com")
    page.get_by_label("法人番号（任意）").fill("7000012050003")  # a typo: the check digit is wrong
    page.get_by_role("button", name="登録して招待").click()
    assert "法人番号" in page.locator(".field.has-error").inner_text()
    screenshot("01-bad-check-digit")
    page.get_by_label("法人番号（任意）").fill(NUMBER)
    page.get_by_role("button", name="登録して招待").click()
    page.wait_for_url(f"{base}/suppliers/*")
    assert "承認待ち" in page.locator(".relationship-status").inner_text()
    assert "既にポータルを利用しています" in page.locator(".flash").inner_text()
    screenshot("02-buyer-sees-awaiting-acceptance")
    sign_out(page)

    sign_in(page, base, OWNER)
    page.locator(".relationship-requests-notice a").click()
    page.wait_for_url(f"{base}/relationships/")
    request = page.locator("table.requests tbody tr")
    assert "デモ電機株式会社" in request.inner_text() and "電機 次郎" in request.inner_text()
    screenshot("03-request-waiting")
    request.get_by_role("button", name="承認").click()
    page.wait_for_url(f"{base}/relationships/")
    buyers = page.locator("table.buyers tbody")
    assert "デモ電機株式会社" in buyers.inner_text() and "元請株式会社" in buyers.inner_text()
    row = page.locator("table.buyers tbody tr", has_text="デモ電機株式会社")
    row.get_by_role("combobox").select_option(label="共有しない")
    row.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{base}/relationships/")
    assert "共有しない" in page.locator(".flash").inner_text()
    screenshot("04-buyers-and-sharing")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
