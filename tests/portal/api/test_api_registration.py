"""Answering by a METI SCS registration through the API: the owner chooses and withdraws, the reviewer accepts or
returns, and the assessment JSON carries the registration."""

from datetime import date, timedelta

from portal.claims.models import Claim, ClaimKind
from portal.extensions import db
from portal.organizations.models import Role
from tests.portal.api.helpers import token_for
from tests.workflow_fixtures import only_assessment

NEXT_YEAR = date.today() + timedelta(days=365)


def registration(organization_id: int, number: str = "SCS3-0001", valid_until: date = NEXT_YEAR) -> Claim:
    claim = Claim(
        organization_id=organization_id, kind=ClaimKind.METI_SCS, number=number, level=3, valid_until=valid_until
    )
    db.session.add(claim)
    db.session.commit()
    return claim


def test_the_owner_chooses_by_the_api_and_the_reviewer_accepts(
    client, make_buyer, make_supplier, make_campaign, make_user
):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin, accepts_registration_level=3))
    claim = registration(supplier.organization_id)
    other_supplier, _ = make_supplier(buyer)
    foreign = registration(other_supplier.organization_id, number="SCS3-9999")
    expired = registration(supplier.organization_id, number="SCS3-OLD", valid_until=date.today() - timedelta(days=1))
    responder = make_user(organization=supplier.organization, role=Role.SUPPLIER_RESPONDER)
    url = f"/api/v1/assessments/{assessment.id}"
    owner_token, buyer_token = token_for(owner), token_for(admin)

    assert client.get(url, headers=owner_token).get_json()["satisfied_by_registration"] is None
    assert client.post(url + "/registration", json={"claim_id": foreign.id}, headers=owner_token).status_code == 404
    refused = client.post(url + "/registration", json={"claim_id": expired.id}, headers=owner_token)
    assert refused.status_code == 400 and "有効期限" in refused.get_json()["error"]["message"]
    assert client.post(url + "/registration", json={"claim": claim.id}, headers=owner_token).status_code == 400
    by_responder = client.post(url + "/registration", json={"claim_id": claim.id}, headers=token_for(responder))
    assert by_responder.status_code == 403
    assert client.get(url, headers=owner_token).get_json()["state"] == "invited"  # nothing changed

    chosen = client.post(url + "/registration", json={"claim_id": claim.id}, headers=owner_token)
    assert chosen.status_code == 200, chosen.get_json()
    assert chosen.get_json()["state"] == "submitted"
    expected = {"level": 3, "number": "SCS3-0001", "valid_until": NEXT_YEAR.isoformat(), "valid": True}
    assert chosen.get_json()["satisfied_by_registration"] == {**expected, "accepted": False}
    # The supplier cannot decide; the reviewer cannot choose.
    verdict = {"decision": "accept"}
    assert client.post(url + "/registration/verdict", json=verdict, headers=owner_token).status_code == 403
    assert client.post(url + "/registration", json={"claim_id": claim.id}, headers=buyer_token).status_code == 403

    accepted = client.post(url + "/registration/verdict", json=verdict, headers=buyer_token)
    assert accepted.status_code == 200 and accepted.get_json()["state"] == "accepted"
    shown = client.get(url, headers=buyer_token).get_json()
    assert shown["satisfied_by_registration"] == {**expected, "accepted": True}


def test_the_reviewer_returns_and_the_owner_withdraws(client, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin, accepts_registration_level=3))
    claim = registration(supplier.organization_id)
    url = f"/api/v1/assessments/{assessment.id}"
    owner_token, buyer_token = token_for(owner), token_for(admin)
    client.post(url + "/registration", json={"claim_id": claim.id}, headers=owner_token)

    no_comment = client.post(url + "/registration/verdict", json={"decision": "return"}, headers=buyer_token)
    assert no_comment.status_code == 400
    returned = client.post(
        url + "/registration/verdict",
        json={"decision": "return", "comment": "番号を確認できません"},
        headers=buyer_token,
    )
    assert returned.status_code == 200 and returned.get_json()["state"] == "returned"
    withdrawn = client.delete(url + "/registration", headers=owner_token)
    assert withdrawn.status_code == 200 and withdrawn.get_json()["satisfied_by_registration"] is None
    assert client.delete(url + "/registration", headers=owner_token).status_code == 409


def test_a_campaign_that_does_not_accept_refuses(client, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin))
    claim = registration(supplier.organization_id)
    response = client.post(
        f"/api/v1/assessments/{assessment.id}/registration", json={"claim_id": claim.id}, headers=token_for(owner)
    )
    assert response.status_code == 400 and response.get_json()["error"]["message"]
