"""A new user's first steps in a real browser: the tier intake preselects its suggestion (issue 17)."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from portal.accounts.operations import create_user
from portal.extensions import db
from portal.organizations.models import Role
from portal.organizations.operations import add_member, create_organization
from portal.suppliers.models import Supplier, Tier
from tests.conftest import PASSWORD


def buyer_admin(app: Any, email: str = "admin@first-steps.example.com") -> str:
    with app.app_context():
        buyer = create_organization("初回株式会社", by=None)
        add_member(buyer, create_user(email=email, name="管理 花子", password=PASSWORD), Role.BUYER_ADMIN, by=None)
        db.session.commit()
    return email


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(f"{base}/")


def answer(page: Any, question: str, value: str) -> None:
    page.locator(f'[data-question="{question}"] input[value="{value}"]').check()


def test_the_intake_puts_its_suggestion_in_the_tier_field(live_app, page, screenshot):
    base = live_app.config["BASE_URL"]
    sign_in(page, base, buyer_admin(live_app))
    page.goto(f"{base}/suppliers/new")
    tier = page.get_by_label("区分", exact=True)
    assert tier.input_value() == "T1"
    page.get_by_label("委託先名").fill("株式会社区分試験")
    page.get_by_label("担当者のメールアドレス").fill("kubun@browser-test.example.com")
    answer(page, "holds_confidential_data", "yes")
    for question in ("outage_stops_us", "connected_to_our_network", "runs_our_systems"):
        answer(page, question, "no")
    assert tier.input_value() == "T2"
    assert "T2" in page.locator("[data-suggested]").inner_text()
    screenshot("01-intake-suggests-t2")
    page.get_by_role("button", name="登録して招待").click()
    page.wait_for_url(re.compile(r"/suppliers/\d+$"))
    with live_app.app_context():
        assert db.session.scalar(sa.select(Supplier.tier)) == Tier.T2


def test_a_tier_chosen_by_hand_is_not_replaced(live_app, page):
    base = live_app.config["BASE_URL"]
    sign_in(page, base, buyer_admin(live_app))
    page.goto(f"{base}/suppliers/new")
    tier = page.get_by_label("区分", exact=True)
    tier.select_option("T3")
    answer(page, "holds_confidential_data", "yes")
    assert tier.input_value() == "T3"
    assert "T2" in page.locator("[data-suggested]").inner_text()


def test_error_pages_are_in_the_site_layout_with_a_way_back(live_app, page, screenshot):
    base = live_app.config["BASE_URL"]
    sign_in(page, base, buyer_admin(live_app))
    page.goto(f"{base}/suppliers/")
    # A stale link on a page of the site (the browser sends the page as the referrer, same-origin only).
    page.evaluate(
        """() => { const a = document.createElement("a"); a.href = "/suppliers/987654"; a.textContent = "stale";
                   document.querySelector("main").append(a); }"""
    )
    page.get_by_role("link", name="stale").click()
    assert page.get_by_role("heading", name="ページが見つかりません").is_visible()
    screenshot("01-not-found")
    page.get_by_role("link", name="前のページに戻る").click()
    page.wait_for_url(f"{base}/suppliers/")


def test_the_supplier_home_says_what_to_do_next(live_app, page, screenshot):
    from portal.catalog.operations import load_builtin_questionnaires
    from portal.demo import DEMO_PASSWORD, seed_demo

    base = live_app.config["BASE_URL"]
    with live_app.app_context():
        load_builtin_questionnaires()  # as `flask portal init` does: the demo's campaign needs them
        seed_demo()
        db.session.commit()
    page.goto(f"{base}/sign-in")
    page.get_by_label("メールアドレス").fill("owner@minato.example.com")
    page.get_by_label("パスワード").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(f"{base}/")
    screenshot("01-supplier-home")
    assert page.get_by_role("heading", name="次にすること").is_visible()
    assert page.get_by_role("heading", name="回答が必要な評価").is_visible()
    page.locator("ul.to-answer a").first.click()
    page.wait_for_url(re.compile(r"/assessments/\d+$"))
