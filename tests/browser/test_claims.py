"""A supplier's owner records its certificates and declarations in the browser; its accepted buyer sees the valid
ones on its page of the supplier, and a buyer still waiting for acceptance sees none."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from portal.accounts.operations import create_user
from portal.claims.models import Claim, ClaimKind
from portal.extensions import db
from portal.organizations.models import Role
from portal.organizations.operations import add_member, create_organization
from portal.suppliers.models import RelationshipStatus, Supplier, Tier
from tests.browser.test_first_steps import sign_in
from tests.browser.test_relationship_requests import sign_out
from tests.conftest import PASSWORD

OWNER = "owner@sakura.example.com"
PRIME = "admin@prime.example.com"
WAITING = "admin@denki.example.com"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def supplier_of_two_buyers(app: Any) -> tuple[int, int]:
    """さくら精機 supplies 元請株式会社 (accepted); デモ電機 has asked and waits. Their supplier ids."""
    with app.app_context():
        sakura = create_organization("さくら精機株式会社", by=None)
        add_member(sakura, create_user(email=OWNER, name="桜 花子", password=PASSWORD), Role.SUPPLIER_OWNER, by=None)
        ids = []
        for name, email, status in (
            ("元請株式会社", PRIME, RelationshipStatus.ACTIVE),
            ("デモ電機株式会社", WAITING, RelationshipStatus.REQUESTED),
        ):
            buyer = create_organization(name, by=None)
            add_member(buyer, create_user(email=email, name=name, password=PASSWORD), Role.BUYER_ADMIN, by=None)
            supplier = Supplier(
                buyer=buyer, organization=sakura, name="さくら精機", contact_email=OWNER, tier=Tier.T2, status=status
            )
            db.session.add(supplier)
            db.session.flush()
            ids.append(supplier.id)
        db.session.commit()
        return ids[0], ids[1]


def test_the_owner_records_claims_and_the_accepted_buyer_sees_the_valid_ones(live_app, page, screenshot, tmp_path):
    base = live_app.config["BASE_URL"]
    accepted_id, waiting_id = supplier_of_two_buyers(live_app)
    certificate = tmp_path / "isms-certificate.pdf"
    certificate.write_bytes(PDF)
    next_year = (date.today() + timedelta(days=400)).isoformat()

    sign_in(page, base, OWNER)
    page.get_by_role("link", name="認証・宣言").click()
    page.wait_for_url(f"{base}/claims/")
    page.get_by_role("link", name="ISMS (ISO/IEC 27001) 認証").click()
    page.get_by_label("認証登録番号").fill("IS 654321")
    page.get_by_label("認証機関").fill("日本品質保証機構")
    page.get_by_label("適用範囲").fill("本社および設計部門")
    page.get_by_role("button", name="保存").click()
    assert "有効期限を入力してください" in page.locator(".field.has-error").inner_text()
    screenshot("01-missing-date-next-to-its-field")
    page.get_by_label("有効期限").fill(next_year)
    page.get_by_label("証明書ファイル（任意）").set_input_files(str(certificate))
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{base}/claims/")
    assert "登録しました" in page.locator(".flash").inner_text()

    page.get_by_role("link", name="SCS評価制度 登録").click()
    page.get_by_label("登録番号").fill("SCS-3-00042")
    page.get_by_label("レベル").select_option(label="★3")
    page.get_by_label("有効期限").fill(next_year)
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{base}/claims/")
    page.get_by_role("link", name="SECURITY ACTION 自己宣言").click()
    page.get_by_label("自己宣言ID").fill("512345678")
    page.get_by_label("レベル").select_option(label="★★")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{base}/claims/")
    with live_app.app_context():  # a PrivacyMark recorded a while ago that has expired since
        sakura = db.session.scalars(db.select(Claim)).first()
        assert sakura is not None
        db.session.add(
            Claim(
                organization_id=sakura.organization_id,
                kind=ClaimKind.PRIVACY_MARK,
                number="10820123(04)",
                valid_until=date.today() - timedelta(days=3),
            )
        )
        db.session.commit()
    page.reload()
    rows = page.locator("table.claims tbody tr")
    assert rows.count() == 4
    assert page.locator("tr.is-expired").count() == 1
    assert "期限切れ" in page.locator("tr.is-expired").inner_text()
    assert "isms-certificate.pdf" in page.locator("table.claims").inner_text()
    screenshot("02-claims-page")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    sign_out(page)

    sign_in(page, base, PRIME)
    page.goto(f"{base}/suppliers/{accepted_id}")
    card = page.locator(".supplier-claims")
    text = card.inner_text()
    assert "IS 654321" in text and "SCS-3-00042" in text and "512345678" in text and "★★" in text
    assert "10820123(04)" not in text  # expired: not shown to buyers
    card.scroll_into_view_if_needed()
    screenshot("03-buyer-supplier-page")
    sign_out(page)

    sign_in(page, base, WAITING)
    page.goto(f"{base}/suppliers/{waiting_id}")
    assert page.locator(".supplier-claims").count() == 0
    assert "IS 654321" not in page.content()
