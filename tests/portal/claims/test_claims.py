"""Certificates and declarations: recorded once by the supplier, checked per kind, shown valid to accepted buyers."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from portal.activity.models import ActivityEntry
from portal.claims.models import Claim, ClaimKind
from portal.claims.operations import ClaimFields, ClaimInvalid, record_claim
from portal.evidence.models import Evidence
from portal.extensions import db
from portal.suppliers.models import RelationshipStatus
from tests.conftest import sign_in
from tests.portal.api.helpers import token_for
from tests.portal.campaigns.helpers import count_rows
from tests.portal.relationships.helpers import request_from

pytestmark = pytest.mark.both_databases

TODAY = date.today()
NEXT_YEAR = TODAY + timedelta(days=365)
ISMS = {"number": "IS 123456", "certification_body": "日本品質保証機構", "scope": "本社 設計部門", "valid_until": ""}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def isms(**changes: str) -> dict[str, str]:
    return {**ISMS, "valid_until": NEXT_YEAR.isoformat(), **changes}


def record(organization, owner, kind, **fields):
    claim = record_claim(organization, kind, ClaimFields(**fields), by=owner, today=TODAY)
    db.session.commit()
    return claim


def test_the_owner_records_each_kind_with_a_file_and_sees_them(client, make_buyer, make_supplier):
    buyer, _ = make_buyer()
    supplier, owner = make_supplier(buyer)
    sign_in(client, owner.email)
    page = client.get("/claims/")
    assert page.status_code == 200 and "認証・宣言" in page.text and "まだ登録されていません" in page.text
    assert 'href="/claims/"' in client.get("/").text  # the navigation links it

    form = {**isms(), "file": (io.BytesIO(PDF), "isms.pdf")}
    response = client.post("/claims/new/isms", data=form, content_type="multipart/form-data")
    assert response.status_code == 302
    assert client.post(
        "/claims/new/privacy_mark", data={"number": "10820123(05)", "valid_until": NEXT_YEAR.isoformat()}
    ).status_code == (302)
    assert client.post("/claims/new/security_action", data={"number": "５12345678", "level": "2"}).status_code == 302
    scs = {"number": "SCS-4-0001", "level": "4", "evaluator": "評価機関A", "valid_until": NEXT_YEAR.isoformat()}
    assert client.post("/claims/new/meti_scs", data=scs).status_code == 302

    claims = {c.kind: c for c in db.session.scalars(sa.select(Claim))}
    assert set(claims) == set(ClaimKind)
    assert claims[ClaimKind.ISMS].evidence is not None and claims[ClaimKind.ISMS].evidence.filename == "isms.pdf"
    assert claims[ClaimKind.SECURITY_ACTION].number == "512345678"  # full-width digits read as digits
    assert claims[ClaimKind.SECURITY_ACTION].valid_until is None
    assert (claims[ClaimKind.METI_SCS].level, claims[ClaimKind.METI_SCS].evaluator) == (4, "評価機関A")
    assert all(c.organization_id == supplier.organization_id for c in claims.values())
    page = client.get("/claims/").text
    assert "ISMS (ISO/IEC 27001) 認証" in page and "★★" in page and "isms.pdf" in page and "期限なし" in page
    actions = db.session.scalars(sa.select(ActivityEntry.action).where(ActivityEntry.subject_type == "claim"))
    assert sorted(actions) == ["claim.recorded"] * 4


@pytest.mark.parametrize(
    ("kind", "form", "field", "message"),
    [
        ("isms", isms(certification_body=""), "certification_body", "この項目を入力してください"),
        ("isms", isms(scope=" "), "scope", "この項目を入力してください"),
        ("isms", isms(valid_until=""), "valid_until", "有効期限を入力してください"),
        ("isms", isms(valid_until=(TODAY - timedelta(days=1)).isoformat()), "valid_until", "この日付は過ぎています"),
        ("isms", isms(valid_until=(TODAY + timedelta(days=4000)).isoformat()), "valid_until", "10年以上先"),
        ("isms", isms(number="IS\u202e123"), "number", "見えない制御文字"),
        ("isms", isms(number="認証;DROP"), "number", "英字・数字・空白"),
        ("privacy_mark", {"number": "", "valid_until": NEXT_YEAR.isoformat()}, "number", "この項目を入力してください"),
        ("security_action", {"number": "12ab", "level": "1"}, "number", "6〜20桁の数字"),
        ("security_action", {"number": "512345678", "level": ""}, "level", "レベルを選んでください"),
        ("meti_scs", {"number": "S-1", "level": "4", "valid_until": NEXT_YEAR.isoformat()}, "evaluator", "この項目"),
        ("meti_scs", {"number": "S-1", "level": "3"}, "valid_until", "有効期限を入力してください"),
    ],
)
def test_bad_input_is_said_next_to_its_field_and_nothing_is_stored(
    client, make_buyer, make_supplier, kind, form, field, message
):
    buyer, _ = make_buyer()
    _, owner = make_supplier(buyer)
    sign_in(client, owner.email)
    response = client.post(f"/claims/new/{kind}", data=form)
    assert response.status_code == 400
    text = response.text
    assert message in text
    # the message sits in the field's own block, the one holding the field's input
    block = text[text.index(f'id="{field}"') :]
    assert message in block[: block.index("</div>")]
    assert count_rows(Claim) == 0


def test_a_level_of_another_kind_a_duplicate_and_a_refused_file_store_nothing(client, make_buyer, make_supplier):
    buyer, _ = make_buyer()
    supplier, owner = make_supplier(buyer)
    record(supplier.organization, owner, ClaimKind.SECURITY_ACTION, number="512345678", level=1)
    sign_in(client, owner.email)
    wrong_level = client.post("/claims/new/security_action", data={"number": "612345678", "level": "3"})
    assert wrong_level.status_code == 400
    again = client.post("/claims/new/security_action", data={"number": "512345678", "level": "2"})
    assert again.status_code == 400 and "すでに登録されています" in again.text
    script = {**isms(), "file": (io.BytesIO(b"#!/bin/sh\necho hi\n"), "run.sh")}
    refused = client.post("/claims/new/isms", data=script, content_type="multipart/form-data")
    assert refused.status_code == 400 and "この種類のファイルは" in refused.text
    assert count_rows(Claim) == 1 and count_rows(Evidence) == 0
    with pytest.raises(ClaimInvalid) as invalid:
        record_claim(
            supplier.organization, ClaimKind.ISMS, ClaimFields(number="X", valid_until=NEXT_YEAR), by=owner, today=TODAY
        )
    assert invalid.value.field == "certification_body"


def test_the_database_refuses_a_row_missing_what_its_kind_needs(app, make_buyer, make_supplier):
    buyer, _ = make_buyer()
    supplier, _ = make_supplier(buyer)
    incomplete = [
        {"kind": ClaimKind.ISMS, "valid_until": NEXT_YEAR},  # no body, no scope
        {"kind": ClaimKind.SECURITY_ACTION, "level": 3},
        {"kind": ClaimKind.METI_SCS, "level": 4, "valid_until": NEXT_YEAR},  # ★4 without its evaluator
        {"kind": ClaimKind.PRIVACY_MARK},  # no date
    ]
    for fields in incomplete:
        with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
            db.session.add(Claim(organization_id=supplier.organization_id, number="1", **fields))
    assert count_rows(Claim) == 0


def test_the_owner_changes_and_deletes_a_claim_and_a_responder_only_reads(client, make_buyer, make_supplier, make_user):
    buyer, _ = make_buyer()
    supplier, owner = make_supplier(buyer)
    claim = record(supplier.organization, owner, ClaimKind.METI_SCS, number="S-1", level=3, valid_until=NEXT_YEAR)
    sign_in(client, owner.email)
    form = client.get(f"/claims/{claim.id}/edit")
    assert form.status_code == 200 and 'value="S-1"' in form.text
    later = (NEXT_YEAR + timedelta(days=30)).isoformat()
    changed = {"number": "S-1", "level": "4", "evaluator": "評価機関B", "valid_until": later}
    assert client.post(f"/claims/{claim.id}/edit", data=changed).status_code == 302
    db.session.refresh(claim)
    assert (claim.level, claim.evaluator, claim.valid_until.isoformat()) == (4, "評価機関B", later)
    refused = client.post(f"/claims/{claim.id}/edit", data={**changed, "evaluator": ""})
    assert refused.status_code == 400
    db.session.refresh(claim)
    assert claim.evaluator == "評価機関B"

    from portal.organizations.models import Role

    responder = make_user(organization=supplier.organization, role=Role.SUPPLIER_RESPONDER)
    other = client.application.test_client()
    sign_in(other, responder.email)
    assert other.get("/claims/").status_code == 200 and "S-1" in other.get("/claims/").text
    assert other.post(f"/claims/{claim.id}/remove").status_code == 403

    stranger_buyer, _ = make_buyer()
    _, stranger = make_supplier(stranger_buyer)
    third = client.application.test_client()
    sign_in(third, stranger.email)
    assert third.get(f"/claims/{claim.id}/edit").status_code == 404
    assert third.post(f"/claims/{claim.id}/remove").status_code == 404

    assert client.post(f"/claims/{claim.id}/remove").status_code == 302
    assert count_rows(Claim) == 0


def _claims_setup(make_buyer, make_supplier):
    """A supplier with a valid ISMS certificate, an expired PrivacyMark and a SECURITY ACTION declaration;
    its first buyer (accepted), a second that asked and waits, a third whose request it declined."""
    first, first_admin = make_buyer("発注元A")
    company, owner = make_supplier(first, name="共有商事")
    organization = company.organization
    record(
        organization,
        owner,
        ClaimKind.ISMS,
        **{k: v for k, v in ISMS.items() if k != "valid_until"},
        valid_until=NEXT_YEAR,
    )
    expired = record(organization, owner, ClaimKind.PRIVACY_MARK, number="10820123(05)", valid_until=NEXT_YEAR)
    expired.valid_until = TODAY - timedelta(days=1)  # time passed since it was recorded
    record(organization, owner, ClaimKind.SECURITY_ACTION, number="512345678", level=2)
    second, second_admin = make_buyer("発注元B")
    waiting = request_from(second, second_admin, company)
    third, third_admin = make_buyer("発注元C")
    declined = request_from(third, third_admin, company)
    declined.status = RelationshipStatus.DECLINED
    db.session.commit()
    assert waiting.status == RelationshipStatus.REQUESTED
    return company, first_admin, waiting, second_admin, declined, third_admin, owner


def test_buyers_see_valid_claims_only_once_accepted_on_the_page_and_in_the_api(client, make_buyer, make_supplier):
    company, first_admin, waiting, second_admin, declined, third_admin, owner = _claims_setup(make_buyer, make_supplier)

    sign_in(client, owner.email)
    own = client.get("/claims/").text
    assert own.count("claim-expired") == 1  # the supplier sees its expired one, marked

    buyer_page = client.application.test_client()
    sign_in(buyer_page, first_admin.email)
    page = buyer_page.get(f"/suppliers/{company.id}").text
    assert "supplier-claims" in page and "IS 123456" in page and "512345678" in page
    assert "10820123(05)" not in page  # expired: not shown to buyers
    api = client.get(f"/api/v1/suppliers/{company.id}/claims", headers=token_for(first_admin))
    assert api.status_code == 200
    body = api.get_json()
    assert body["supplier_id"] == company.id
    assert [(c["kind"], c["number"], c["level"]) for c in body["claims"]] == [
        ("isms", "IS 123456", None),
        ("security_action", "512345678", 2),
    ]
    assert body["claims"][0]["certification_body"] == "日本品質保証機構"
    assert body["claims"][0]["valid_until"] == NEXT_YEAR.isoformat()

    for relationship, admin in ((waiting, second_admin), (declined, third_admin)):
        other = client.application.test_client()
        sign_in(other, admin.email)
        page = other.get(f"/suppliers/{relationship.id}").text
        assert "supplier-claims" not in page and "IS 123456" not in page
        listed = client.get(f"/api/v1/suppliers/{relationship.id}/claims", headers=token_for(admin))
        assert listed.status_code == 200 and listed.get_json()["claims"] == []
        # the first buyer's record of the company is not theirs
        assert client.get(f"/api/v1/suppliers/{company.id}/claims", headers=token_for(admin)).status_code == 404


def test_the_supplier_list_export_lists_valid_claims(client, make_buyer, make_supplier):
    _company, first_admin, _waiting, second_admin, *_ = _claims_setup(make_buyer, make_supplier)
    for admin, expected in ((first_admin, True), (second_admin, False)):
        browser = client.application.test_client()
        sign_in(browser, admin.email)
        response = browser.get("/suppliers/export.xlsx")
        assert response.status_code == 200
        rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
        assert rows[0][-1] == "認証・宣言"
        cell = rows[1][-1]
        if expected:
            lines = cell.split("\n")
            assert lines == [
                f"ISMS (ISO/IEC 27001) 認証 IS 123456 （有効期限 {NEXT_YEAR.isoformat()}）",
                "SECURITY ACTION 自己宣言 ★★ 512345678",
            ]
        else:
            assert cell is None


def test_the_openapi_document_describes_the_claims_endpoint(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/suppliers/{supplier_id}/claims"]["get"]
    assert "404" in operation["responses"]
    assert "ClaimsOut" in document["components"]["schemas"]
