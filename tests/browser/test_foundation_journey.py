"""A buyer signs in, adds a supplier, and the supplier joins from the e-mailed link — in Japanese."""

import re

import pytest
import sqlalchemy as sa

from portal.demo import DEMO_PASSWORD, seed_demo
from portal.extensions import db
from portal.mail.models import OutboxMessage

pytestmark = pytest.mark.browser


def sign_in(page, base, email, password):
    page.goto(f"{base}/sign-in")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()


def test_buyer_adds_a_supplier_who_joins_from_the_invitation(live_app, page, screenshot):
    base = live_app.config["BASE_URL"]
    with live_app.app_context():
        seed_demo()
        db.session.commit()

    page.goto(f"{base}/")
    assert page.locator("html").get_attribute("lang") == "ja"
    screenshot("01-sign-in")

    sign_in(page, base, "admin@demo.example.com", "wrong password")
    assert page.get_by_role("alert").count() == 1
    sign_in(page, base, "admin@demo.example.com", DEMO_PASSWORD)
    page.wait_for_url(f"{base}/")
    assert "デモ自動車部品株式会社" in page.content()
    screenshot("02-buyer-home")

    page.get_by_role("link", name="委託先", exact=True).first.click()
    screenshot("03-supplier-list")
    page.goto(f"{base}/suppliers/new")
    page.get_by_label("委託先名").fill("株式会社ブラウザ試験")
    page.get_by_label("担当者のメールアドレス").fill("tanto@browser-test.example.com")
    page.get_by_label("区分", exact=True).select_option("T2")
    screenshot("04-add-supplier")
    page.get_by_role("button", name="登録して招待").click()
    page.wait_for_url(re.compile(r"/suppliers/\d+$"))
    assert "株式会社ブラウザ試験" in page.content()
    page.get_by_role("button", name="ログアウト").click()

    with live_app.app_context():
        body = db.session.scalar(
            sa.select(OutboxMessage.body).where(OutboxMessage.recipient == "tanto@browser-test.example.com")
        )
    link = re.search(r"https?://\S+/invitations/\S+", body).group(0)
    page.goto(link)
    screenshot("05-accept-invitation")
    page.get_by_label("お名前").fill("担当 次郎")
    page.get_by_label("新しいパスワード", exact=True).fill("supplier password 2")
    page.get_by_label("新しいパスワード（確認用）").fill("supplier password 2")
    page.get_by_role("button", name=re.compile("参加")).click()
    page.wait_for_url(f"{base}/")
    assert "株式会社ブラウザ試験" in page.content()
    screenshot("06-supplier-home")
