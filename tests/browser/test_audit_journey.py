"""The whole audit cycle in the browser, in Japanese, with screenshots.

An auditor plans an audit of a supplier that has submitted its answers, conducts it on a tablet-sized
screen (one result entered while the connection is down is kept and sent when it is back), adds a
photo, closes it with a finding; the supplier answers the corrective action with a plan and a file;
the auditor verifies and closes it and asks for the Excel audit report.
"""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.audits.models import Audit, AuditItemResult
from portal.audits.operations import close_audit
from portal.campaigns.models import Campaign
from portal.campaigns.operations import CampaignInput, create_campaign, launch_campaign
from portal.catalog.operations import publish
from portal.extensions import db
from portal.organizations.models import Role
from portal.organizations.operations import create_organization
from portal.suppliers.models import Supplier, Tier
from questionnaires import load_text
from tests.browser.actions import accept_the_plan_and_send_evidence
from tests.browser.test_assessment_journey import member, sign_in, sign_out
from tests.workflow_fixtures import WORKFLOW_DEFINITION, planned_audit, submit_answers

pytestmark = pytest.mark.browser
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def record(page, item_id, result):
    with page.expect_response(lambda r: f"/items/{item_id}" in r.url and r.status == 200):
        page.locator(f"#item-{item_id} input[name=result][value={result}]").check()


def submitted_supplier(live_app):
    """The auditor's buyer and a supplier whose answers are submitted (POL-01 with a comment "規程あり");
    returns the supplier's and the auditor's ids."""
    with live_app.app_context():
        buyer = create_organization("監査発注株式会社", by=None)
        auditor = member(buyer, "auditor@audit.example.com", "監査 一郎", Role.AUDITOR)
        admin = member(buyer, "admin@audit.example.com", "管理 花子", Role.BUYER_ADMIN)
        version, _ = publish(load_text(WORKFLOW_DEFINITION, "w.yaml"), origin="import")
        organization = create_organization("株式会社オーディット", by=None)
        owner = member(organization, "owner@audit.example.com", "委託 次郎", Role.SUPPLIER_OWNER)
        supplier = Supplier(
            buyer=buyer, organization=organization, name=organization.name, contact_email=owner.email, tier=Tier.T1
        )
        db.session.add(supplier)
        db.session.flush()
        campaign = create_campaign(
            buyer,
            CampaignInput(
                name="2026年度 確認",
                questionnaire_version_id=version.id,
                due_date=date.today() + timedelta(days=20),
                supplier_ids=[supplier.id],
            ),
            by=admin,
            today=date.today(),
        )
        (assessment,) = launch_campaign(campaign, by=admin)
        submit_answers(assessment, owner, {"POL-01": "yes", "STF-01": "yes", "STF-02": "yes"}, comment="規程あり")
        return supplier.id, auditor.id


def test_plan_conduct_close_and_follow_up_an_audit(live_app, page, screenshot, tmp_path):
    base = live_app.config["BASE_URL"]
    submitted_supplier(live_app)
    sign_in(page, base, "auditor@audit.example.com")
    page.goto(f"{base}/audits/")
    page.click("text=監査を計画")
    page.select_option("select[name=supplier_id]", label="株式会社オーディット")
    page.check("input[name=mode][value=on_site]")
    page.fill("input[name=planned_date]", (date.today() + timedelta(days=5)).isoformat())
    page.fill("textarea[name=participants]", "監査 一郎、委託 次郎")
    screenshot("01-plan")
    page.click("form button.primary")
    page.wait_for_url(re.compile(r"/audits/\d+$"))
    audit_url = page.url
    screenshot("02-planned")

    page.set_viewport_size({"width": 820, "height": 1180})  # a tablet held upright
    page.click("text=監査を実施")
    page.wait_for_url(audit_url + "/conduct")
    assert "規程あり" in page.content()
    record(page, "POL-01", "verified")
    record(page, "STF-01", "observation")
    with page.expect_response(lambda r: "/items/STF-01" in r.url and r.status == 200):
        page.fill("#item-STF-01 textarea[name=note]", "教育記録は紙のみ")
        page.locator("#item-STF-01 textarea[name=note]").blur()
    photo = tmp_path / "入口.png"
    photo.write_bytes(PNG)
    page.set_input_files("#item-STF-02 input[type=file]", str(photo))
    page.click("#item-STF-02 form.photos button")
    page.wait_for_url(re.compile(r"/conduct"))
    assert "入口.png" in page.content()

    # The connection drops on the shop floor: the entry is kept and sent once it is back.
    page.context.set_offline(True)
    page.locator("#item-STF-02 input[name=result][value=not_verified]").check()
    page.wait_for_selector("#item-STF-02 .status.is-error")
    screenshot("03-conduct-offline")
    with page.expect_response(lambda r: "/items/STF-02" in r.url and r.status == 200):
        page.context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
    with live_app.app_context():
        results = dict(db.session.execute(sa.select(AuditItemResult.item_id, AuditItemResult.result)).all())
    assert {k: str(v) for k, v in results.items()} == {
        "POL-01": "verified",
        "STF-01": "observation",
        "STF-02": "not_verified",
    }
    screenshot("04-conduct")

    page.set_viewport_size({"width": 1280, "height": 860})
    page.goto(audit_url)
    page.select_option("select[name=severity_0]", "major")
    page.select_option("select[name=item_0]", "STF-02")
    page.fill("textarea[name=description_0]", "退職者のアカウントが残っている")
    page.fill("input[name=owner_0]", "委託 次郎")
    page.fill("input[name=due_0]", (date.today() + timedelta(days=30)).isoformat())
    page.fill("textarea[name=summary]", "社内向けのまとめ")
    screenshot("05-close")
    page.click("#close form button.primary")
    page.wait_for_url(audit_url)
    assert "退職者のアカウントが残っている" in page.content()
    sign_out(page)

    sign_in(page, base, "owner@audit.example.com")
    page.goto(audit_url)
    content = page.content()
    assert "退職者のアカウントが残っている" in content and "社内向けのまとめ" not in content
    assert "教育記録は紙のみ" not in content
    screenshot("06-supplier-finding")
    page.click("table a[href*='/actions/']")
    page.fill("textarea[name=plan]", "月末までに棚卸しして削除します")
    pdf = tmp_path / "削除記録.pdf"
    pdf.write_bytes(PDF)
    page.set_input_files("input[name=files]", str(pdf))
    page.click("form button.primary")
    page.wait_for_load_state()
    assert "削除記録.pdf" in page.content()
    screenshot("07-supplier-plan")
    action_url = page.url
    sign_out(page)

    sign_in(page, base, "auditor@audit.example.com")
    accept_the_plan_and_send_evidence(
        page,
        base,
        action_url,
        buyer_email="auditor@audit.example.com",
        supplier_email="owner@audit.example.com",
        note="棚卸しして削除しました",
    )
    page.fill("#verification textarea[name=comment]", "削除を確認")
    page.click("#verification button.primary")
    page.wait_for_load_state()
    screenshot("08-action-closed")
    page.goto(audit_url)
    page.click("form[action$='/export'] button")
    page.wait_for_selector("text=ダウンロード")
    screenshot("09-report-ready")
    with page.expect_download() as download:
        page.click("text=ダウンロード")
    assert download.value.suggested_filename.endswith(".xlsx")


def test_a_closed_audit_is_read_only_and_drops_what_the_device_kept(live_app, page, screenshot):
    base = live_app.config["BASE_URL"]
    supplier_id, auditor_id = submitted_supplier(live_app)
    with live_app.app_context():
        campaign = db.session.scalar(sa.select(Campaign))
        audit = planned_audit(campaign, db.session.get(Supplier, supplier_id))
        db.session.commit()
        audit_id = audit.id
    sign_in(page, base, "auditor@audit.example.com")
    page.set_viewport_size({"width": 820, "height": 1180})
    page.goto(f"{base}/audits/{audit_id}/conduct")
    record(page, "POL-01", "verified")

    # Offline, the auditor enters a result; meanwhile a colleague closes the audit.
    page.context.set_offline(True)
    page.locator("#item-STF-01 input[name=result][value=not_verified]").check()
    page.fill("#item-STF-01 textarea[name=note]", "鍵の管理簿なし")
    page.wait_for_selector("#item-STF-01 .status.is-error")
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('audit-entry:')).length") == 1
    with live_app.app_context():
        close_audit(db.session.get(Audit, audit_id), [], None, by=db.session.get(User, auditor_id), today=date.today())
        db.session.commit()

    # Back online, the server refuses the kept entry as closed: it is dropped, with a message saying what it was.
    with page.expect_response(lambda r: "/items/STF-01" in r.url and r.status == 409):
        page.context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
    status = page.locator("#item-STF-01 .status.is-error")
    status.wait_for()
    assert "この監査は完了" in page.locator("#audit-closed").inner_text()
    assert "未確認" in status.inner_text() and "鍵の管理簿なし" in status.inner_text()
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('audit-entry:')).length") == 0
    assert page.locator("#item-STF-02 input[name=result]:enabled").count() == 0
    screenshot("01-refused-as-closed")

    # Opened again, the closed audit is read-only: no field to change, no button to save.
    page.reload()
    assert page.locator("#audit-closed").is_visible()
    assert (
        page.locator("main input:enabled:not([type=hidden]), main button, main textarea:not([readonly])").count() == 0
    )
    assert page.locator("#item-POL-01 input[name=result][value=verified]").is_checked()
    screenshot("02-closed-read-only")
    with live_app.app_context():
        results = dict(db.session.execute(sa.select(AuditItemResult.item_id, AuditItemResult.result)).all())
    assert {k: str(v) for k, v in results.items()} == {"POL-01": "verified"}
