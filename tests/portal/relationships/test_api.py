"""The relationship operations of the API: the same rules as the pages (who answers, once, only one's own)."""

import pytest
import sqlalchemy as sa

from portal.accounts.models import Invitation
from portal.extensions import db
from portal.organizations.models import Role
from portal.suppliers.models import RelationshipStatus, Sharing, Supplier
from tests.portal.api.helpers import token_for
from tests.portal.campaigns.helpers import count_rows
from tests.portal.relationships.helpers import BAD_NUMBER, NUMBER, accepted_by, numbered_company, request_from

pytestmark = pytest.mark.both_databases

API = "/api/v1"


def test_adding_a_supplier_says_whether_it_was_invited_or_asked(client, make_buyer, make_supplier):
    numbered_company(make_buyer, make_supplier, NUMBER)
    _buyer, admin = make_buyer()
    headers = token_for(admin)
    new = {"name": "新規商事", "contact_email": "new@example.com", "tier": "T1", "corporate_number": "2010001008824"}
    created = client.post(f"{API}/suppliers", json=new, headers=headers)
    assert created.status_code == 201
    assert created.get_json()["status"] == "active" and created.get_json()["organization_id"] is not None
    asked = {"name": "共有商事", "contact_email": "other@example.com", "tier": "T2", "corporate_number": NUMBER}
    response = client.post(f"{API}/suppliers", json=asked, headers=headers)
    assert response.status_code == 201
    body = response.get_json()
    assert (body["status"], body["organization_id"], body["corporate_number"]) == ("requested", None, NUMBER)
    assert client.get(f"{API}/suppliers/{body['id']}", headers=headers).get_json()["organization_id"] is None
    assert count_rows(Invitation) == 1  # the new company's only


def test_a_bad_check_digit_is_a_400(client, make_buyer):
    _, admin = make_buyer()
    body = {"name": "X", "contact_email": "x@example.com", "tier": "T1", "corporate_number": BAD_NUMBER}
    response = client.post(f"{API}/suppliers", json=body, headers=token_for(admin))
    assert response.status_code == 400
    assert BAD_NUMBER in response.get_json()["error"]["message"]
    assert count_rows(Supplier) == 0


def test_the_company_lists_accepts_declines_and_shares(client, make_buyer, make_supplier):
    first_buyer, _ = make_buyer("発注元A")
    company, owner = make_supplier(first_buyer)
    buyer, admin = make_buyer("発注元B")
    third, third_admin = make_buyer("発注元C")
    asked = request_from(buyer, admin, company)
    declined = request_from(third, third_admin, company)
    headers = token_for(owner)

    listed = client.get(f"{API}/relationships", headers=headers).get_json()
    assert [(r["buyer_name"], r["requested_by"]) for r in listed["requests"]] == [
        ("発注元B", admin.name),
        ("発注元C", third_admin.name),
    ]
    assert [(b["buyer_name"], b["sharing"]) for b in listed["buyers"]] == [("発注元A", "names_and_grades")]

    accepted = client.post(f"{API}/relationships/{asked.id}/accept", headers=headers)
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "active"
    assert client.post(f"{API}/relationships/{asked.id}/accept", headers=headers).status_code == 409
    assert client.post(f"{API}/relationships/{declined.id}/decline", headers=headers).get_json()["status"] == (
        "declined"
    )
    assert client.post(f"{API}/relationships/{declined.id}/accept", headers=headers).status_code == 409
    shared = client.put(f"{API}/relationships/{asked.id}/sharing", json={"sharing": "nothing"}, headers=headers)
    assert shared.status_code == 200 and shared.get_json()["sharing"] == "nothing"
    assert client.put(
        f"{API}/relationships/{asked.id}/sharing", json={"sharing": "all"}, headers=headers
    ).status_code == (400)
    assert client.put(
        f"{API}/relationships/{declined.id}/sharing", json={"sharing": "full"}, headers=headers
    ).status_code == (409)
    listed = client.get(f"{API}/relationships", headers=headers).get_json()
    assert listed["requests"] == []
    assert {b["buyer_name"]: b["sharing"] for b in listed["buyers"]} == {
        "発注元A": "names_and_grades",
        "発注元B": "nothing",
    }
    db.session.expire_all()
    assert db.session.get(Supplier, asked.id).sharing == Sharing.NOTHING
    assert db.session.get(Supplier, declined.id).status == RelationshipStatus.DECLINED


def test_only_the_companys_administrators_answer_its_own_requests(client, make_buyer, make_supplier, make_user):
    first_buyer, _ = make_buyer()
    company, _ = make_supplier(first_buyer)
    _, stranger = make_supplier(first_buyer)
    responder = make_user(organization=company.organization, role=Role.SUPPLIER_RESPONDER)
    buyer, admin = make_buyer()
    asked = request_from(buyer, admin, company)
    assert client.post(f"{API}/relationships/{asked.id}/accept", headers=token_for(stranger)).status_code == 404
    assert client.post(f"{API}/relationships/{asked.id}/accept", headers=token_for(admin)).status_code == 404
    assert client.post(f"{API}/relationships/{asked.id}/accept", headers=token_for(responder)).status_code == 403
    assert client.get(f"{API}/relationships", headers=token_for(responder)).status_code == 403
    db.session.expire_all()
    assert db.session.scalar(sa.select(Supplier.status).where(Supplier.id == asked.id)) == RelationshipStatus.REQUESTED


def test_a_campaign_to_a_company_that_has_not_accepted_is_refused(client, make_buyer, make_supplier, make_version):
    first_buyer, _ = make_buyer()
    company, owner = make_supplier(first_buyer)
    buyer, admin = make_buyer()
    asked = request_from(buyer, admin, company, name="未承認商事")
    version = make_version()
    body = {
        "name": "依頼",
        "questionnaire": {"key": version.key, "version": version.version},
        "due_date": "2099-01-01",
        "supplier_ids": [asked.id],
    }
    response = client.post(f"{API}/campaigns", json=body, headers=token_for(admin))
    assert response.status_code == 409 and "未承認商事" in response.get_json()["error"]["message"]
    accepted_by(asked, owner)
    assert client.post(f"{API}/campaigns", json=body, headers=token_for(admin)).status_code == 201


def test_the_document_describes_the_relationship_operations(client):
    document = client.get(f"{API}/openapi.json").get_json()
    paths = document["paths"]
    assert set(paths[f"{API}/relationships"]) == {"get"}
    assert set(paths[f"{API}/relationships/{{relationship_id}}/accept"]) == {"post"}
    assert set(paths[f"{API}/relationships/{{relationship_id}}/decline"]) == {"post"}
    assert set(paths[f"{API}/relationships/{{relationship_id}}/sharing"]) == {"put"}
    assert "409" in paths[f"{API}/relationships/{{relationship_id}}/accept"]["post"]["responses"]
    schemas = document["components"]["schemas"]
    assert set(schemas["SupplierOut"]["properties"]) >= {"status", "corporate_number", "organization_id"}
    assert "corporate_number" in schemas["SupplierCreate"]["properties"]
