"""The whole assessment journey in the browser, in Japanese, with screenshots of the main pages.

A buyer launches a campaign; the supplier follows the invitation from the outbox, answers every item,
uploads a file and submits; the reviewer returns one item; the supplier fixes it; the reviewer accepts
with conditions; the supplier answers the corrective action with a plan, the reviewer accepts it, the supplier
sends evidence of the fix and the reviewer closes it.
"""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.accounts.operations import create_user
from portal.catalog.operations import publish
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.organizations.models import Role
from portal.organizations.operations import add_member, create_organization
from portal.suppliers.operations import add_supplier
from questionnaires import load_text
from tests.browser.actions import accept_the_plan_and_send_evidence
from tests.workflow_fixtures import WORKFLOW_DEFINITION

pytestmark = pytest.mark.browser
PASSWORD = "browser password 1"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def member(organization, email, name, role):
    """A person who has joined ``organization`` in ``role``, with the browser tests' password."""
    user = create_user(email=email, name=name, password=PASSWORD)
    add_member(organization, user, role, by=None)
    return user


def sign_in(page, base, email, password=PASSWORD):
    page.goto(f"{base}/sign-in")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")


def sign_out(page):
    page.click("form[action='/sign-out'] button")


def answer(page, item_id, code, **texts):
    radio = page.locator(f"#item-{item_id} input[name=code][value={code}]")
    if not radio.is_checked():
        with page.expect_response(lambda r: f"/items/{item_id}" in r.url and r.status == 200):
            radio.check()
    for name, text in texts.items():
        with page.expect_response(lambda r: f"/items/{item_id}" in r.url and r.status == 200):
            page.fill(f"#item-{item_id} textarea[name={name}]", text)
            page.locator(f"#item-{item_id} textarea[name={name}]").blur()


def test_campaign_to_closed_corrective_action(live_app, page, screenshot, tmp_path):
    base = live_app.config["BASE_URL"]
    with live_app.app_context():
        buyer = create_organization("ブラウザ発注株式会社", by=None)
        admin = member(buyer, "buyer@journey.example.com", "発注 太郎", Role.BUYER_ADMIN)
        publish(load_text(WORKFLOW_DEFINITION, "w.yaml"), origin="import")
        add_supplier(buyer, name="株式会社ジャーニー", contact_email="tanto@journey.example.com", tier="T1", by=admin)
        db.session.commit()

    sign_in(page, base, "buyer@journey.example.com")
    page.goto(f"{base}/campaigns/new")
    page.fill("input[name=name]", "2026年度 取引先確認")
    page.fill("input[name=due_date]", (date.today() + timedelta(days=30)).isoformat())
    page.check("input[name=supplier_ids]")
    screenshot("01-new-campaign")
    page.click("form button.primary")
    page.wait_for_url(re.compile(r"/campaigns/\d+$"))
    screenshot("02-preview")
    page.get_by_role("link", name="委託先に送付…").click()  # sending asks for a confirmation first
    page.wait_for_url(re.compile(r"/launch$"))
    page.click("form.launch button")
    page.wait_for_url(re.compile(r"/campaigns/\d+$"))
    screenshot("03-campaign-sent")
    sign_out(page)

    with live_app.app_context():
        bodies = db.session.scalars(
            sa.select(OutboxMessage.body).where(OutboxMessage.recipient == "tanto@journey.example.com")
        ).all()
    # The invitation sent when the supplier was added: the launch e-mail points to it (it is still valid).
    link = re.search(r"https?://\S+/invitations/\S+", "\n".join(bodies)).group(0)
    page.goto(link)
    page.fill("input[name=name]", "担当 花子")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=confirm]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert page.locator("html").get_attribute("lang") == "ja"
    screenshot("04-supplier-home")
    page.click("text=2026年度 取引先確認")
    page.wait_for_url(re.compile(r"/assessments/\d+$"))
    assessment_url = page.url

    answer(page, "POL-01", "yes")
    pdf = tmp_path / "基本方針.pdf"
    pdf.write_bytes(PDF)
    page.set_input_files("#item-POL-01 input[type=file]", str(pdf))
    page.click("#item-POL-01 form.upload button")
    page.wait_for_url(re.compile(r"/assessments/\d+"))
    answer(page, "STF-01", "yes", comment="年2回の研修を実施")
    answer(page, "STF-02", "partial")
    screenshot("05-answering")
    page.goto(assessment_url + "/submit")
    page.check("input[name=confirm]")
    screenshot("06-submit")
    page.click("form button.primary")
    page.wait_for_url(assessment_url)
    sign_out(page)

    assessment_id = assessment_url.rsplit("/", 1)[-1]
    sign_in(page, base, "buyer@journey.example.com")
    page.goto(f"{base}/review/{assessment_id}")
    assert "基本方針.pdf" in page.content()
    page.check("#item-STF-02 input[name=decision][value=clarification]")
    with page.expect_response(lambda r: r.url.endswith("/items/STF-02") and r.status == 200):
        page.fill("#item-STF-02 input[name=comment]", "一部実施の内容を具体的に教えてください")
        page.press("#item-STF-02 input[name=comment]", "Enter")  # saved as it is made
    screenshot("07-review")
    page.click("form[action$='/return'] button")
    sign_out(page)

    sign_in(page, base, "tanto@journey.example.com")
    page.goto(assessment_url)
    assert "一部実施の内容を具体的に教えてください" in page.content()
    answer(page, "STF-02", "partial", comment="退職時の削除手順を作成中です")
    screenshot("08-clarification")
    page.goto(assessment_url + "/submit")
    page.check("input[name=confirm]")
    page.click("form button.primary")
    page.wait_for_url(assessment_url)
    sign_out(page)

    sign_in(page, base, "buyer@journey.example.com")
    page.goto(f"{base}/review/{assessment_id}")
    page.check("#item-STF-02 input[name=decision][value=nonconforming]")
    with page.expect_response(lambda r: r.url.endswith("/items/STF-02") and r.status == 200):
        page.fill("#item-STF-02 input[name=comment]", "手順書の完成をもって是正としてください")
        page.press("#item-STF-02 input[name=comment]", "Enter")
    page.check("input[name=outcome][value=accept_with_conditions]")
    page.fill("input[name='owner_STF-02']", "担当 花子")
    page.fill("input[name='due_STF-02']", (date.today() + timedelta(days=60)).isoformat())
    page.click("#outcome form[action$='/outcome'] button")
    page.click("#confirm-dialog button[value=yes]")  # POL-01 and STF-01 were left undecided
    page.wait_for_url(re.compile(rf"/review/{assessment_id}"))
    screenshot("09-decided")
    assert page.locator(".score-pair").count() == 1
    sign_out(page)

    sign_in(page, base, "tanto@journey.example.com")
    page.goto(f"{base}/actions/")
    page.click("table.list a")
    page.fill("textarea[name=plan]", "来月末までに手順書を整備し、提出します")
    page.click("form[action$='/plan'] button")
    screenshot("10-action-plan")
    action_url = page.url
    sign_out(page)

    sign_in(page, base, "buyer@journey.example.com")
    accept_the_plan_and_send_evidence(
        page,
        base,
        action_url,
        buyer_email="buyer@journey.example.com",
        supplier_email="tanto@journey.example.com",
        note="手順書を整備し、社内に周知しました",
    )
    page.fill("#verification textarea[name=comment]", "手順書と周知を確認しました")
    page.click("#verification button.primary")
    screenshot("11-action-closed")
    assert "手順書と周知を確認しました" in page.content()
