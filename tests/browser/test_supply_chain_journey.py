"""The supply chain over three levels, through the pages (issue 19).

Only the organisations, their logins and a published questionnaire are set up in Python. The prime's administrator
adds the tier-1 company (already on the portal: a relationship request its owner accepts) and sends it a T2 request;
the tier-1's owner, who also buys, adds its own subcontractor, passes the request down (委託先に展開) and sends the
draft; the tier-2's owner answers and submits; the tier-1 reviews it as a buyer, then answers its own request citing
the tier-2's assessment on a 委託先管理 item and submits; the prime reviews and its supplier page shows the chain
with the weakest grade. Each person works in a browser of their own; the suppliers' windows are 800 px wide.

The demo's "Done when": さくら精機's one login sees both buyers' requests in one inbox, and the prime's page of
つばさシステム shows the three-level chain with the weakest grade.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.assessments.models import Assessment, AssessmentState
from portal.catalog.operations import load_builtin_questionnaires, publish
from portal.demo import BUYER_NAME, DEMO_PASSWORD, SECOND_BUYER, SUPPLIERS, TIER1, TIER2, seed_demo
from portal.extensions import db
from portal.organizations.models import Role, Side
from portal.organizations.operations import create_organization, enable_side
from portal.scoring.dispatch import enqueue_scoring
from questionnaires import load_text
from tests.browser.conftest import OUTPUT, serve
from tests.browser.test_assessment_journey import PDF, answer, member, sign_in
from tests.workflow_fixtures import WORKFLOW_DEFINITION

pytestmark = [pytest.mark.browser, pytest.mark.both_databases]

PRIME, TIER1_OWNER, TIER2_OWNER = "admin@prime.example.com", "owner@ichiji.example.com", "owner@niji.example.com"

#: The workflow tests' short questionnaire with a 委託先管理 section whose items may cite sub-assessments (two answering
#: rounds stay fast).
_SCALES, _SECTIONS = WORKFLOW_DEFINITION.replace("workflow-check", "chain-journey").split("sections:")
CHAIN_DEFINITION = f"""{_SCALES}\
  applicability:
    choices:
      - {{code: "yes", label: {{ja: はい, en: "Yes"}}, value: null}}
      - {{code: "no", label: {{ja: いいえ, en: "No"}}, value: null}}
sections:{_SECTIONS}\
  - id: subcontractors
    title: {{ja: 委託先管理, en: Subcontractor management}}
    cites_subassessments: true
    items:
      - id: SUB-01
        tier: T1
        text: {{ja: 業務の一部を再委託していますか。, en: "Do you pass work on to subcontractors?"}}
        scale: applicability
      - id: SUB-02
        tier: T2
        text: {{ja: 再委託先にも同じ水準の対策を求めていますか。, en: "Do you require the same level of them?"}}
        scale: implementation
        condition: "SUB-01 == yes"
"""


@pytest.fixture
def live_app(tmp_path: Path, database_url: str) -> Iterator[Any]:
    """The journey on SQLite and on PostgreSQL (the chain is one recursive statement on each)."""
    yield from serve(tmp_path, database_url)


@pytest.fixture
def window(page: Any) -> Callable[[int], Any]:
    """Another person's browser (a context of its own, so each stays signed in), ``width`` px wide."""

    def open_window(width: int) -> Any:
        context = page.context.browser.new_context(locale="ja-JP", viewport={"width": width, "height": 900})
        other = context.new_page()
        other.set_default_timeout(15000)
        return other

    return open_window


@pytest.fixture
def shoot(request: pytest.FixtureRequest) -> Callable[[Any, str], None]:
    """A full-page screenshot of any person's window, in this test's folder."""
    folder = OUTPUT / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    return lambda window, name: window.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def three_companies(app: Any) -> None:
    """The prime (its administrator), the tier-1 company (its owner also runs its buyer side) and the tier-2 company
    (its owner); none buys from another yet. The questionnaire is published."""
    with app.app_context():
        publish(load_text(CHAIN_DEFINITION, "chain.yaml"), origin="import")
        member(create_organization("元請重工株式会社", by=None), PRIME, "元請 一郎", Role.BUYER_ADMIN)
        tier1 = create_organization("一次製作所株式会社", by=None)
        enable_side(tier1, Side.BUYER, by=member(tier1, TIER1_OWNER, "一次 花子", Role.SUPPLIER_OWNER))
        member(create_organization("二次工業株式会社", by=None), TIER2_OWNER, "二次 次郎", Role.SUPPLIER_OWNER)
        db.session.commit()


def act_as(window: Any, side: str) -> None:
    """Switch the navigation's side (発注元として / 委託先として) unless the window already acts on it."""
    button = window.locator("form.side-switch").get_by_role("button", name=side)
    if button.get_attribute("aria-pressed") != "true":
        button.click()
        expect(window.locator("form.side-switch button[aria-pressed=true]")).to_have_text(side)


def add_supplier(window: Any, base: str, name: str, email: str) -> None:
    """On the add-supplier page: the company is already on the portal, so this is a request it must accept."""
    window.goto(f"{base}/suppliers/new")
    window.get_by_label("委託先名").fill(name)
    window.get_by_label("担当者のメールアドレス").fill(email)
    window.get_by_role("button", name="登録して招待").click()
    window.wait_for_url(re.compile(r"/suppliers/\d+$"))
    expect(window.locator(".relationship-status")).to_contain_text("承認待ち")


def accept_buyer(window: Any, base: str, buyer: str) -> None:
    window.goto(f"{base}/")
    window.locator(".relationship-requests-notice a").click()
    window.wait_for_url(f"{base}/relationships/")
    request = window.locator("table.requests tbody tr", has_text=buyer)
    request.get_by_role("button", name="承認").click()
    expect(window.locator("table.buyers tbody")).to_contain_text(buyer)


def submit(window: Any, assessment_url: str) -> None:
    window.goto(assessment_url + "/submit")
    window.check("input[name=confirm]")
    window.click("form button.primary")
    window.wait_for_url(assessment_url)


def open_review(window: Any, base: str, campaign: str, supplier: str) -> None:
    """From the buyer's home: the campaign, then the supplier's row, opens the review page."""
    window.goto(f"{base}/")
    window.locator("table.campaigns a", has_text=campaign).click()
    window.locator("table.list tbody tr", has_text=supplier).get_by_role("link", name="開く").click()
    window.wait_for_url(re.compile(r"/review/\d+$"))


def decide(window: Any, outcome: str) -> None:
    """On the review page: the outcome, without deciding item by item (confirmed in the dialog)."""
    window.check(f"input[name=outcome][value={outcome}]")
    window.click("#outcome form[action$='/outcome'] button")
    window.click("#confirm-dialog button[value=yes]")
    expect(window.locator("#recorded-outcome")).to_be_visible()


def test_three_levels_through_the_pages(live_app, page, window, screenshot, shoot, tmp_path):
    base = live_app.config["BASE_URL"]
    three_companies(live_app)
    prime, tier1, tier2 = page, window(800), window(800)
    for person, email in ((prime, PRIME), (tier1, TIER1_OWNER), (tier2, TIER2_OWNER)):
        sign_in(person, base, email)

    # The prime asks the tier-1 company, which accepts; the tier-1, as a buyer, asks its subcontractor likewise.
    add_supplier(prime, base, "一次製作所", TIER1_OWNER)
    tier1.goto(f"{base}/")
    shoot(tier1, "00-tier1-home-with-the-request")
    accept_buyer(tier1, base, "元請重工株式会社")
    shoot(tier1, "01-tier1-accepts-the-prime")
    act_as(tier1, "発注元として")
    add_supplier(tier1, base, "二次工業", TIER2_OWNER)
    accept_buyer(tier2, base, "一次製作所株式会社")

    # The prime sends its T2 request.
    prime.goto(f"{base}/campaigns/new")
    prime.fill("input[name=name]", "2026年度 取引先確認")
    prime.select_option("select[name=tier]", "T2")
    prime.fill("input[name=due_date]", (date.today() + timedelta(days=40)).isoformat())
    prime.get_by_label("一次製作所").check()
    prime.click("form button.primary")
    prime.wait_for_url(re.compile(r"/campaigns/\d+$"))
    prime.get_by_role("link", name="委託先に送付…").click()
    prime.click("form.launch button")
    prime.wait_for_url(re.compile(r"/campaigns/\d+$"))
    screenshot("02-prime-sent-the-request")

    # The tier-1 opens it from its inbox and passes it down to its subcontractor.
    act_as(tier1, "委託先として")
    tier1.goto(f"{base}/assessments/")
    row = tier1.locator("table.list tbody tr", has_text="元請重工株式会社")
    shoot(tier1, "03-tier1-inbox")
    row.get_by_role("link", name="開く").click()
    tier1.wait_for_url(re.compile(r"/assessments/\d+$"))
    received_url = tier1.url
    received = received_url.rsplit("/", 1)[-1]
    tier1.locator("#flow-down").get_by_role("link", name="委託先に展開").click()
    tier1.wait_for_url(f"{received_url}/flow-down")
    expect(tier1.locator("select[name=tier]")).to_have_value("T2")
    tier1.get_by_label("二次工業").check()
    shoot(tier1, "04-tier1-flow-down-form")
    tier1.get_by_role("button", name="下書きとして保存").click()
    expect(tier1.locator(".flow-down-origin")).to_have_text(f"元請重工株式会社からの依頼（評価 #{received}）を展開")
    tier1.get_by_role("link", name="委託先に送付…").click()
    tier1.get_by_role("button", name="委託先に送付").click()
    tier1.wait_for_url(re.compile(r"/campaigns/\d+$"))
    shoot(tier1, "05-tier1-sent-the-flow-down")

    # The tier-2 answers and submits: half done, so its grade is the chain's weakest (C).
    tier2.goto(f"{base}/assessments/")
    row = tier2.locator("table.list tbody tr", has_text="一次製作所株式会社")
    row.get_by_role("link", name="開く").click()
    tier2.wait_for_url(re.compile(r"/assessments/\d+$"))
    sub_url = tier2.url
    answers = (("POL-01", "no"), ("POL-02", "partial"), ("STF-01", "yes"), ("STF-02", "partial"), ("SUB-01", "no"))
    for item_id, code in answers:
        answer(tier2, item_id, code)
    shoot(tier2, "06-tier2-answers")
    submit(tier2, sub_url)

    # The tier-1 reviews it as a buyer and accepts it.
    act_as(tier1, "発注元として")
    tier1.goto(f"{base}/")
    shoot(tier1, "07-tier1-home-as-a-buyer")
    open_review(tier1, base, "（再委託先への展開）", "二次工業")
    expect(tier1.locator(".score-pair")).to_contain_text("評価ランク C")
    decide(tier1, "accept")
    shoot(tier1, "08-tier1-reviewed-the-subcontractor")

    # The tier-1 answers its own request, citing the subcontractor's assessment on 委託先管理, and submits.
    act_as(tier1, "委託先として")
    tier1.goto(received_url)
    expect(tier1.locator("#flow-down")).to_contain_text("二次工業")
    answer(tier1, "POL-01", "yes")
    policy = tmp_path / "基本方針.pdf"
    policy.write_bytes(PDF)
    tier1.set_input_files("#item-POL-01 input[type=file]", str(policy))
    tier1.click("#item-POL-01 form.upload button")
    expect(tier1.locator("#item-POL-01")).to_contain_text("基本方針.pdf")
    answers = (("POL-02", "yes"), ("STF-01", "yes"), ("STF-02", "no"), ("SUB-01", "yes"), ("SUB-02", "yes"))
    for item_id, code in answers:
        answer(tier1, item_id, code)
    citations = tier1.locator("#item-SUB-02 .citations")
    with tier1.expect_response(lambda r: "/items/SUB-02/citations" in r.url and r.status == 200):
        citations.get_by_role("button", name="引用する").click()
    expect(citations.locator(".cited")).to_contain_text("二次工業")
    shoot(tier1, "09-tier1-cites-the-subcontractor")
    submit(tier1, received_url)

    # The prime reviews; its page of the tier-1 supplier shows the chain, the tier-2's C the weakest.
    open_review(prime, base, "2026年度 取引先確認", "一次製作所")
    expect(prime.locator("#item-SUB-02 .review-citations")).to_contain_text("委託先 二次工業 の評価: 評価ランク C")
    screenshot("10-prime-review")
    decide(prime, "accept")
    prime.goto(f"{base}/suppliers/")
    expect(prime.locator("table.suppliers td.weakest .grade-badge")).to_have_text("C")
    prime.locator("table.suppliers a", has_text="一次製作所").click()
    chain = prime.locator("section.supplier-chain")
    expect(chain.locator(".chain-node")).to_have_count(2)
    expect(chain.locator(".chain-weakest")).to_contain_text("最も低い評価: C")
    tier1_row = chain.locator(".chain-node[data-depth='1'] > .chain-row")
    expect(tier1_row.locator(".grade-badge")).to_have_text("B")
    expect(tier1_row.locator(".chain-state")).to_have_text("承認")
    weakest = chain.locator(".chain-node.is-weakest > .chain-row")
    expect(weakest).to_contain_text("二次工業")
    expect(weakest.locator(".chain-private")).to_be_visible()  # the tier-1 shares names and grades (the default)
    screenshot("11-prime-supplier-page")
    prime.set_viewport_size({"width": 800, "height": 900})
    screenshot("12-prime-supplier-page-800px")
    assert prime.evaluate("document.documentElement.scrollWidth") <= 800


def test_the_demo_is_done(live_app, page, screenshot):
    """One supplier login sees both buyers' requests in one inbox; the prime sees a three-level chain."""
    base = live_app.config["BASE_URL"]
    with live_app.app_context():
        load_builtin_questionnaires()
        seed_demo()
        db.session.commit()
        # As `flask portal seed-demo` does: the submitted answers are scored.
        submitted = sa.select(Assessment.id).where(Assessment.state == AssessmentState.SUBMITTED)
        for assessment_id in db.session.scalars(submitted).all():
            enqueue_scoring(assessment_id)

    sign_in(page, base, SUPPLIERS[0][1], DEMO_PASSWORD)
    page.goto(f"{base}/assessments/")
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(2)
    buyers = {row.locator("td").first.inner_text() for row in rows.all()}
    assert buyers == {BUYER_NAME, SECOND_BUYER[0]}
    screenshot("01-one-inbox-two-buyers")
    page.click("form[action='/sign-out'] button")

    sign_in(page, base, "admin@demo.example.com", DEMO_PASSWORD)
    page.goto(f"{base}/suppliers/")
    page.locator("table.suppliers a", has_text=TIER1[0]).click()
    chain = page.locator("section.supplier-chain")
    expect(chain.locator(".chain-node")).to_have_count(2)
    expect(chain.locator(".chain-node.is-weakest > .chain-row")).to_contain_text(TIER2[0])
    expect(chain.locator(".chain-weakest")).to_have_text(re.compile(rf"最も低い評価: ([A-D])\s*{TIER2[0]}"))
    screenshot("02-prime-sees-the-chain")
