"""A supplier's owner turns on the buyer side and switches between the two sides in the browser, 800 px wide."""

from __future__ import annotations

from typing import Any

from portal.accounts.operations import create_user
from portal.extensions import db
from portal.organizations.models import Role
from portal.organizations.operations import add_member, create_organization
from portal.suppliers.models import Supplier, Tier
from tests.browser.test_first_steps import sign_in
from tests.conftest import PASSWORD

OWNER = "owner@two-sides.example.com"


def supplier_owner(app: Any) -> None:
    """株式会社中間, a supplier of 元請株式会社, whose owner has not turned on the buyer side yet."""
    with app.app_context():
        prime = create_organization("元請株式会社", by=None)
        middle = create_organization("株式会社中間", by=None)
        add_member(middle, create_user(email=OWNER, name="中間 太郎", password=PASSWORD), Role.SUPPLIER_OWNER, by=None)
        db.session.add(
            Supplier(buyer=prime, organization=middle, name="株式会社中間", contact_email=OWNER, tier=Tier.T2)
        )
        db.session.commit()


def test_the_owner_turns_on_the_buyer_side_and_switches_with_one_click(live_app, page, screenshot):
    base = live_app.config["BASE_URL"]
    supplier_owner(live_app)
    page.set_viewport_size({"width": 800, "height": 900})
    sign_in(page, base, OWNER)
    assert page.locator("form.side-switch").count() == 0  # one side: nothing to switch
    page.goto(f"{base}/organization/members")
    screenshot("00-members-offer-the-buyer-side-800px")
    page.get_by_role("button", name="発注元としての利用を始める").click()
    page.wait_for_url(f"{base}/organization/members")
    assert "発注元としての利用を始めました" in page.locator(".flash").inner_text()
    switch = page.locator("form.side-switch")
    assert switch.get_by_role("button", name="発注元として").get_attribute("aria-pressed") == "true"
    nav = page.locator("header.top nav")
    assert nav.get_by_role("link", name="委託先", exact=True).is_visible()
    assert nav.get_by_role("link", name="評価依頼").is_visible()
    screenshot("01-members-as-buyer-800px")

    switch.get_by_role("button", name="委託先として").click()
    page.wait_for_url(f"{base}/")
    assert page.locator("form.side-switch button[aria-pressed=true]").inner_text() == "委託先として"
    assert nav.get_by_role("link", name="評価", exact=True).is_visible()
    assert nav.get_by_role("link", name="評価依頼").count() == 0
    assert "発注元としても活動しています" in page.locator("form.other-side").inner_text()
    screenshot("02-home-as-supplier-800px")
    # The header fits the page: nothing pushed past the right edge at 800 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 800

    page.locator("form.other-side").get_by_role("button").click()
    page.wait_for_url(f"{base}/")
    assert page.locator("form.side-switch button[aria-pressed=true]").inner_text() == "発注元として"
    assert "委託先としても活動しています" in page.locator("form.other-side").inner_text()
    screenshot("03-home-as-buyer-800px")
