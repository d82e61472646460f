"""The chain on the buyer's supplier page in a real browser: an indented tree over three levels, grade badges in
the portfolio's colours, the weakest grade marked, 非公開 where a level is not shared; the list's weakest-link
column; screenshots at 1280 and 800 px."""

from __future__ import annotations

from typing import Any

from portal.accounts.operations import create_user
from portal.assessments.models import AssessmentState
from portal.catalog.operations import load_builtin_questionnaires
from portal.extensions import db
from portal.organizations.models import Role
from portal.organizations.operations import add_member
from portal.suppliers.models import Sharing
from tests.conftest import PASSWORD
from tests.portal.suppliers.chain_helpers import company, graded, link
from tests.workflow_fixtures import WORKFLOW_DEFINITION

#: The portfolio's grade colours (portfolio.css), as the browser computes them.
RED, BLUE = "rgb(215, 48, 39)", "rgb(69, 117, 180)"


def seed(app: Any) -> int:
    """元請 with two suppliers: one with a chain three levels deep (a level not shared at the bottom, one
    company only named and graded), one with nothing below; returns the first one's id."""
    from portal.catalog.operations import publish
    from questionnaires.loader import load_text

    with app.app_context():
        load_builtin_questionnaires()
        version, _ = publish(load_text(WORKFLOW_DEFINITION, "chain.yaml"), origin="import")
        prime = company("元請株式会社")
        admin = create_user(email="chain-admin@example.com", name="管理者", password=PASSWORD)
        add_member(prime, admin, Role.BUYER_ADMIN, by=None)
        first = link(prime, company("一次 北斗電子工業株式会社"), Sharing.FULL)
        graded(first, version, "B")
        graded(link(prime, company("単独 株式会社あおば物流")), version, "A")
        printing = link(first.organization, company("二次 有限会社いろは印刷"), Sharing.FULL)
        graded(printing, version, "C", state=AssessmentState.UNDER_REVIEW, actions=2)
        resin = link(first.organization, company("二次 株式会社かもめ樹脂"), Sharing.NAMES_AND_GRADES)
        graded(resin, version, "A")
        graded(link(printing.organization, company("三次 株式会社すばる精密"), Sharing.NOTHING), version, "D")
        graded(link(resin.organization, company("三次 有限会社みどり梱包")), version, "B")
        db.session.commit()
        return first.id


def test_the_chain_reads_at_a_glance(live_app, page, screenshot):
    supplier_id = seed(live_app)
    base = live_app.config["BASE_URL"]
    page.goto(f"{base}/sign-in")
    page.get_by_label("メールアドレス").fill("chain-admin@example.com")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/suppliers/{supplier_id}")
    card = page.locator("section.supplier-chain")
    card.scroll_into_view_if_needed()
    assert card.locator(".chain-node").count() == 6  # 1 + 2 + 2, and the 非公開 row under すばる精密
    assert card.locator(".chain-weakest").inner_text().startswith("最も低い評価: D")
    weakest = card.locator(".chain-node.is-weakest > .chain-row")
    assert "三次 株式会社すばる精密" in weakest.inner_text()
    assert weakest.locator(".grade-badge").evaluate("e => getComputedStyle(e).backgroundColor") == RED
    assert card.locator(".chain-node[data-depth='4'] .chain-private").inner_text() == "非公開"
    # かもめ樹脂 shares names and grades only: its supplier's state is not shown
    packing = card.locator(".chain-node[data-depth='3']", has_text="みどり梱包")
    assert "状態・是正処置: 非公開" in packing.inner_text()
    # each level sits further right than the one above
    left = [card.locator(f".chain-node[data-depth='{d}'] > .chain-row").first.bounding_box()["x"] for d in (1, 2, 3)]
    assert left[0] < left[1] < left[2]
    folder = screenshot("page").parent
    card.screenshot(path=str(folder / "chain-1280.png"))
    page.set_viewport_size({"width": 800, "height": 900})
    card.screenshot(path=str(folder / "chain-800.png"))

    page.goto(f"{base}/suppliers/")
    badges = page.locator("table.suppliers td.weakest .grade-badge")
    assert badges.all_inner_texts() == ["D", "A"]  # by name: 一次 (its chain's D), then 単独 (its own A)
    assert badges.nth(1).evaluate("e => getComputedStyle(e).backgroundColor") == BLUE
    screenshot("list")
